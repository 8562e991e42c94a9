"""The weaker mode, ``rlimits-unsafe``: only when named, never root, nothing outlives the run.

It runs the code under a fresh unprivileged uid, so it needs root and an interpreter that uid
can reach: the system Python (/usr/bin/python3, installed by scripts/test.sh). These tests
also pin down what it does NOT protect (docs/sandbox.md, escape matrix), so the docs stay true.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid

import pytest

from agentcast.exceptions import SandboxUnavailableError
from agentcast.tools.sandbox import RLIMITS_UNSAFE, Sandbox, SandboxLimits

from .sandbox_helpers import (
    CHECK_IDENTITY,
    FORK_BOMB,
    LIMITS,
    SYSTEM_PYTHON,
    connect_attempt,
    host_files,
    host_write_targets,
    listeners,
    nobody_src_fixture,  # noqa: F401 - the nobody_src fixture
    read_attempt,
    run_as_nobody,
    setsid_child,
    sleepers,
    write_attempt,
)

ROOT = os.geteuid() == 0


def unsafe(limits: SandboxLimits = LIMITS, **kw) -> Sandbox:
    return Sandbox(limits, mode=RLIMITS_UNSAFE, interpreter=SYSTEM_PYTHON, **kw)


@pytest.fixture(autouse=True)
def _needs_root_and_system_python():
    assert ROOT, "run the suite as root (scripts/test.sh) to test the rlimits-unsafe mode"
    assert shutil.which(SYSTEM_PYTHON), f"{SYSTEM_PYTHON} missing: apt-get install python3"


def test_refuses_as_a_normal_user(nobody_src):
    # a real unprivileged process asks for the mode: it cannot get a fresh uid, so it refuses
    out = run_as_nobody(nobody_src,
        "try:\n    asyncio.run(Sandbox(mode='rlimits-unsafe').run_python('print(1)'))\n"
        "    print('ran')\n"
        "except SandboxUnavailableError as exc:\n    print('refused:', exc)\n")
    assert out.startswith("refused:") and "needs root" in out, out


async def test_refuses_rather_than_run_as_root_when_the_uid_cannot_reach_python(tmp_path):
    hidden = tmp_path / "private"  # tmp_path's parents are 0700: no other uid gets in
    hidden.mkdir(mode=0o700)
    wrapper = hidden / "python"
    wrapper.write_text(f'#!/bin/sh\nexec {SYSTEM_PYTHON} "$@"\n')
    wrapper.chmod(0o700)
    marker = tmp_path / "ran"
    sbx = Sandbox(LIMITS, mode=RLIMITS_UNSAFE, interpreter=str(wrapper))
    with pytest.raises(SandboxUnavailableError, match="refusing to run it as root"):
        await sbx.run_python(f"open({str(marker)!r}, 'w')")
    assert not marker.exists()


async def test_only_by_name_and_says_so():
    r = await unsafe().run_python("print('hi')")
    assert r.ok and r.stdout == "hi\n" and r.isolation == "rlimits-unsafe"
    assert any("no filesystem or network isolation" in w for w in r.warnings)


async def test_never_root_and_no_capabilities():
    r = await unsafe().run_python(CHECK_IDENTITY)
    assert r.ok, r.summary()
    words = r.stdout.split()
    assert int(words[1]) >= 200_000 and int(words[2]) >= 200_000 and int(words[4]) >= 200_000
    assert words[-1] == "0000000000000000"


async def test_root_only_files_are_unreadable():
    r = await unsafe().run_python(read_attempt(["/etc/shadow"]))
    assert r.ok and "ESCAPED" not in r.stdout and "PermissionError" in r.stdout


async def test_fork_bomb_is_stopped_and_nothing_survives():
    sbx = unsafe()
    r = await sbx.run_python(FORK_BOMB, timeout=2)
    assert not r.ok and r.timed_out
    r2 = await sbx.run_python("import os\nfor _ in range(100):\n    if os.fork() == 0:\n"
                              "        import time; time.sleep(2); os._exit(0)")
    assert not r2.ok and "BlockingIOError" in r2.stderr, r2.summary()
    r3 = await sbx.run_python("print(sum(range(10)))")
    assert r3.ok and r3.stdout == "45\n"


async def test_a_setsid_child_is_killed_after_the_run():
    marker = str(5000 + uuid.uuid4().int % 4000)
    r = await unsafe().run_python(setsid_child(marker))
    assert r.ok and r.stdout == "started\n", r.summary()
    assert sleepers(marker) == []


async def test_timeout_kills_every_process_of_the_uid():
    marker = str(5000 + uuid.uuid4().int % 4000)
    r = await unsafe().run_shell(f"setsid sleep {marker} & sleep {marker}", timeout=1)
    assert r.timed_out and sleepers(marker) == []


async def test_huge_output_is_capped():
    r = await unsafe().run_python("import sys\nfor _ in range(200):\n"
                                  "    sys.stdout.write('x' * 1_000_000)")
    assert r.truncated and len(r.stdout) < 2200


async def test_one_file_is_bounded_but_not_the_total(tmp_path):
    limits = SandboxLimits(timeout=10, cpu_seconds=3, file_size_bytes=2_000_000)
    r = await unsafe(limits).run_python("open('f', 'wb').write(b'x' * 3_000_000)",
                                        workdir=str(tmp_path))
    assert not r.ok and (r.killed_by == "signal 25" or "File too large" in r.stderr)
    r = await unsafe(limits).run_python(
        "for i in range(3):\n    open(f'p{i}', 'wb').write(b'x' * 1_500_000)",
        workdir=str(tmp_path))
    assert r.ok  # 4.5 MB in total: this mode has no total quota (docs/sandbox.md)


async def test_what_it_does_not_isolate():
    """Pinned so docs/sandbox.md stays true: world-readable files, world-writable dirs and
    the network (TCP and world-writable unix sockets) are reachable in this mode."""
    targets = host_write_targets()
    try:
        with host_files() as made, listeners() as net:
            r = await unsafe().run_python(
                read_attempt(["/etc/hostname", *made]) + "\n" + write_attempt(targets) + "\n"
                + connect_attempt(net.tcp4, net.tcp6, net.unix_path))
            deadline = time.monotonic() + 5
            while len(net.hits) < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert sorted(net.hits) == ["tcp4", "tcp6", "unix"], r.stdout
        assert r.stdout.count("ESCAPED read") == 3
        assert all(os.path.exists(p) for p in targets)
    finally:
        for path in targets:
            if os.path.exists(path):
                os.unlink(path)


def test_two_programs_never_share_a_sandbox_uid():
    import subprocess
    import sys

    from agentcast.tools.sandbox.uids import fresh_uid

    other = subprocess.Popen(
        [sys.executable, "-c", "import sys\nfrom agentcast.tools.sandbox.uids import fresh_uid\n"
         "with fresh_uid() as uid:\n    print(uid, flush=True)\n    sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    try:
        theirs = int(other.stdout.readline())
        with fresh_uid() as mine:
            assert mine != theirs
    finally:
        other.communicate("", timeout=30)


async def test_system_paths_stay_unwritable_but_user_namespaces_are_not_blocked():
    """Also pinned for the matrix: the uid cannot write where it has no permission, and
    this mode has no seccomp filter (a nested user namespace is allowed by this kernel)."""
    r = await unsafe().run_python(
        write_attempt(["/usr/agentcast-x", "/etc/agentcast-x", "/agentcast-x"])
        + "\nimport ctypes\nprint('userns', ctypes.CDLL(None).unshare(0x10000000))")
    assert r.ok and "ESCAPED" not in r.stdout and r.stdout.count("blocked") == 3, r.stdout
    with open("/proc/sys/user/max_user_namespaces") as fh:
        allowed = int(fh.read()) > 0
    assert ("userns 0" in r.stdout) == allowed, r.stdout
