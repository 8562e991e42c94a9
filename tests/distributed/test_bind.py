"""Ray nodes agentcast starts listen on loopback only, unless told otherwise; then they
need Ray's token authentication, and a client without the token is refused (real Ray)."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ..listeners import beyond_loopback, listening

pytestmark = [pytest.mark.ray, pytest.mark.timeout(300)]
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _clean_env(home: Path, **extra: str) -> dict[str, str]:
    """No token anywhere (a fresh HOME, no RAY_AUTH_*), as on a new machine."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH")}
    env.update(HOME=str(home), RAY_USAGE_STATS_ENABLED="0",
               PYTHONPATH=os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")]))
    env.pop("RAY_ADDRESS", None)
    env.update(extra)
    return env


def _wait_listening(pid: int, names: set[str], timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if names <= {s[3] for s in listening(pid)}:
            return
        time.sleep(0.5)
    raise AssertionError(f"{names} did not start listening within {timeout} s: "
                         f"{listening(pid)}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if proc.poll() is None:
        proc.wait(10)


def _server(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "agentcast.cli", "server", *args],
                            stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env,
                            start_new_session=True, cwd=ROOT)


def test_server_head_listens_on_loopback_only_with_token_auth(tmp_path):
    port = _free_port()
    proc = _server(["--head", f"--port={port}", "--num-cpus=1"], _clean_env(tmp_path),
                   tmp_path / "head.log")
    try:
        _wait_listening(proc.pid, {"gcs_server", "raylet"})
        time.sleep(2)  # the agents Ray starts next
        sockets = listening(proc.pid)
        assert any(s[1] == port for s in sockets), sockets
        assert beyond_loopback(proc.pid) == [], (tmp_path / "head.log").read_text()
        token = tmp_path / ".ray" / "auth_token"  # made for this head: auth stays on
        assert token.stat().st_size > 0
        assert stat.S_IMODE(token.stat().st_mode) == 0o600
    finally:
        _stop(proc)


_LOCAL = """
import sys, agentcast as ac
from agentcast import Agent, Msg
class Echo(Agent):
    async def reply(self, x):
        return Msg(self.name, "ok")
a = Echo("e").to_dist()
print(a(Msg("u", "hi")).result().content, flush=True)
sys.stdin.readline()
"""


def test_to_dist_local_cluster_listens_on_loopback_only(tmp_path):
    env = _clean_env(tmp_path, AGENTCAST_QUIET="1")
    proc = subprocess.Popen([sys.executable, "-c", _LOCAL], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, start_new_session=True, cwd=tmp_path)
    try:
        assert proc.stdout is not None and proc.stdin is not None
        line = proc.stdout.readline()
        assert line.strip() == "ok", proc.stderr.read() if proc.poll() is not None else line
        names = {s[3] for s in listening(proc.pid)}
        assert {"gcs_server", "raylet"} <= names, names
        assert beyond_loopback(proc.pid) == []
        token = tmp_path / ".ray" / "auth_token"  # Ray's default token auth, kept private
        assert token.stat().st_size > 0 and stat.S_IMODE(token.stat().st_mode) == 0o600
        proc.stdin.write("\n")
        proc.stdin.flush()
        proc.wait(60)
    finally:
        _stop(proc)


def test_network_head_without_token_auth_is_refused(tmp_path):
    env = _clean_env(tmp_path, RAY_AUTH_MODE="disabled")
    proc = subprocess.run(
        [sys.executable, "-m", "agentcast.cli", "server", "--head", f"--port={_free_port()}",
         "--node-ip-address=127.0.0.2"], env=env, capture_output=True, text=True,
        timeout=60, cwd=ROOT)
    assert proc.returncode == 2
    assert "RAY_AUTH_MODE=disabled" in proc.stderr and "all network interfaces" in proc.stderr


def test_network_head_refuses_a_client_without_the_token(tmp_path):
    home, stranger = tmp_path / "head", tmp_path / "stranger"
    home.mkdir()
    stranger.mkdir()
    port = _free_port()
    proc = _server(["--head", f"--port={port}", "--node-ip-address=127.0.0.2",
                    "--num-cpus=1"], _clean_env(home), tmp_path / "head.log")
    client = ("import ray, sys\n"
              "try:\n"
              "    ray.init(address=sys.argv[1], log_to_driver=False)\n"
              "    print('CONNECTED', len(ray.nodes()))\n"
              "except ConnectionError as e:\n"
              "    print('REFUSED', e)\n")
    try:
        _wait_listening(proc.pid, {"gcs_server", "raylet"})
        address = f"127.0.0.2:{port}"
        runs = [subprocess.Popen([sys.executable, "-c", client, address], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for env in (_clean_env(stranger, RAY_AUTH_MODE="disabled"),
                            _clean_env(stranger, RAY_AUTH_MODE="token",
                                       RAY_AUTH_TOKEN="not-the-token-" + "x" * 40),
                            _clean_env(home, RAY_AUTH_MODE="token"))]
        outs = [r.communicate(timeout=150)[0] for r in runs]
        assert outs[0].startswith("REFUSED"), outs[0]
        assert outs[1].startswith("REFUSED"), outs[1]
        assert outs[2].startswith("CONNECTED 1"), outs[2]
    finally:
        _stop(proc)


_IGNORED = """
import contextlib, sys
from agentcast.exceptions import InsecureServerError
from agentcast.runtime import ray_backend
# A Ray that ignored the single-machine switch: the local node comes up on the network.
ray_backend.loopback_only = lambda ray: contextlib.nullcontext()
try:
    ray_backend.ensure_ray()
except InsecureServerError as exc:
    import ray
    print("REFUSED", ray.is_initialized(), exc)
else:
    print("STARTED")
"""


def test_a_local_ray_that_comes_up_on_the_network_is_refused(tmp_path):
    out = subprocess.run([sys.executable, "-c", _IGNORED], env=_clean_env(tmp_path),
                         capture_output=True, text=True, timeout=180, cwd=tmp_path)
    assert out.stdout.startswith("REFUSED False"), out.stdout + out.stderr[-2000:]
    assert "listens on the network" in out.stdout
