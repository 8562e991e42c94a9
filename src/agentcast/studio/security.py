"""What the studio lets through: files inside a run directory, and requests with the token.

The studio reads a directory full of model output and serves it to a browser, so two rules
hold everywhere: a file is served only when its real path (symlinks followed) lies inside
the run's directory, and a studio reachable from other machines needs an access token.
Pure stdlib, so the rules are testable without the web stack.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
from pathlib import Path

# The run's own records are not attachments; their content is served (redacted) by the API.
PRIVATE_NAMES = ("store.db", "inbox.db", "log.jsonl")
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
TOKEN_COOKIE = "agentcast_studio_token"


def safe_file(run_path: str | Path, rel: str) -> Path | None:
    """The file ``rel`` names inside ``run_path``, or None if it is not one we may serve.

    Rejects absolute paths, NUL bytes, ``..`` escapes, symlinks (at any level) whose
    target is outside the run directory, directories, and the run's own databases/logs.
    """
    if not rel or "\x00" in rel or rel.startswith(("/", "\\")) or ":" in rel.split("/", 1)[0]:
        return None
    parts = rel.replace("\\", "/").split("/")
    if any(p in ("", ".", "..") for p in parts):
        return None
    root = os.path.realpath(run_path)
    candidate = os.path.realpath(os.path.join(root, *parts))
    if not candidate.startswith(root + os.sep):
        return None
    if not os.path.isfile(candidate):
        return None
    name = os.path.basename(candidate)
    if any(name == p or name.startswith(p + "-") for p in PRIVATE_NAMES):
        return None
    return Path(candidate)


def is_loopback(host: str) -> bool:
    """True when binding ``host`` keeps the studio on this machine."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def resolve_token(host: str, token: str | None) -> str | None:
    """The token to require: the given one; a fresh one when bound beyond loopback."""
    if token:
        return token
    env = os.environ.get("AGENTCAST_STUDIO_TOKEN")
    if env:
        return env
    if is_loopback(host):
        return None
    return secrets.token_urlsafe(18)


def token_ok(expected: str | None, *candidates: str | None) -> bool:
    """Constant-time check of any presented token."""
    if expected is None:
        return True
    want = expected.encode()
    return any(c is not None and hmac.compare_digest(c.encode(), want) for c in candidates)


def host_ok(host_header: str | None) -> bool:
    """Without a token the studio answers only to loopback Host names (no DNS rebinding)."""
    if not host_header:
        return False
    host = host_header.rsplit(":", 1)[0] if not host_header.endswith("]") else host_header
    if host.startswith("[") and "]" in host:
        host = host[: host.index("]") + 1]
    return is_loopback(host)


__all__ = ["TOKEN_COOKIE", "host_ok", "is_loopback", "resolve_token", "safe_file", "token_ok"]
