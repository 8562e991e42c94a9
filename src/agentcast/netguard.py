"""Who may talk to agentcast's HTTP servers (studio, A2A): tokens, Host and Origin checks.

Why one module: every server agentcast starts follows the same rules (docs/security.md).
It binds loopback unless told otherwise; it needs a token even on loopback, as Jupyter
does, because any local process or any web page the developer opens can reach loopback;
it answers only to Host names it is known by (so a DNS-rebinding page cannot reach it) and
refuses requests a browser sent from a foreign Origin. Serving without a token is possible
only when asked for by name (``auth="none-loopback-only"``) and only on loopback.

Pure stdlib (a raw ASGI middleware), so the rules hold, and are tested, the same way for
every server; nothing here imports agentcast beyond the exceptions module.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import os
import secrets
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from agentcast.exceptions import ConfigError, InsecureServerError

NO_TOKEN = "none-loopback-only"  # the one name that turns the token off (loopback only)
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]", "localhost."})
WILDCARDS = frozenset({"0.0.0.0", "::", "[::]", ""})

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]


def is_loopback(host: str) -> bool:
    """True when binding (or naming) ``host`` keeps a server on this machine."""
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    """A fresh random access token (URL-safe, 192 bits)."""
    return secrets.token_urlsafe(24)


def resolve_token(host: str, token: str | None, auth: str | None = None,
                  env_var: str | None = None) -> tuple[str | None, bool]:
    """The token a server on ``host`` requires, and whether it was made up here.

    ``token`` (or ``$env_var``) is used when given; otherwise one is generated per start.
    ``auth="none-loopback-only"`` serves without a token, and only on a loopback address.
    """
    if auth not in (None, "token", NO_TOKEN):
        raise ConfigError(f"auth must be 'token' or {NO_TOKEN!r}, got {auth!r}", field="auth")
    if auth == NO_TOKEN:
        if token:
            raise ConfigError(f"auth={NO_TOKEN!r} and a token were both given; choose one",
                              field="auth")
        if not is_loopback(host):
            raise InsecureServerError(
                f"refusing to serve without a token on {host!r}: {NO_TOKEN!r} is allowed "
                "only on a loopback address (127.0.0.1, ::1, localhost). Drop it to get a "
                "generated token, or pass token=...")
        return None, False
    if token:
        return token, False
    env = os.environ.get(env_var) if env_var else None
    if env:
        return env, False
    return new_token(), True


def token_matches(expected: str | None, *candidates: str | None) -> bool:
    """Constant-time check of any presented token (None expected: no token needed)."""
    if expected is None:
        return True
    want = expected.encode()
    return any(c is not None and hmac.compare_digest(c.encode(), want) for c in candidates)


def host_name(host_header: str | None) -> str | None:
    """The host part of a ``Host`` header (``[::1]:80`` -> ``::1``), lower-cased."""
    if not host_header:
        return None
    value = host_header.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        return value[1:end] if end > 0 else None
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value or None


def host_allowed(host_header: str | None, bound: str, allowed: Iterable[str] = ()) -> bool:
    """Whether a request's Host names this server: loopback names, the bound address,
    an IP literal when bound to all interfaces, or a name the developer allowed.

    A DNS-rebinding page reaches the server under the attacker's name, so it fails here.
    """
    name = host_name(host_header)
    if name is None:
        return False
    if is_loopback(name) or name == bound.strip("[]").lower():
        return True
    if name in {a.strip("[]").lower() for a in allowed}:
        return True
    if bound in WILDCARDS:
        try:
            ipaddress.ip_address(name)
            return True
        except ValueError:
            return False
    return False


def origin_allowed(origin: str | None, host_header: str | None) -> bool:
    """No Origin (not a browser's cross-site request), or the server's own origin."""
    if origin is None:
        return True
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False  # includes "null" (sandboxed frames, file: pages)
    return host_header is not None and parts.netloc.lower() == host_header.strip().lower()


def bearer(headers: dict[str, str]) -> str | None:
    auth = headers.get("authorization", "")
    return auth[7:].strip() if auth[:7].lower() == "bearer " else None


def cookie(headers: dict[str, str], name: str) -> str | None:
    for item in headers.get("cookie", "").split(";"):
        key, _, value = item.strip().partition("=")
        if key == name:
            return value
    return None


def cookie_name(prefix: str, scope: Scope) -> str:
    """``prefix-<port>``: the cookie name for the server that received ``scope``."""
    server = scope.get("server")
    return f"{prefix}-{server[1]}" if server and server[1] is not None else prefix


class Guard:
    """ASGI middleware: Host check, Origin check, then the token (Bearer, cookie, ?token=).

    ``public_paths`` skip the token (not Host/Origin): the A2A agent card is public by the
    protocol. With ``cookie_name``, a right ``?token=`` sets an HttpOnly SameSite=Strict
    cookie, so a browser page keeps working after its one tokened visit. Browsers share
    cookies across the ports of one host, so the cookie is named per port
    (``<cookie_name>-<port>``): two servers on one machine do not overwrite each other's.
    """

    def __init__(self, app: ASGIApp, *, bound: str, token: str | None,
                 allowed_hosts: Iterable[str] = (), public_paths: Iterable[str] = (),
                 cookie_name: str | None = None,
                 deny: Callable[[Scope, int, str], tuple[bytes, bytes]] | None = None) -> None:
        self.app, self.bound, self.token = app, bound, token
        self.allowed_hosts = tuple(allowed_hosts)
        self.public_paths = frozenset(public_paths)
        self.cookie_name = cookie_name
        self.deny = deny

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers") or []}
        host = headers.get("host")
        if not host_allowed(host, self.bound, self.allowed_hosts):
            await self._refuse(scope, send, 421, f"unknown Host {host!r}: this server answers "
                               "only to the names it is bound to (DNS rebinding refused)")
            return
        if not origin_allowed(headers.get("origin"), host):
            await self._refuse(scope, send, 403, "cross-origin request refused")
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = (query.get("token") or [None])[0]
        name = cookie_name(self.cookie_name, scope) if self.cookie_name else None
        if scope.get("path") not in self.public_paths and not token_matches(
                self.token, bearer(headers), given, cookie(headers, name) if name else None):
            await self._refuse(scope, send, 401, "missing or wrong access token")
            return
        if name and self.token is not None and given is not None:
            value = f"{name}={given}; Path=/; HttpOnly; SameSite=Strict".encode("latin-1")

            async def send_with_cookie(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    message = dict(message)
                    message["headers"] = [*message.get("headers", []),
                                          (b"set-cookie", value)]
                await send(message)

            await self.app(scope, receive, send_with_cookie)
            return
        await self.app(scope, receive, send)

    async def _refuse(self, scope: Scope, send: Any, status: int, detail: str) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        if self.deny is not None:
            body, ctype = self.deny(scope, status, detail)
        else:
            body, ctype = json.dumps({"detail": detail}).encode(), b"application/json"
        headers = [(b"content-type", ctype), (b"content-length", str(len(body)).encode())]
        if status == 401:
            headers.append((b"www-authenticate", b"Bearer"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def token_url(base: str, token: str | None) -> str:
    """``base`` with ``?token=`` appended: the ready-to-open address printed at start."""
    return base + (f"?token={token}" if token else "")


def display_host(host: str) -> str:
    """The address to print for a bound host (a wildcard bind is opened via loopback)."""
    shown = "127.0.0.1" if host in WILDCARDS else host
    return f"[{shown}]" if ":" in shown and not shown.startswith("[") else shown


__all__ = ["NO_TOKEN", "Guard", "bearer", "cookie", "cookie_name", "display_host", "host_allowed",
           "host_name", "is_loopback", "new_token", "origin_allowed", "resolve_token",
           "token_matches", "token_url"]
