"""Fetch a web page as text, and download files into the run directory.

Both go through ``_http.fetch``: local and private addresses are refused (checked on the
address actually connected to, every redirect hop again) unless the developer allows them
with ``allow_private=True`` or names hosts in ``allowed_hosts``; the bytes read are capped
(``max_bytes``) and one ``timeout`` covers the whole fetch.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Annotated
from urllib.parse import unquote, urlparse

from agentcast.tools.response import ToolResponse
from agentcast.tools.schema import Hidden
from agentcast.tools.services._http import DEFAULT_TIMEOUT, Resolver, check_url, fetch

_SKIP = {"script", "style", "noscript", "template", "svg", "head"}
_BLOCK = {"p", "div", "br", "li", "ul", "ol", "tr", "table", "section", "article", "header",
          "footer", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "hr", "title",
          "main", "nav", "aside", "dd", "dt", "form"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self.links: list[str] = []
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in _SKIP:
            self._skip += 1
        if tag == "li":
            self.parts.append("\n- ")
        elif tag in _BLOCK:
            self.parts.append("\n")
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in _SKIP and self._skip:
            self._skip -= 1
        if tag in _BLOCK and tag != "li":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> tuple[str, str]:
    """(title, readable text) of an HTML document: scripts and styles dropped, blocks kept
    on their own lines, whitespace collapsed."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return parser.title.strip(), text


async def fetch_webpage(
    url: str,
    max_chars: Annotated[int, Hidden] = 20_000,
    allow_private: Annotated[bool, Hidden] = False,
    allowed_hosts: Annotated[Sequence[str], Hidden] = (),
    max_bytes: Annotated[int, Hidden] = 2 * 1024 * 1024,
    timeout: Annotated[float, Hidden] = DEFAULT_TIMEOUT,
    resolver: Annotated[Resolver | None, Hidden] = None,
) -> ToolResponse:
    """Fetch a web page and return its text content.

    Args:
        url: The http(s) address of the page.
    """
    resp = await fetch(url, max_bytes=max_bytes, timeout=timeout, allow_private=allow_private,
                       allowed_hosts=allowed_hosts, resolver=resolver)
    if resp.status >= 400:
        return ToolResponse.error(f"{url} answered HTTP {resp.status}")
    ctype = resp.headers.get("content-type", "")
    body = resp.text
    if "html" in ctype or body.lstrip()[:1] == "<":
        title, text = html_to_text(body)
    else:
        title, text = "", body
    if len(text) > max_chars or resp.truncated:
        text = text[:max_chars] + "\n... [truncated]"
    return ToolResponse.success({"url": resp.url, "title": title, "text": text})


def default_run_dir() -> Path:
    """Where downloads go unless preset: the current run's directory (``ac.init``), else
    $AGENTCAST_RUN_DIR, else ./runs."""
    try:
        from agentcast.observe.run import current_run

        run = current_run()
    except ImportError:
        run = None
    run_dir = getattr(run, "dir", None)
    if run_dir:
        return Path(run_dir)
    return Path(os.environ.get("AGENTCAST_RUN_DIR") or "runs")


async def download_file(
    url: str,
    filename: str | None = None,
    directory: Annotated[str | None, Hidden] = None,
    max_bytes: Annotated[int, Hidden] = 50 * 1024 * 1024,
    allow_private: Annotated[bool, Hidden] = False,
    allowed_hosts: Annotated[Sequence[str], Hidden] = (),
    timeout: Annotated[float, Hidden] = 120.0,
    resolver: Annotated[Resolver | None, Hidden] = None,
) -> ToolResponse:
    """Download a file from the web into the run directory.

    Args:
        url: The http(s) address of the file.
        filename: The name to save it under (default: taken from the URL).
    """
    check_url(url)
    folder = Path(directory) if directory else default_run_dir() / "downloads"
    folder.mkdir(parents=True, exist_ok=True)
    name = filename or os.path.basename(unquote(urlparse(url).path)) or "download"
    name = re.sub(r"[^\w.\-]+", "_", os.path.basename(name)).lstrip(".") or "download"
    target = folder / name
    try:
        with open(target, "wb") as fh:
            resp = await fetch(url, max_bytes=max_bytes, truncate=False, timeout=timeout,
                               allow_private=allow_private, allowed_hosts=allowed_hosts,
                               resolver=resolver, sink=fh.write)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    if resp.status >= 400:
        target.unlink(missing_ok=True)
        return ToolResponse.error(f"{url} answered HTTP {resp.status}")
    size = resp.size
    path = str(target.resolve())
    return ToolResponse.success(f"saved {size} bytes to {path}", urls=[path])


__all__ = ["default_run_dir", "download_file", "fetch_webpage", "html_to_text"]
