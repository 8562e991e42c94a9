"""The process-wide set of secret values, registered where they enter and masked everywhere.

Shapes (``sk-...``) catch only the keys they know; a password in a ``base_url``, a header
such as ``Ocp-Apim-Subscription-Key`` or a key read from ``${VAR}`` has no shape. So every
value that comes from a *secret source* is registered here when it enters agentcast:

- config keys named like key / token / secret / password / credential / auth;
- every value substituted for ``${VAR}`` in a config;
- URL userinfo (the password, and the base64 ``user:password`` an HTTP client sends for it);
- values of auth-like headers, and of ``Authorization`` (the part after the scheme, and for
  ``Basic`` also the decoded ``user:password`` and password).

``mask`` replaces them with ``[REDACTED]``; error texts (every ``AgentcastError``) and the
observability sinks (``observe.redaction.Redactor``) use it, so a server that echoes request
headers in an error body cannot put a credential in a log, the run store or an exception.
This module imports nothing from agentcast: every layer may use it.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

MASK = "[REDACTED]"
MIN_LENGTH = 6  # shorter values would mask ordinary text

SECRET_NAME = re.compile(
    r"(?i)(api[_-]?key|apikey|(?<![a-z])key(?![a-z])|key$|token(?!i)|secret|passw|pwd|"
    r"credential|auth(?!ors?(?![a-z]))|signature|cookie|session|subscription)")
_ENV_REF = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")

_lock = threading.Lock()
_values: set[str] = set()
_pattern: re.Pattern[str] | None = None
_version = 0


def register(value: Any) -> None:
    """Remember one secret value (too short values are ignored)."""
    global _pattern, _version
    if not isinstance(value, str):
        return
    value = value.strip()
    if len(value) < MIN_LENGTH:
        return
    with _lock:
        if value in _values:
            return
        _values.add(value)
        alts = sorted(_values, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(v) for v in alts))
        _version += 1


def register_basic(user: str, password: str) -> None:
    """A user/password pair: the password and the base64 form HTTP Basic sends."""
    register(password)
    if password:
        pair = f"{user}:{password}"
        register(pair)
        register(base64.b64encode(pair.encode()).decode())


def register_url(url: Any) -> None:
    """Userinfo and secret-named query parameters of a URL."""
    if not isinstance(url, str) or "//" not in url:
        return
    try:
        parts = urlsplit(url)
    except ValueError:
        return
    if parts.password is not None:
        register_basic(unquote(parts.username or ""), unquote(parts.password))
        register(parts.password)
    elif parts.username and "@" in parts.netloc:
        register(unquote(parts.username))  # a token given as the user part
    for name, value in parse_qsl(parts.query):
        if SECRET_NAME.search(name):
            register(value)


def register_authorization(value: Any) -> None:
    """An ``Authorization``-style value: the credential after the scheme (and for Basic,
    what it decodes to)."""
    if not isinstance(value, str):
        return
    register(value)
    scheme, _, credential = value.strip().partition(" ")
    if not credential:
        return
    credential = credential.strip()
    register(credential)
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credential, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return
        user, _, password = decoded.partition(":")
        register_basic(user, password)


def register_headers(headers: Any) -> None:
    """Values of headers whose names say they carry credentials."""
    if not isinstance(headers, Mapping):
        return
    for name, value in headers.items():
        if isinstance(name, str) and SECRET_NAME.search(name):
            register_authorization(value)


def register_config(config: Any, *, env: Mapping[str, str] | None = None) -> None:
    """Walk a config: secret-named keys, header maps, URLs, and values given as ``${VAR}``
    (their values in ``env``, default ``os.environ``) are registered."""
    import os

    environ = os.environ if env is None else env
    if isinstance(config, Mapping):
        for key, value in config.items():
            name = key if isinstance(key, str) else ""
            if name.lower() in ("headers", "default_headers", "extra_headers"):
                register_headers(value)
            if isinstance(value, str):
                for ref in _ENV_REF.findall(value):
                    register(environ.get(ref[2:-1]))
                if SECRET_NAME.search(name) and not _ENV_REF.fullmatch(value):
                    register_authorization(value)
                register_url(value)
            else:
                register_config(value, env=environ)
    elif isinstance(config, (list, tuple)):
        for item in config:
            register_config(item, env=environ)


def mask(text: str) -> str:
    """``text`` with every registered secret replaced by ``[REDACTED]``."""
    pattern = _pattern
    if pattern is None or not isinstance(text, str) or not text:
        return text
    return pattern.sub(MASK, text)


def known() -> frozenset[str]:
    """The registered values (for a redactor that keeps its own copy)."""
    with _lock:
        return frozenset(_values)


def version() -> int:
    """Changes whenever a value is registered (cheap to poll)."""
    return _version


def register_all(values: Iterable[Any]) -> None:
    for v in values:
        register(v)


__all__ = ["MASK", "SECRET_NAME", "known", "mask", "register", "register_all",
           "register_authorization", "register_basic", "register_config", "register_headers",
           "register_url", "version"]
