"""The HTTP client the web services share (httpx, from the ``web`` extra)."""

from __future__ import annotations

from typing import Any

from agentcast.exceptions import MissingExtraError, ToolExecutionError

USER_AGENT = "agentcast/0.1 (+https://github.com/agentcast)"
DEFAULT_TIMEOUT = 20.0


def httpx_module() -> Any:
    try:
        import httpx
    except ImportError as exc:
        raise MissingExtraError("web", "httpx", "web services") from exc
    return httpx


def client(timeout: float = DEFAULT_TIMEOUT, *, allow_private: bool = True) -> Any:
    """An async client; with ``allow_private=False`` every request (redirects included) to a
    loopback, private, link-local or reserved address is refused, so a model cannot make
    the fetch tools reach internal services (cloud metadata, admin ports)."""
    httpx = httpx_module()
    hooks = {} if allow_private else {"request": [_refuse_private]}
    return httpx.AsyncClient(timeout=timeout, follow_redirects=True,
                             headers={"User-Agent": USER_AGENT}, event_hooks=hooks)


async def _refuse_private(request: Any) -> None:
    import asyncio
    import ipaddress
    import socket

    host = request.url.host
    try:
        infos = await asyncio.to_thread(socket.getaddrinfo, host, None)
    except OSError as exc:
        raise ToolExecutionError(f"cannot resolve {host!r}: {exc}") from exc
    for info in infos:
        addr = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not addr.is_global:
            raise ToolExecutionError(
                f"{host!r} is a local or private address ({addr}); fetching it is not allowed")


def check_url(url: str) -> None:
    if not url.startswith(("http://", "https://")):
        raise ToolExecutionError(f"only http(s) URLs can be fetched, got {url!r}")


async def request_json(method: str, url: str, **kwargs: Any) -> Any:
    """Send a request and parse JSON; HTTP errors become errors the model can read."""
    async with client() as http:
        resp = await http.request(method, url, **kwargs)
    if resp.status_code >= 400:
        raise ToolExecutionError(f"{url} answered HTTP {resp.status_code}: {resp.text[:300]}")
    try:
        return resp.json()
    except ValueError as exc:
        raise ToolExecutionError(f"{url} did not return JSON") from exc


async def request_text(url: str, **kwargs: Any) -> str:
    async with client() as http:
        resp = await http.get(url, **kwargs)
    if resp.status_code >= 400:
        raise ToolExecutionError(f"{url} answered HTTP {resp.status_code}")
    text: str = resp.text
    return text
