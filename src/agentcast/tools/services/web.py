"""Fetch a web page as text, and download files into the run directory."""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Annotated
from urllib.parse import unquote, urlparse

from agentcast.exceptions import ToolExecutionError
from agentcast.tools.response import ToolResponse
from agentcast.tools.schema import Hidden
from agentcast.tools.services._http import check_url, client

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
) -> ToolResponse:
    """Fetch a web page and return its text content.

    Args:
        url: The http(s) address of the page.
    """
    check_url(url)
    async with client(allow_private=allow_private) as http:
        resp = await http.get(url)
    if resp.status_code >= 400:
        return ToolResponse.error(f"{url} answered HTTP {resp.status_code}")
    ctype = resp.headers.get("content-type", "")
    if "html" in ctype or resp.text.lstrip()[:1] == "<":
        title, text = html_to_text(resp.text)
    else:
        title, text = "", resp.text
    if len(text) > max_chars:
        text = text[:max_chars] + "\n... [truncated]"
    return ToolResponse.success({"url": str(resp.url), "title": title, "text": text})


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
    size = 0
    async with client(allow_private=allow_private) as http, http.stream("GET", url) as resp:
        if resp.status_code >= 400:
            return ToolResponse.error(f"{url} answered HTTP {resp.status_code}")
        with open(target, "wb") as fh:
            async for chunk in resp.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    fh.close()
                    target.unlink(missing_ok=True)
                    raise ToolExecutionError(f"{url} is larger than {max_bytes} bytes; stopped")
                fh.write(chunk)
    path = str(target.resolve())
    return ToolResponse.success(f"saved {size} bytes to {path}", urls=[path])


__all__ = ["default_run_dir", "download_file", "fetch_webpage", "html_to_text"]
