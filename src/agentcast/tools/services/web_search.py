"""Web search: Bing, Google Custom Search, Tavily, SearXNG, all returning the same shape.

Keys come from a preset (``api_key=...``) or the environment; a missing key is a
ConfigError that names the variable to set. ``base_url`` is overridable so the services can
be pointed at a proxy, a self-hosted instance, or a local test server.
"""

from __future__ import annotations

import os
from typing import Annotated, Any

from agentcast.exceptions import ConfigError
from agentcast.tools.response import ToolResponse
from agentcast.tools.schema import Hidden
from agentcast.tools.services._http import request_json

Key = Annotated[str | None, Hidden]
Url = Annotated[str | None, Hidden]


def _key(value: str | None, env: str, service: str) -> str:
    key = value or os.environ.get(env)
    if not key:
        raise ConfigError(
            f"{service} needs an API key: pass api_key=... when adding the tool or set {env}",
            field="api_key",
        )
    return key


def _results(items: list[dict[str, Any]], title: str, url: str, snippet: str,
             n: int) -> list[dict[str, str]]:
    return [{"title": str(it.get(title, "")), "url": str(it.get(url, "")),
             "snippet": str(it.get(snippet, ""))} for it in items[:n]]


async def bing_search(query: str, num_results: int = 5, api_key: Key = None,
                      base_url: Url = None) -> ToolResponse:
    """Search the web with Bing.

    Args:
        query: What to search for.
        num_results: How many results to return.
    """
    key = _key(api_key, "BING_SEARCH_API_KEY", "Bing search")
    base = (base_url or os.environ.get("BING_SEARCH_URL") or "https://api.bing.microsoft.com")
    data = await request_json("GET", base.rstrip("/") + "/v7.0/search",
                              params={"q": query, "count": num_results},
                              headers={"Ocp-Apim-Subscription-Key": key})
    items = (data.get("webPages") or {}).get("value") or []
    return ToolResponse.success(_results(items, "name", "url", "snippet", num_results))


async def google_search(query: str, num_results: int = 5, api_key: Key = None,
                        cse_id: Key = None, base_url: Url = None) -> ToolResponse:
    """Search the web with Google Custom Search.

    Args:
        query: What to search for.
        num_results: How many results to return (at most 10).
    """
    key = _key(api_key, "GOOGLE_API_KEY", "Google Custom Search")
    cx = _key(cse_id, "GOOGLE_CSE_ID", "Google Custom Search (search engine id, cse_id)")
    base = base_url or os.environ.get("GOOGLE_SEARCH_URL") or "https://www.googleapis.com"
    data = await request_json("GET", base.rstrip("/") + "/customsearch/v1",
                              params={"key": key, "cx": cx, "q": query,
                                      "num": max(1, min(num_results, 10))})
    items = data.get("items") or []
    return ToolResponse.success(_results(items, "title", "link", "snippet", num_results))


async def tavily_search(query: str, num_results: int = 5, api_key: Key = None,
                        base_url: Url = None) -> ToolResponse:
    """Search the web with Tavily.

    Args:
        query: What to search for.
        num_results: How many results to return.
    """
    key = _key(api_key, "TAVILY_API_KEY", "Tavily search")
    base = base_url or os.environ.get("TAVILY_URL") or "https://api.tavily.com"
    data = await request_json("POST", base.rstrip("/") + "/search",
                              json={"query": query, "max_results": num_results},
                              headers={"Authorization": f"Bearer {key}"})
    items = data.get("results") or []
    return ToolResponse.success(_results(items, "title", "url", "content", num_results))


async def searxng_search(query: str, num_results: int = 5, base_url: Url = None) -> ToolResponse:
    """Search the web with a SearXNG instance.

    Args:
        query: What to search for.
        num_results: How many results to return.
    """
    base = base_url or os.environ.get("SEARXNG_URL")
    if not base:
        raise ConfigError("SearXNG needs the instance URL: pass base_url=... or set SEARXNG_URL",
                          field="base_url")
    data = await request_json("GET", base.rstrip("/") + "/search",
                              params={"q": query, "format": "json"})
    items = data.get("results") or []
    return ToolResponse.success(_results(items, "title", "url", "content", num_results))


__all__ = ["bing_search", "google_search", "searxng_search", "tavily_search"]
