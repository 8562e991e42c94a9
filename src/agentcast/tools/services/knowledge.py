"""Reference lookups: arXiv and Wikipedia (base URLs overridable for mirrors and tests)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Annotated

from agentcast.exceptions import ToolExecutionError
from agentcast.tools.response import ToolResponse
from agentcast.tools.schema import Hidden
from agentcast.tools.services._http import request_json, request_text
from agentcast.tools.services.web import html_to_text

_ATOM = "{http://www.w3.org/2005/Atom}"


async def arxiv_search(
    query: str,
    max_results: int = 5,
    base_url: Annotated[str, Hidden] = "https://export.arxiv.org",
) -> ToolResponse:
    """Search arXiv papers by keywords; returns titles, authors, abstracts and links.

    Args:
        query: Search terms, e.g. "multi-agent LLM".
        max_results: How many papers to return.
    """
    text = await request_text(base_url.rstrip("/") + "/api/query",
                              params={"search_query": f"all:{query}", "start": 0,
                                      "max_results": max_results})
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ToolExecutionError(f"arXiv returned malformed XML: {exc}") from exc
    papers = []
    for entry in root.findall(f"{_ATOM}entry")[:max_results]:
        def field(tag: str, node: ET.Element = entry) -> str:
            return re.sub(r"\s+", " ", node.findtext(f"{_ATOM}{tag}") or "").strip()

        pdf = next((link.get("href", "") for link in entry.findall(f"{_ATOM}link")
                    if link.get("title") == "pdf"), "")
        papers.append({
            "title": field("title"),
            "authors": [re.sub(r"\s+", " ", a.findtext(f"{_ATOM}name") or "").strip()
                        for a in entry.findall(f"{_ATOM}author")],
            "summary": field("summary"),
            "published": field("published"),
            "url": field("id"),
            "pdf": pdf,
        })
    return ToolResponse.success(papers)


async def wikipedia_search(
    query: str,
    limit: int = 5,
    base_url: Annotated[str, Hidden] = "https://en.wikipedia.org",
) -> ToolResponse:
    """Search Wikipedia; returns article titles with short snippets.

    Args:
        query: What to look up.
        limit: How many articles to return.
    """
    data = await request_json("GET", base_url.rstrip("/") + "/w/api.php",
                              params={"action": "query", "list": "search", "srsearch": query,
                                      "srlimit": limit, "format": "json"})
    hits = (data.get("query") or {}).get("search") or []
    out = [{"title": h.get("title", ""), "snippet": html_to_text(h.get("snippet", ""))[1],
            "url": base_url.rstrip("/") + "/wiki/" + str(h.get("title", "")).replace(" ", "_")}
           for h in hits[:limit]]
    return ToolResponse.success(out)


async def wikipedia_page(
    title: str,
    max_chars: Annotated[int, Hidden] = 8000,
    base_url: Annotated[str, Hidden] = "https://en.wikipedia.org",
) -> ToolResponse:
    """Read the plain-text content of a Wikipedia article.

    Args:
        title: The exact article title.
    """
    data = await request_json("GET", base_url.rstrip("/") + "/w/api.php",
                              params={"action": "query", "prop": "extracts", "explaintext": 1,
                                      "titles": title, "format": "json", "redirects": 1})
    pages = ((data.get("query") or {}).get("pages") or {}).values()
    for page in pages:
        if "missing" in page:
            break
        text = str(page.get("extract", ""))
        return ToolResponse.success({"title": page.get("title", title),
                                     "text": text[:max_chars]})
    return ToolResponse.error(f"no Wikipedia article titled {title!r}")


__all__ = ["arxiv_search", "wikipedia_page", "wikipedia_search"]
