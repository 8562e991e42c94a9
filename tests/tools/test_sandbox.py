"""The default sandbox (bubblewrap) holds against every escape attempt, and the next run works.

Nothing here skips: if bubblewrap cannot run, these tests fail (``Sandbox()`` refuses).
The refusal itself is tested by pointing the sandbox at a missing or broken bubblewrap.
"""

from __future__ import annotations

import io
import os
import socket
import stat
import tarfile
import time
import uuid

import pytest

from agentcast.exceptions import ConfigError, SandboxError, SandboxUnavailableError
from agentcast.tools.sandbox import Sandbox, SandboxLimits, transfer

from .sandbox_helpers import (
    CHECK_IDENTITY,
    FORK_BOMB,
    LIMITS,
    MB,
    connect_attempt,
    control_connect,
    host_files,
    host_write_targets,
    listeners,
    read_attempt,
    setsid_child,
    sleepers,
    write_attempt,
)


def sandbox(limits: SandboxLimits = LIMITS, **kw) -> Sandbox:
    return Sandbox(limits, **kw)


async def assert_still_works(sbx: Sandbox) -> None:
    r = await sbx.run_python("print(sum(range(10)))")
    assert r.ok and r.stdout.strip() == "45", r.summary()


def test_bubblewrap_sandbox_is_available_here():
    Sandbox().check()  # raises SandboxUnavailableError (a failure) where it cannot run


async def test_normal_execution():
    r = await sandbox().run_python("open('f.txt', 'w').write('hi'); print(open('f.txt').read())")
    assert r.ok and r.stdout == "hi\n" and r.isolation == "bwrap" and r.warnings == []
    r = await sandbox().run(["sh", "-c", "echo found on PATH"])
    assert r.ok and r.stdout == "found on PATH\n", r.summary()


async def test_never_root_and_no_capabilities():
    r = await sandbox().run_python(CHECK_IDENTITY)
    assert r.ok, r.summary()
    words = r.stdout.split()
    uid, euid, gid = int(words[1]), int(words[2]), int(words[4])
    assert 0 not in (uid, euid, gid) and "0" not in r.stdout.split("groups")[1].split("caps")[0]
    assert words[-1] == "0000000000000000"  # CapEff: no capability at all
    sh = await sandbox().run_shell("grep -E 'Cap(Prm|Bnd|Amb)' /proc/self/status; id -u")
    assert sh.ok and all(line.split()[1] == "0000000000000000"
                         for line in sh.stdout.splitlines()[:3]), sh.stdout
    assert sh.stdout.split()[-1] != "0"


async def test_host_files_outside_the_allow_list_are_not_there():
    with host_files() as made:
        paths = ["/etc/shadow", "/etc/hostname", "/etc/passwd", *made, "/root/.bashrc",
                 os.path.abspath(__file__)]
        r = await sandbox().run_python(read_attempt(paths))
    assert r.ok and "ESCAPED" not in r.stdout, r.stdout
    assert r.stdout.count("blocked") == len(paths)
    listing = await sandbox().run_shell("ls -a / /etc /run /var /srv /opt /home 2>&1; ls -a /root")
    assert "shadow" not in listing.stdout and "hostname" not in listing.stdout
    assert set(listing.stdout.split("\n/root:")[0].split("/:\n")[1].split("\n\n")[0].split()) \
        <= {".", "..", "bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "root",
            "sbin", "tmp", "usr"}, listing.stdout


async def test_writes_never_reach_host_tmp_var_tmp_or_dev_shm():
    targets = host_write_targets()
    sbx = sandbox()
    r = await sbx.run_python(write_attempt([*targets, "/x", "/usr/x", "/dev/x"]))
    try:
        assert r.ok, r.summary()
        for path in targets:
            assert not os.path.exists(path), f"{path} reached the host"
        # /tmp and /dev/shm are private tmpfs: writable inside, gone afterwards
        assert f"ESCAPED write {targets[0]}" in r.stdout
        assert "ESCAPED write /x" not in r.stdout and "ESCAPED write /usr/x" not in r.stdout
        assert "ESCAPED write /dev/x" not in r.stdout
    finally:
        for path in targets:
            if os.path.exists(path):
                os.unlink(path)
    await assert_still_works(sbx)


async def test_no_network_tcp4_tcp6_or_unix_sockets():
    with listeners() as net:
        r = await sandbox().run_python(connect_attempt(net.tcp4, net.tcp6, net.unix_path))
        time.sleep(0.3)
        assert r.ok and "ESCAPED" not in r.stdout, r.stdout
        assert r.stdout.count("blocked") == 3
        assert net.hits == []
        control_connect(net)  # the witness: from outside, all three are reachable
        deadline = time.monotonic() + 5
        while len(net.hits) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sorted(net.hits) == ["tcp4", "tcp6", "unix"]


async def test_fork_bomb_is_stopped():
    sbx = sandbox()
    r = await sbx.run_python(FORK_BOMB, timeout=2)
    assert not r.ok and r.timed_out
    r2 = await sbx.run_python("import os\nfor _ in range(100):\n    if os.fork() == 0:\n"
                              "        import time; time.sleep(2); os._exit(0)")
    assert not r2.ok and "BlockingIOError" in r2.stderr, r2.summary()  # RLIMIT_NPROC
    await assert_still_works(sbx)


async def test_a_setsid_child_ends_with_the_run():
    marker = str(5000 + uuid.uuid4().int % 4000)
    r = await sandbox().run_python(setsid_child(marker))
    assert r.ok and r.stdout == "started\n", r.summary()
    assert sleepers(marker) == []


async def test_timeout_kills_the_whole_process_tree():
    marker = str(5000 + uuid.uuid4().int % 4000)
    r = await sandbox().run_shell(f"sleep {marker} & setsid sleep {marker} & wait", timeout=1)
    assert r.timed_out and r.killed_by == "timeout" and r.exit_code is None
    assert sleepers(marker) == []


async def test_infinite_loop_and_memory_hog_are_stopped():
    sbx = sandbox()
    r = await sbx.run_python("while True:\n    pass")
    assert not r.ok and r.killed_by in ("cpu time limit", "timeout")
    r = await sbx.run_python("x = bytearray(4 * 1024 ** 3)")
    assert not r.ok and "MemoryError" in r.stderr, r.summary()
    await assert_still_works(sbx)


async def test_disk_quota_bounds_the_total_not_each_file(tmp_path):
    # 8 MB quota; each file (3 MB) is under the per-file limit, together they are not
    code = ("import os\nfor i in range(6):\n    open(f'part{i}', 'wb').write(b'x' * 3_000_000)"
            "\n    print('wrote', i, flush=True)")
    r = await sandbox().run_python(code, workdir=str(tmp_path))
    assert not r.ok and "No space left on device" in r.stderr, r.summary()
    assert "wrote 1" in r.stdout and "wrote 3" not in r.stdout
    assert transfer.workdir_size(str(tmp_path)) <= LIMITS.disk_bytes
    # /tmp and /dev/shm are bounded too
    r = await sandbox().run_python("open('/tmp/big', 'wb').write(b'x' * 6_000_000)")
    assert not r.ok and "No space left on device" in r.stderr
    r = await sandbox().run_python("open('/dev/shm/big', 'wb').write(b'x' * 6_000_000)")
    assert not r.ok and "No space left on device" in r.stderr


async def test_huge_output_is_capped():
    r = await sandbox().run_python("import sys\nfor _ in range(200):\n"
                                   "    sys.stdout.write('x' * 1_000_000)")
    assert r.ok and r.truncated and len(r.stdout) < 2200 and "characters cut" in r.stdout


async def test_workdir_goes_in_and_comes_back(tmp_path):
    wd = tmp_path / "work"
    (wd / "sub").mkdir(parents=True)
    (wd / "input.txt").write_text("from the host")
    (wd / "sub" / "gone.txt").write_text("delete me")
    (wd / "link").symlink_to("/etc/hostname")  # never followed, not copied in
    code = ("import os\nprint(open('input.txt').read(), sorted(os.listdir('.')))\n"
            "os.remove('sub/gone.txt')\nos.makedirs('out/deep')\n"
            "open('out/deep/result.txt', 'w').write('made inside')\n"
            "os.symlink('/etc/passwd', 'out/evil')\nos.mkfifo('out/fifo')\n"
            "open('run.sh', 'w').write('#!/bin/sh\\n'); os.chmod('run.sh', 0o4755)")
    r = await sandbox().run_python(code, workdir=str(wd))
    assert r.ok and r.stdout == "from the host ['input.txt', 'sub']\n", r.summary()
    assert (wd / "out" / "deep" / "result.txt").read_text() == "made inside"
    assert not (wd / "sub" / "gone.txt").exists() and (wd / "sub").is_dir()
    assert not os.path.lexists(wd / "out" / "evil") and not os.path.lexists(wd / "out" / "fifo")
    assert stat.S_IMODE((wd / "run.sh").stat().st_mode) == 0o755  # never setuid
    assert os.readlink(wd / "link") == "/etc/hostname"  # the host's own link is left alone
    r = await sandbox().run_python("print(open('out/deep/result.txt').read())", workdir=str(wd))
    assert r.ok and r.stdout == "made inside\n"


async def test_a_workdir_over_the_quota_is_refused(tmp_path):
    (tmp_path / "big").write_bytes(b"x" * (9 * MB))
    with pytest.raises(SandboxError, match="disk_bytes"):
        await sandbox().run_python("print(1)", workdir=str(tmp_path))
    small_files = SandboxLimits(timeout=10, file_size_bytes=4 * MB, disk_bytes=16 * MB)
    with pytest.raises(SandboxError, match="file_size_bytes"):
        await sandbox(small_files).run_python("print(1)", workdir=str(tmp_path))


def _tar(*members: tuple[tarfile.TarInfo, bytes]) -> io.BytesIO:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for info, data in members:
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    buf.seek(0)
    return buf


@pytest.mark.parametrize("name,kind", [("../escaped", tarfile.REGTYPE),
                                       ("/".join(["d"] * 100) + "/deep", tarfile.REGTYPE),
                                       ("/tmp/escaped", tarfile.REGTYPE),
                                       ("a/../../escaped", tarfile.REGTYPE),
                                       ("link", tarfile.SYMTYPE),
                                       ("hard", tarfile.LNKTYPE),
                                       ("dev", tarfile.CHRTYPE)])
def test_what_comes_out_cannot_write_outside_the_workdir(tmp_path, name, kind):
    wd = tmp_path / "wd"
    wd.mkdir()
    (wd / "keep").write_text("kept")
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = "/etc/passwd"
    with pytest.raises(SandboxError):
        transfer.unpack(_tar((tarfile.TarInfo("ok.txt"), b"fine"), (info, b"")), str(wd), MB)
    assert sorted(os.listdir(wd)) == ["keep"]  # checked before anything was touched
    assert not (tmp_path / "escaped").exists()


def test_what_comes_out_never_follows_a_link_in_the_workdir(tmp_path):
    wd = tmp_path / "wd"
    wd.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "target").write_text("outside")
    transfer.unpack(_tar((tarfile.TarInfo("d/f"), b"data")), str(wd), MB)
    assert (wd / "d" / "f").read_text() == "data"
    (wd / "d" / "f").unlink()
    (wd / "d").rmdir()
    (wd / "d").symlink_to(outside)  # links in the host copy: to a directory,
    (wd / "f").symlink_to(outside / "target")  # to a file,
    os.link(outside / "target", wd / "h")  # and a hard link
    transfer.unpack(_tar((tarfile.TarInfo("d/f"), b"data"), (tarfile.TarInfo("f"), b"x"),
                         (tarfile.TarInfo("h"), b"y")), str(wd), MB)
    assert sorted(p.name for p in outside.iterdir()) == ["target"]
    assert (outside / "target").read_text() == "outside"
    assert (wd / "d").is_dir() and not (wd / "d").is_symlink()
    assert (wd / "f").read_text() == "x" and (wd / "h").read_text() == "y"


async def test_refuses_without_bubblewrap_and_says_what_to_install():
    sbx = Sandbox(LIMITS, bwrap="/nonexistent/bwrap")
    with pytest.raises(SandboxUnavailableError, match="apt-get install bubblewrap") as info:
        await sbx.run_python("print('ran anyway')")
    assert "rlimits-unsafe" in str(info.value)  # names the weaker mode, which must be chosen


async def test_refuses_when_bubblewrap_cannot_create_namespaces(tmp_path):
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\n"
                    "exit 1\n")
    fake.chmod(0o755)
    with pytest.raises(SandboxUnavailableError, match="uid map") as info:
        await Sandbox(LIMITS, bwrap=str(fake)).run_python("print('ran anyway')")
    assert "user namespaces" in str(info.value)


async def test_the_code_tool_refuses_too():
    from agentcast.models.base import ToolCall
    from agentcast.tools import Toolkit
    from agentcast.tools.services.code import execute_python_code

    tk = Toolkit()
    tk.add(execute_python_code, sandbox=Sandbox(LIMITS, bwrap="/nonexistent/bwrap"))
    r = await tk.call(ToolCall("1", "execute_python_code", {"code": "print('ran anyway')"}))
    assert not r.ok and "apt-get install bubblewrap" in r.content and "ran anyway" not in r.content


def test_bad_mode_and_limits_are_named():
    with pytest.raises(ConfigError, match="rlimits-unsafe") as info:
        Sandbox(mode="rlimits")
    assert info.value.field == "mode"
    with pytest.raises(ConfigError) as info:
        SandboxLimits(disk_bytes=0)
    assert info.value.field == "disk_bytes"
    with pytest.raises(ConfigError) as info:
        Sandbox(expose=["/etc"])
    assert info.value.field == "expose"
    for bad in ("python3", "/nonexistent/python"):
        with pytest.raises(ConfigError) as info:
            Sandbox(interpreter=bad)
        assert info.value.field == "interpreter"


async def test_expose_adds_a_read_only_path(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "table.csv").write_text("a,b\n")
    os.chmod(tmp_path, 0o755)
    sbx = sandbox(expose=[str(data)])
    r = await sbx.run_python(f"print(open({str(data / 'table.csv')!r}).read())\n"
                             f"open({str(data / 'new')!r}, 'w')")
    assert r.stdout == "a,b\n\n" and "Read-only file system" in r.stderr


async def test_agent_carries_on_after_every_escape_attempt_in_parallel():
    """All attempts in one turn (run in parallel, each in its own sandbox), then a normal
    computation: each attempt fails, the agent goes on and answers."""
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
        "shadow": "print(open('/etc/shadow').read())",
        "write": "open('/work/agentcast-escaped', 'w').write('x')",
        "socket": f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2)",
    }
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
    assert "root:" not in results["shadow"].content
    assert results["ok"].content == "42" and not results["ok"].metadata.get("is_error")
    assert not os.path.exists("/work/agentcast-escaped")


async def test_every_code_runner_refuses_the_same_way():
    """Chat code blocks and the programmer agent share the policy: no bubblewrap, no run."""
    import agentcast as ac
    from agentcast import Msg
    from agentcast.patterns.code import CodeBlock, CodeExecutor
    from agentcast.testing import ScriptedModel

    missing = Sandbox(LIMITS, bwrap="/nonexistent/bwrap")
    with pytest.raises(SandboxUnavailableError, match="apt-get install bubblewrap"):
        await CodeExecutor(missing).execute([CodeBlock("python", "print('ran anyway')")])
    agent = ac.ProgrammerAgent("coder", model=ScriptedModel(["```python\nprint(1)\n```"]),
                               sandbox=missing)
    with pytest.raises(SandboxUnavailableError, match="apt-get install bubblewrap"):
        await agent.reply(Msg("user", "print 1", role="user"))
    default_agent = ac.ProgrammerAgent("p", model=ScriptedModel([]))
    assert CodeExecutor().sandbox.mode == default_agent.sandbox.mode == "bwrap"


def test_the_sandbox_doc_snippets_run():
    import re
    import subprocess
    import sys
    from pathlib import Path

    doc = Path(__file__).resolve().parents[2] / "docs" / "sandbox.md"
    blocks = re.findall(r"```python\n(.*?)```", doc.read_text(), re.S)
    assert blocks
    env = {**os.environ, "PYTHONPATH": str(doc.parents[1] / "src")}
    for code in blocks:
        proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, timeout=120, cwd="/")
        assert proc.returncode == 0, proc.stderr[-2000:]


async def test_the_host_environment_does_not_leak(monkeypatch):
    monkeypatch.setenv("AGENTCAST_TEST_API_KEY", "sk-secret-value")
    r = await sandbox(env={"GIVEN": "by the developer"}).run_python(
        "import os\nprint(sorted(os.environ))\nprint(os.environ['GIVEN'])")
    assert r.ok and "AGENTCAST_TEST_API_KEY" not in r.stdout and "sk-secret" not in r.stdout
    assert r.stdout.splitlines()[-1] == "by the developer"


async def test_no_user_namespace_inside():
    """A nested user namespace would make the code "root" in it: tmpfs mounts of any size
    (around the quota) and kernel paths reserved to root. The seccomp filter refuses it;
    threads, fork and subprocesses still work."""
    code = ("import ctypes, os, subprocess, threading\n"
            "libc = ctypes.CDLL(None, use_errno=True)\n"
            "print('unshare', libc.unshare(0x10000000), ctypes.get_errno())\n"
            "r = subprocess.run(['unshare', '--user', '--map-root-user', 'true'])\n"
            "print('unshare-cmd', r.returncode)\n"
            "t = threading.Thread(target=print, args=('thread',)); t.start(); t.join()\n")
    r = await sandbox().run_python(code)
    assert r.ok, r.summary()
    assert r.stdout.splitlines() == ["unshare -1 1", "unshare-cmd 1", "thread"], r.stdout


def test_the_seccomp_filter_is_well_formed():
    from agentcast.tools.sandbox import seccomp

    for machine in ("x86_64", "aarch64"):
        prog = seccomp.program(machine)
        assert len(prog) % 8 == 0 and 8 < len(prog) // 8 < 64
    with pytest.raises(SandboxUnavailableError, match="architecture"):
        seccomp.program("mips")


def test_a_jupyter_kernel_refuses_unless_its_missing_sandbox_is_named():
    # here, not in test_jupyter.py: that module skips without the extra; this must not
    from agentcast.tools.jupyter import JupyterSession

    for mode in (None, "bwrap", "rlimits-unsafe"):
        with pytest.raises(SandboxUnavailableError, match="mode='unsandboxed'"):
            JupyterSession(mode=mode)
    assert JupyterSession(mode="unsandboxed").mode == "unsandboxed"
