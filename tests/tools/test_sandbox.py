"""The sandbox holds against each escape attempt, and the next execution still works.

Protections that only bubblewrap gives (filesystem writes, network) are tested under
bubblewrap and skipped, with the reason, only where bubblewrap cannot run at all.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid

import pytest

from agentcast.tools.sandbox import Sandbox, SandboxLimits, bwrap_status

BWRAP_OK, BWRAP_REASON = bwrap_status()
needs_bwrap = pytest.mark.skipif(not BWRAP_OK, reason=f"bubblewrap cannot run here: {BWRAP_REASON}")

LIMITS = SandboxLimits(timeout=8, cpu_seconds=1, memory_bytes=512 * 1024 * 1024,
                       max_processes=32, max_output_chars=2000)


def sandbox(limits: SandboxLimits = LIMITS, **kw) -> Sandbox:
    return Sandbox(limits, **kw)


async def assert_still_works(sbx: Sandbox) -> None:
    r = await sbx.run_python("print(sum(range(10)))")
    assert r.ok and r.stdout.strip() == "45", r.summary()


def test_bwrap_works_in_this_container():
    # Reported, not required: the other tests skip what needs it when it cannot run.
    print("bubblewrap:", BWRAP_OK, BWRAP_REASON)


async def test_normal_execution_and_isolation_report():
    sbx = sandbox()
    r = await sbx.run_python("import os; open('f.txt', 'w').write('hi'); print(open('f.txt').read())")
    assert r.ok and r.stdout == "hi\n"
    assert r.isolation == ("bwrap" if BWRAP_OK else "rlimits")
    assert bool(r.warnings) == (not BWRAP_OK)


async def test_infinite_loop_is_stopped():
    sbx = sandbox()
    r = await sbx.run_python("while True:\n    pass")
    assert not r.ok and r.killed_by in ("cpu time limit", "timeout")
    sleepy = await sbx.run_python("import time\nwhile True: time.sleep(1)", timeout=1)
    assert sleepy.timed_out and sleepy.killed_by == "timeout"
    await assert_still_works(sbx)


async def test_memory_hog_is_stopped():
    sbx = sandbox(SandboxLimits(timeout=20, cpu_seconds=15, memory_bytes=256 * 1024 * 1024))
    r = await sbx.run_python("x = bytearray(4 * 1024 ** 3)")
    assert not r.ok and "MemoryError" in r.stderr, r.summary()
    r = await sbx.run_python("chunks = []\nwhile True:\n    chunks.append(bytearray(20_000_000))")
    assert not r.ok and "MemoryError" in r.stderr, r.summary()
    await assert_still_works(sbx)


async def test_fork_bomb_is_stopped():
    sbx = sandbox()
    code = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"
    r = await sbx.run_python(code, timeout=2)
    assert not r.ok
    if os.geteuid() == 0 or BWRAP_OK:
        # the process limit (RLIMIT_NPROC, under the unprivileged uid) is what stopped it
        r2 = await sbx.run_python("import os\nfor _ in range(100):\n    if os.fork() == 0:\n"
                                  "        import time; time.sleep(2); os._exit(0)")
        assert not r2.ok and ("Resource temporarily unavailable" in r2.stderr
                              or "BlockingIOError" in r2.stderr), r2.summary()
    await assert_still_works(sbx)


async def test_timeout_kills_the_whole_process_tree():
    marker = str(4000 + os.getpid() % 1000)
    sbx = sandbox()
    r = await sbx.run_shell(f"sleep {marker} & sleep {marker} & wait", timeout=1)
    assert r.timed_out
    import time

    time.sleep(0.3)
    left = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if fh.read().split(b"\0")[:2] == [b"sleep", marker.encode()]:
                    left.append(pid)
        except OSError:
            pass
    assert left == []


async def test_reading_etc_shadow_is_refused():
    if not os.path.exists("/etc/shadow"):
        pytest.skip("no /etc/shadow on this system")
    sbx = sandbox()
    r = await sbx.run_python("print(open('/etc/shadow').read())")
    if any("cannot run as uid" in w for w in r.warnings):
        pytest.skip("no bubblewrap, and this Python is not reachable by an unprivileged uid: "
                    "the code ran as the current user (the result's warnings say so)")
    assert not r.ok and "Permission denied" in r.stderr
    assert "root:" not in r.stdout
    await assert_still_works(sbx)


@needs_bwrap
async def test_writing_outside_the_workdir_is_refused(tmp_path):
    target = f"/work/agentcast-escape-{uuid.uuid4().hex}"
    host_tmp = f"/tmp/agentcast-escape-{uuid.uuid4().hex}"
    sbx = sandbox(use_bwrap=True)
    r = await sbx.run_python(f"open({target!r}, 'w').write('x')")
    assert not r.ok and "Read-only file system" in r.stderr
    assert not os.path.exists(target)
    # /tmp inside is private: a write there never reaches the host's /tmp
    r = await sbx.run_python(f"open({host_tmp!r}, 'w').write('x'); print('written')")
    assert r.ok and not os.path.exists(host_tmp)
    # the given working directory is writable and shared with the host
    workdir = tmp_path / "work"
    r = await sbx.run_python("open('out.txt', 'w').write('kept')", workdir=str(workdir))
    assert r.ok and (workdir / "out.txt").read_text() == "kept"
    # the home directory of root is hidden
    r = await sbx.run_shell("ls -a /root")
    assert r.ok and set(r.stdout.split()) <= {".", "..", ".pyenv"}
    await assert_still_works(sbx)


@needs_bwrap
async def test_network_is_unreachable():
    hits: list[bytes] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(5)
    port = server.getsockname()[1]

    def accept() -> None:
        try:
            conn, _ = server.accept()
            hits.append(conn.recv(100))
            conn.close()
        except OSError:
            pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        code = (f"import socket\ns = socket.create_connection(('127.0.0.1', {port}), timeout=3)\n"
                "s.sendall(b'escaped')\nprint('connected')")
        r = await sandbox(use_bwrap=True).run_python(code)
        assert not r.ok and "connected" not in r.stdout
        assert "Connection refused" in r.stderr or "unreachable" in r.stderr
        # control: the same code outside the sandbox does reach the listener
        with socket.create_connection(("127.0.0.1", port), timeout=3) as s:
            s.sendall(b"control")
        thread.join(5)
        assert hits == [b"control"]
    finally:
        server.close()


async def test_output_is_truncated():
    r = await sandbox().run_python("print('x' * 100_000)")
    assert r.ok and r.truncated and len(r.stdout) < 2200 and "characters cut" in r.stdout


async def test_fallback_without_bwrap_says_so():
    sbx = sandbox(use_bwrap=False)
    r = await sbx.run_python("while True: pass")
    assert r.isolation == "rlimits" and r.warnings
    assert any("not isolated" in w for w in r.warnings)
    assert not r.ok and r.killed_by in ("cpu time limit", "timeout")
    await assert_still_works(sbx)


async def test_agent_carries_on_after_every_escape_attempt_in_parallel():
    """All attempts in one turn (run in parallel, each in its own process and uid), then a
    normal computation: each attempt fails, the agent goes on and answers."""
    import agentcast as ac
    from agentcast import Msg
    from agentcast.testing import ScriptedModel
    from agentcast.tools import Toolkit
    from agentcast.tools.services.code import execute_python_code

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    attempts = {
        "loop": "while True:\n    pass",
        "memory": "x = bytearray(8 * 1024 ** 3)",
        "forkbomb": "import os\nwhile True:\n    os.fork()",
    }
    if BWRAP_OK:
        attempts["shadow"] = "print(open('/etc/shadow').read())"
        attempts["write"] = "open('/work/agentcast-escaped', 'w').write('x')"
        attempts["socket"] = f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2)"
    model = ScriptedModel([
        {"tool_calls": [{"id": name, "name": "execute_python_code", "arguments": {"code": code}}
                        for name, code in attempts.items()]},
        {"tool_calls": [{"id": "ok", "name": "execute_python_code",
                         "arguments": {"code": "print(6 * 7)"}}]},
        "The answer is 42.",
    ])
    tk = Toolkit()
    tk.add(execute_python_code, sandbox=Sandbox(SandboxLimits(timeout=4, cpu_seconds=1,
                                                              max_processes=32)))
    agent = ac.ReActAgent("coder", model=model, toolkit=tk)
    try:
        answer = await agent.reply(Msg("user", "try everything", role="user"))
    finally:
        server.close()
    assert answer.content == "The answer is 42."
    results = {m.metadata["tool_call_id"]: m for m in model.calls[2]["messages"]
               if m.metadata.get("tool_call_id")}
    for name in attempts:
        assert results[name].metadata.get("is_error") is True, (name, results[name].content)
    assert "root:" not in results.get("shadow", results["ok"]).content
    assert results["ok"].content == "42" and not results["ok"].metadata.get("is_error")
    assert not os.path.exists("/work/agentcast-escaped")
