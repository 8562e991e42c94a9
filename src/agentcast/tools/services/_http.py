"""The HTTP fetch the web services share (httpx, from the ``web`` extra).

One function, ``fetch``, with the guarantees a tool that a model drives needs:

- the host name is resolved **once** per hop, every address it resolves to is checked, and
  the connection goes to the address that was checked (the ``Host`` header and TLS SNI carry
  the name, so certificates are still verified against it). A name that answers a public
  address to the check and 127.0.0.1 to the connection (DNS rebinding) cannot reach a local
  service. Loopback, private, link-local, multicast, reserved and unspecified addresses
  (IPv4-mapped IPv6 included) are refused unless ``allow_private=True`` or the host is named
  in ``allowed_hosts``;
- redirects are followed by hand, each hop resolved and checked again, at most
  ``MAX_REDIRECTS``; headers the caller set are dropped when a redirect changes the origin;
- at most ``max_bytes`` of the body are read (the rest is never downloaded);
- one deadline covers the whole fetch, redirects and a body trickled byte by byte included.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from agentcast.exceptions import MissingExtraError, ToolExecutionError

USER_AGENT = "agentcast/0.1 (+https://github.com/agentcast)"
DEFAULT_TIMEOUT = 20.0  # seconds for the whole fetch
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5

Resolver = Callable[[str, int], Awaitable[Sequence[str]]]


def httpx_module() -> Any:
    try:
        import httpx
    except ImportError as exc:
        raise MissingExtraError("web", "httpx", "web services") from exc
    return httpx


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses ``getaddrinfo`` gives for ``host`` (the default resolver)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def address_refusal(address: str) -> str | None:
    """Why ``address`` is not a public internet address (None when it is)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind in ("loopback", "private", "link_local", "multicast", "reserved", "unspecified"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    if not ip.is_global:
        return "not global"
    return None


def _host_allowed(host: str, port: int, allowed_hosts: Sequence[str]) -> bool:
    host = host.lower().strip("[]")
    return any(a.lower() in (host, f"{host}:{port}") for a in allowed_hosts)


async def resolve_checked(host: str, port: int, *, allow_private: bool = False,
                          allowed_hosts: Sequence[str] = (),
                          resolver: Resolver | None = None) -> str:
    """The one address to connect to for ``host``: resolved once, every answer checked."""
    bare = host.strip("[]")
    try:
        addresses: Sequence[str] = [str(ipaddress.ip_address(bare))]
    except ValueError:
        try:
            addresses = await (resolver or system_resolver)(bare, port)
        except OSError as exc:
            raise ToolExecutionError(f"cannot resolve {host!r}: {exc}") from exc
    if not addresses:
        raise ToolExecutionError(f"{host!r} resolves to no address")
    if not (allow_private or _host_allowed(bare, port, allowed_hosts)):
        for address in addresses:
            why = address_refusal(address)
            if why is not None:
                raise ToolExecutionError(
                    f"{host!r} is a local or private address ({address}, {why}); fetching it "
                    "is not allowed (a developer can allow it by name with allowed_hosts)")
    return str(addresses[0])


@dataclass
class Fetched:
    """The final response of a fetch: its URL (after redirects), status, headers and at most
    ``max_bytes`` of its body (``truncated`` when there was more)."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes = b""
    truncated: bool = False
    size: int = 0
    redirects: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        charset = "utf-8"
        ctype = self.headers.get("content-type", "")
        if "charset=" in ctype:
            charset = ctype.split("charset=", 1)[1].split(";")[0].strip().strip('"') or charset
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


def check_url(url: str) -> None:
    if not url.startswith(("http://", "https://")):
        raise ToolExecutionError(f"only http(s) URLs can be fetched, got {url!r}")


async def fetch(
    url: str,
    *,
    method: str = "GET",
    params: Mapping[str, Any] | None = None,
    json: Any = None,
    headers: Mapping[str, str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    truncate: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    allow_private: bool = False,
    allowed_hosts: Sequence[str] = (),
    resolver: Resolver | None = None,
    sink: Callable[[bytes], Any] | None = None,
) -> Fetched:
    """Fetch ``url`` under the guarantees in the module docstring.

    Past ``max_bytes`` the body is cut (``truncate=True``) or the fetch fails. With ``sink``
    the body goes to it chunk by chunk instead of into ``Fetched.body``.
    """
    try:
        async with asyncio.timeout(timeout):
            return await _fetch(url, method, params, json, headers, max_bytes, truncate,
                                allow_private, allowed_hosts, resolver, sink)
    except TimeoutError:
        raise ToolExecutionError(
            f"fetching {url} took longer than {timeout:g} s (one deadline for the whole fetch, "
            "redirects and body included); stopped") from None


async def _fetch(url: str, method: str, params: Mapping[str, Any] | None, json: Any,
                 headers: Mapping[str, str] | None, max_bytes: int, truncate: bool,
                 allow_private: bool, allowed_hosts: Sequence[str], resolver: Resolver | None,
                 sink: Callable[[bytes], Any] | None) -> Fetched:
    httpx = httpx_module()
    check_url(url)
    extra = dict(headers or {})
    redirects: list[str] = []
    # no environment proxies: the connection must go to the address that was checked
    async with httpx.AsyncClient(follow_redirects=False, trust_env=False, timeout=None,
                                 headers={"User-Agent": USER_AGENT}) as http:
        for _hop in range(MAX_REDIRECTS + 1):
            request = http.build_request(method, url, params=params, json=json, headers=extra)
            host, port = request.url.host, request.url.port or (
                443 if request.url.scheme == "https" else 80)
            address = await resolve_checked(host, port, allow_private=allow_private,
                                            allowed_hosts=allowed_hosts, resolver=resolver)
            request.url = request.url.copy_with(host=address)  # Host header keeps the name
            request.extensions["sni_hostname"] = host
            try:
                response = await http.send(request, stream=True)
            except httpx.HTTPError as exc:
                raise ToolExecutionError(
                    f"cannot fetch {url} (connecting to {address}): {type(exc).__name__}: {exc}"
                ) from exc
            try:
                location = response.headers.get("location")
                if response.is_redirect and location:
                    target = urljoin(url, location)
                    check_url(target)
                    if urlsplit(target)[:2] != urlsplit(url)[:2]:
                        extra = {}  # never send a caller's credentials to another origin
                    if response.status_code in (301, 302, 303):
                        method, json = "GET", None
                    params = None
                    redirects.append(target)
                    url = target
                    continue
                out = Fetched(url, response.status_code, dict(response.headers),
                              redirects=redirects)
                await _read_body(response, out, max_bytes, truncate, sink)
                return out
            finally:
                await response.aclose()
    raise ToolExecutionError(f"{redirects[0] if redirects else url}: more than {MAX_REDIRECTS} "
                             "redirects; stopped")


async def _read_body(response: Any, out: Fetched, max_bytes: int, truncate: bool,
                     sink: Callable[[bytes], Any] | None) -> None:
    chunks: list[bytes] = []
    async for chunk in response.aiter_bytes():
        room = max_bytes - out.size
        if len(chunk) > room:
            if not truncate:
                raise ToolExecutionError(f"{out.url} is larger than {max_bytes} bytes; stopped")
            chunk, out.truncated = chunk[:room], True
        out.size += len(chunk)
        if sink is not None:
            sink(chunk)
        else:
            chunks.append(chunk)
        if out.truncated:
            break
    out.body = b"".join(chunks)


async def request_json(method: str, url: str, **kwargs: Any) -> Any:
    """Send a request to a configured API and parse JSON; HTTP errors become errors the
    model can read. The API's address is the developer's, so private addresses are allowed."""
    resp = await fetch(url, method=method, allow_private=True, truncate=False, **kwargs)
    if resp.status >= 400:
        raise ToolExecutionError(f"{url} answered HTTP {resp.status}: {resp.text[:300]}")
    import json

    try:
        return json.loads(resp.text)
    except ValueError as exc:
        raise ToolExecutionError(f"{url} did not return JSON") from exc


async def request_text(url: str, **kwargs: Any) -> str:
    """GET a configured API's text (private addresses allowed, size and time bounded)."""
    resp = await fetch(url, allow_private=True, truncate=False, **kwargs)
    if resp.status >= 400:
        raise ToolExecutionError(f"{url} answered HTTP {resp.status}")
    return resp.text
