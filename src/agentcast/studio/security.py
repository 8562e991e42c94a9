"""What the studio lets through: files inside a run directory, and requests with the token.

The studio reads a directory full of model output and serves it to a browser, so two rules
hold everywhere: a file is served only when its real path (symlinks followed) lies inside
the run's directory, and every request needs the access token (even on loopback, as in
Jupyter) and passes the Host and Origin checks of :mod:`agentcast.netguard`.
Pure stdlib, so the rules are testable without the web stack.
"""

from __future__ import annotations

import os
from pathlib import Path

from agentcast import netguard

# The run's own records are not attachments; their content is served (redacted) by the API.
PRIVATE_NAMES = ("store.db", "inbox.db", "log.jsonl")
TOKEN_COOKIE = "agentcast_studio_token"
TOKEN_ENV = "AGENTCAST_STUDIO_TOKEN"


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


def resolve_token(host: str, token: str | None, auth: str | None = None
                  ) -> tuple[str | None, bool]:
    """The studio's token: given, ``$AGENTCAST_STUDIO_TOKEN``, or generated per start
    (see :func:`agentcast.netguard.resolve_token`); and whether it was generated."""
    return netguard.resolve_token(host, token, auth, env_var=TOKEN_ENV)


def host_ok(host_header: str | None, bound: str = "127.0.0.1") -> bool:
    """The Host check (no DNS rebinding): see :func:`agentcast.netguard.host_allowed`."""
    return netguard.host_allowed(host_header, bound)


is_loopback = netguard.is_loopback
token_ok = netguard.token_matches

__all__ = ["TOKEN_COOKIE", "TOKEN_ENV", "host_ok", "is_loopback", "resolve_token", "safe_file",
           "token_ok"]
