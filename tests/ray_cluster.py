"""The session's real two-node Ray cluster (fixture ``ray_cluster``), shared by the
distributed tests and the durable tests with agents on Ray; registered once, in
tests/conftest.py, so that one session never starts two clusters.

Two nodes on one machine are a network cluster to Ray (a loopback-only Ray is one node), so
the head runs on 127.0.0.2 and a second node on 127.0.0.3 with the custom resource ``org_b``,
both started with ``agentcast server`` (the wrapper under test), with Ray's token
authentication on and the token tests/conftest.py made for this session. Both run in their
own process groups and are stopped by their own process ids, never with a machine-wide
``ray stop``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

HEAD_IP, NODE_B_IP = "127.0.0.2", "127.0.0.3"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            pass
    try:  # anything left in the group we created for it
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if proc.poll() is None:
        proc.wait(10)


def _wait_for(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise RuntimeError(f"timed out waiting for {what}")


@pytest.fixture(scope="session")
def ray_cluster():
    ray = pytest.importorskip("ray")
    port = _free_port()
    address = f"{HEAD_IP}:{port}"
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0")
    logs = open(os.devnull, "wb")
    head = subprocess.Popen(
        [sys.executable, "-m", "agentcast.cli", "server", "--head", f"--port={port}",
         f"--node-ip-address={HEAD_IP}", "--num-cpus=2"],
        stdout=logs, stderr=logs, env=env, start_new_session=True)
    procs = [head]
    try:
        def connected() -> bool:
            if head.poll() is not None:
                raise RuntimeError("ray head exited")
            try:
                ray.init(address=address, namespace="agentcast", log_to_driver=False,
                         configure_logging=False)
                return True
            except Exception:  # noqa: BLE001 - not up yet
                return False

        _wait_for(connected, 180, "the Ray head")
        node_b = subprocess.Popen(
            [sys.executable, "-m", "agentcast.cli", "server", f"--address={address}",
             f"--node-ip-address={NODE_B_IP}", "--num-cpus=1", '--resources={"org_b": 1}'],
            stdout=logs, stderr=logs, env=env, start_new_session=True)
        procs.append(node_b)

        def two_nodes() -> bool:
            if node_b.poll() is not None:
                raise RuntimeError("agentcast server exited")
            return sum(1 for n in ray.nodes() if n.get("Alive")) >= 2

        _wait_for(two_nodes, 180, "the second node")
        os.environ["RAY_ADDRESS"] = address  # examples run as subprocesses join this cluster
        yield address
    finally:
        os.environ.pop("RAY_ADDRESS", None)
        if ray.is_initialized():
            import agentcast as ac

            ac.wait_all(timeout=60)  # deliver what is still queued while Ray is up
            ray.shutdown()
        for proc in reversed(procs):
            _stop(proc)
        logs.close()
