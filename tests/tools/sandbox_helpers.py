"""Escape attempts and host-side witnesses shared by the sandbox tests of both modes.

Each attempt is Python source that prints ``ESCAPED <what>`` when it gets through; the
witnesses (listeners, files on the host) show independently whether anything reached the host.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import socket
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from agentcast.tools.sandbox import SandboxLimits

MB = 1024 * 1024
SYSTEM_PYTHON = "/usr/bin/python3"  # reachable by any uid (scripts/test.sh installs it)
# a normal user of this test run only (not 65534: concurrent runs would share its process count)
NORMAL_UID = 300_000 + os.getpid() % 50_000
SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "src"))


@pytest.fixture(scope="session", name="nobody_src")
def nobody_src_fixture() -> Iterator[str]:
    """A copy of the source any uid can read (the checkout may sit in a 0700 directory, as
    the fresh-run layout's does)."""
    top = tempfile.mkdtemp(prefix="agentcast-src-", dir="/tmp")
    try:
        shutil.copytree(os.path.join(SRC, "agentcast"), os.path.join(top, "agentcast"),
                        ignore=shutil.ignore_patterns("__pycache__"))
        for root, dirs, files in os.walk(top):
            os.chmod(root, 0o755)
            for name in files:
                os.chmod(os.path.join(root, name), 0o644)
        yield top
    finally:
        shutil.rmtree(top, ignore_errors=True)
LIMITS = SandboxLimits(timeout=10, cpu_seconds=3, memory_bytes=512 * MB, max_processes=32,
                       max_output_chars=2000, disk_bytes=8 * MB, tmp_bytes=4 * MB)

CHECK_IDENTITY = """
import os
caps = [l.split()[1] for l in open('/proc/self/status') if l.startswith('CapEff')][0]
print('uid', os.getuid(), os.geteuid(), 'gid', os.getgid(), 'groups', os.getgroups(), 'caps', caps)
"""


def read_attempt(paths: list[str]) -> str:
    return "\n".join([
        f"for p in {paths!r}:",
        "    try:",
        "        data = open(p).read()",
        "        print('ESCAPED read', p, len(data))",
        "    except OSError as exc:",
        "        print('blocked', p, type(exc).__name__)",
    ])


def write_attempt(paths: list[str]) -> str:
    return "\n".join([
        f"for p in {paths!r}:",
        "    try:",
        "        open(p, 'w').write('escaped')",
        "        print('ESCAPED write', p)",
        "    except OSError as exc:",
        "        print('blocked', p, type(exc).__name__)",
    ])


def connect_attempt(tcp4: int, tcp6: int, unix_path: str) -> str:
    return f"""
import socket
for family, address in [(socket.AF_INET, ('127.0.0.1', {tcp4})),
                        (socket.AF_INET6, ('::1', {tcp6})),
                        (socket.AF_UNIX, {unix_path!r})]:
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(3)
    try:
        s.connect(address)
        s.sendall(b'escaped')
        print('ESCAPED connect', address)
    except OSError as exc:
        print('blocked', address, type(exc).__name__)
    finally:
        s.close()
"""


FORK_BOMB = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"


def setsid_child(marker: str) -> str:
    # a daemon: new session, its parent exits at once, it sleeps on
    return (f"import os, subprocess\nsubprocess.Popen(['sleep', '{marker}'], "
            "start_new_session=True)\nprint('started')")


def sleepers(marker: str) -> list[int]:
    """Host pids of ``sleep <marker>`` processes (from any namespace)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if fh.read().split(b"\0")[:2] == [b"sleep", marker.encode()]:
                    with open(f"/proc/{pid}/stat", "rb") as fh:
                        if fh.read().rsplit(b")", 1)[-1].split()[0] != b"Z":
                            found.append(int(pid))
    return found


@dataclass
class Listeners:
    """TCP on 127.0.0.1 and ::1 and a world-writable unix socket under /run; ``hits`` records
    whatever connects."""

    tcp4: int = 0
    tcp6: int = 0
    unix_path: str = ""
    hits: list[str] = field(default_factory=list)


@contextlib.contextmanager
def listeners() -> Iterator[Listeners]:
    v4 = socket.socket(socket.AF_INET)
    v4.bind(("127.0.0.1", 0))
    v6 = socket.socket(socket.AF_INET6)
    v6.bind(("::1", 0))
    path = f"/run/agentcast-test-{uuid.uuid4().hex[:12]}.sock"
    ux = socket.socket(socket.AF_UNIX)
    ux.bind(path)
    os.chmod(path, 0o777)
    info = Listeners(v4.getsockname()[1], v6.getsockname()[1], path)
    stop = threading.Event()
    sel = selectors.DefaultSelector()
    for name, sock in (("tcp4", v4), ("tcp6", v6), ("unix", ux)):
        sock.listen()
        sock.setblocking(False)
        sel.register(sock, selectors.EVENT_READ, name)

    def serve() -> None:
        while not stop.is_set():
            for key, _ in sel.select(0.1):
                with contextlib.suppress(OSError):
                    conn, _addr = key.fileobj.accept()  # type: ignore[union-attr]
                    info.hits.append(key.data)
                    conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield info
    finally:
        stop.set()
        thread.join(5)
        for sock in (v4, v6, ux):
            sock.close()
        with contextlib.suppress(OSError):
            os.unlink(path)


def control_connect(info: Listeners) -> None:
    """The same connections from outside the sandbox do get through (the witness works)."""
    for family, address in [(socket.AF_INET, ("127.0.0.1", info.tcp4)),
                            (socket.AF_INET6, ("::1", info.tcp6)),
                            (socket.AF_UNIX, info.unix_path)]:
        with socket.socket(family) as s:
            s.settimeout(3)
            s.connect(address)


@contextlib.contextmanager
def host_files() -> Iterator[list[str]]:
    """World-readable files outside the allow-list: in /srv and /opt (made here)."""
    made = []
    for d in ("/srv", "/opt"):
        os.makedirs(d, exist_ok=True)
        path = f"{d}/agentcast-test-{uuid.uuid4().hex[:12]}.txt"
        with open(path, "w") as fh:
            fh.write("host data\n")
        os.chmod(path, 0o644)
        made.append(path)
    try:
        yield made
    finally:
        for path in made:
            with contextlib.suppress(OSError):
                os.unlink(path)


def host_write_targets() -> list[str]:
    tag = uuid.uuid4().hex[:12]
    return [f"/tmp/agentcast-escape-{tag}", f"/var/tmp/agentcast-escape-{tag}",
            f"/dev/shm/agentcast-escape-{tag}"]


def run_as_nobody(src: str, script: str, timeout: float = 120) -> str:
    """Run ``script`` (with ``asyncio``, ``Sandbox``, ``SandboxLimits`` and
    ``SandboxUnavailableError`` imported) as NORMAL_UID with the system Python: a real normal
    user. The tools package's __init__ (which needs pydantic, absent from the system Python)
    is skipped; the sandbox modules themselves need only the standard library."""
    prelude = (
        "import sys, types, asyncio, json\n"
        f"sys.path.insert(0, {src!r})\n"
        "pkg = types.ModuleType('agentcast.tools')\n"
        f"pkg.__path__ = [{os.path.join(src, 'agentcast', 'tools')!r}]\n"
        "sys.modules['agentcast.tools'] = pkg\n"
        "from agentcast.tools.sandbox import Sandbox, SandboxLimits\n"
        "from agentcast.exceptions import SandboxUnavailableError\n")
    from agentcast.tools.sandbox.uids import drop_argv

    proc = subprocess.run([*drop_argv(NORMAL_UID), SYSTEM_PYTHON, "-I", "-c", prelude + script],
                          capture_output=True, text=True, timeout=timeout, cwd="/")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout
