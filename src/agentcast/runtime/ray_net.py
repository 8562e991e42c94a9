"""Where a Ray node agentcast starts listens, and who may talk to it.

Why this is needed (measured with Ray 2.60, ``ss -ltnp``): Ray's GCS, raylet, drivers and
every worker listen on the *node IP*; on Linux Ray replaces a loopback node IP
(``--node-ip-address 127.0.0.1``, ``localhost``) with the machine's address and then binds
all interfaces (``*``/``[::]``). Ray keeps 127.0.0.1, and then binds only 127.0.0.1, when
``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` (its single-machine switch, the default on macOS and
Windows). So a cluster for one machine gets that variable and node IP 127.0.0.1.

Any other node IP makes Ray bind *all* interfaces (Ray has no option to bind one), so a
network node needs Ray's token authentication (``RAY_AUTH_MODE=token``): agentcast turns it
on when unset and refuses ``RAY_AUTH_MODE=disabled`` beyond loopback.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from agentcast.exceptions import InsecureServerError

LOCAL_SWITCH = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
AUTH_MODE = "RAY_AUTH_MODE"
LOOPBACK_IP = "127.0.0.1"


def local_env() -> dict[str, str]:
    """Environment that keeps a Ray node on 127.0.0.1 (see the module docstring)."""
    return {LOCAL_SWITCH: "0"}


def host_of(address: str) -> str:
    """``"10.0.0.7:6379"`` -> ``"10.0.0.7"``; ``"[::1]:6379"`` -> ``"::1"``."""
    address = address.split("://", 1)[-1]
    if address.startswith("["):
        return address[1:address.find("]")]
    return address.rsplit(":", 1)[0] if address.count(":") == 1 else address


def binds_loopback_only(node_ip: str) -> bool:
    """Whether Ray binds loopback only for this node IP: exactly 127.0.0.1 (or localhost).

    Other 127.x addresses are loopback too, but Ray binds all interfaces for them.
    """
    return node_ip in ("127.0.0.1", "localhost")


def token_available(environ: Mapping[str, str]) -> bool:
    """Whether Ray will find a token: ``RAY_AUTH_TOKEN``, ``RAY_AUTH_TOKEN_PATH``, ~/.ray."""
    if environ.get("RAY_AUTH_TOKEN"):
        return True
    path = environ.get("RAY_AUTH_TOKEN_PATH")
    candidate = Path(path) if path else Path(environ.get("HOME") or Path.home()) / ".ray" \
        / "auth_token"
    try:
        return candidate.is_file() and candidate.stat().st_size > 0
    except OSError:
        return False


def auth_env(node_ip: str, environ: Mapping[str, str], *, head: bool) -> dict[str, str]:
    """The ``RAY_AUTH_MODE`` a node on ``node_ip`` runs with; refuses an open network node.

    Unset -> ``token`` (Ray's own ``ray start`` leaves it off when no token file exists).
    ``disabled`` is accepted only when the node binds loopback only.
    """
    mode = (environ.get(AUTH_MODE) or "").strip().lower()
    if mode and mode != "token":
        if binds_loopback_only(node_ip):
            return {AUTH_MODE: mode}
        raise InsecureServerError(
            f"refusing to start a Ray node on {node_ip!r} with {AUTH_MODE}={mode}: Ray then "
            "listens on all network interfaces and anyone who can reach this machine could "
            f"run code in it. Unset {AUTH_MODE} (agentcast turns on token authentication), "
            "or keep the node on this machine (omit --node-ip-address).")
    if not token_available(environ) and not head:
        raise InsecureServerError(
            "Ray token authentication is on but this machine has no token. On the head run "
            "`ray get-auth-token` and give its output here as RAY_AUTH_TOKEN (or save it in "
            "~/.ray/auth_token, or point RAY_AUTH_TOKEN_PATH at a file holding it).")
    return {AUTH_MODE: "token"}


def ensure_token(environ: Mapping[str, str]) -> None:
    """Generate Ray's token file (``ray get-auth-token --generate``) when there is none."""
    if token_available(environ):
        private_token_file(environ)
        return
    proc = subprocess.run(
        [sys.executable, "-m", "ray.scripts.scripts", "get-auth-token", "--generate"],
        env=dict(environ), capture_output=True, text=True, timeout=120, check=False)
    if proc.returncode != 0 or not token_available(environ):
        raise InsecureServerError(
            "could not create a Ray authentication token (`ray get-auth-token --generate` "
            f"failed: {proc.stderr.strip()[-300:]}); create one or set RAY_AUTH_TOKEN")
    private_token_file(environ)


def private_token_file(environ: Mapping[str, str]) -> None:
    """Make Ray's token file readable by its owner only (Ray writes it mode 0644, and
    any local user holding the token could run code in the cluster)."""
    path = Path(environ.get("RAY_AUTH_TOKEN_PATH") or
                Path(environ.get("HOME") or Path.home()) / ".ray" / "auth_token")
    with contextlib.suppress(OSError):
        if path.is_file() and path.stat().st_mode & 0o077:
            path.chmod(0o600)


@contextlib.contextmanager
def loopback_only(ray: Any) -> Iterator[None]:
    """While a local Ray starts (or a driver joins a loopback head): keep it on 127.0.0.1.

    Sets the switch for the processes Ray spawns; Ray reads it into a constant at import,
    so the already-imported driver's copy is set too, and both are restored afterwards.
    The caller checks the outcome with :func:`check_loopback`.
    """
    old_env = os.environ.get(LOCAL_SWITCH)
    constants = getattr(getattr(ray, "_private", None), "ray_constants", None)
    old_const = getattr(constants, "ENABLE_RAY_CLUSTER", None)
    os.environ[LOCAL_SWITCH] = "0"
    if constants is not None and old_const is not None:
        constants.ENABLE_RAY_CLUSTER = False
    try:
        yield
    finally:
        if old_env is None:
            os.environ.pop(LOCAL_SWITCH, None)
        else:
            os.environ[LOCAL_SWITCH] = old_env
        if constants is not None and old_const is not None:
            constants.ENABLE_RAY_CLUSTER = old_const


def check_loopback(ray: Any) -> None:
    """Refuse to go on with a local Ray that came up on a network address."""
    ip = str(ray.util.get_node_ip_address())
    if not binds_loopback_only(ip):
        ray.shutdown()
        raise InsecureServerError(
            f"the local Ray instance came up on {ip!r}, so it listens on the network; this "
            f"Ray version ignores {LOCAL_SWITCH}=0. Start a cluster yourself (`agentcast "
            "server --head`) and pass its address, or report the Ray version.")


__all__ = ["AUTH_MODE", "LOCAL_SWITCH", "auth_env", "binds_loopback_only", "check_loopback",
           "ensure_token", "host_of", "local_env", "loopback_only", "private_token_file",
           "token_available"]
