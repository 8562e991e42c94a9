"""The sandbox works with the interpreter wherever it lives: a venv under /home, /root and
/tmp (the README's fresh-run layout), each on top of this Python; and as a normal user.

The venvs use ``--system-site-packages`` without pip: the sandbox must bind the venv *and*
its base installation, read-only, and nothing else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

from agentcast.tools.sandbox import Sandbox

from .sandbox_helpers import (  # noqa: F401 - nobody_src_fixture is the nobody_src fixture
    LIMITS,
    NORMAL_UID,
    SYSTEM_PYTHON,
    nobody_src_fixture,
    run_as_nobody,
    sleepers,
)

PLACES = ("/home", "/root", "/tmp")


@pytest.fixture(scope="session")
def venvs():
    made = {}
    try:
        for place in PLACES:
            path = os.path.join(place, f"agentcast-test-venv-{uuid.uuid4().hex[:8]}")
            subprocess.run([sys.executable, "-m", "venv", "--system-site-packages",
                            "--without-pip", path], check=True, timeout=120)
            made[place] = path
        yield made
    finally:
        for path in made.values():
            shutil.rmtree(path, ignore_errors=True)


@pytest.mark.parametrize("place", PLACES)
async def test_a_venv_interpreter_runs_in_the_sandbox(venvs, place, tmp_path):
    venv = venvs[place]
    sbx = Sandbox(LIMITS, interpreter=os.path.join(venv, "bin", "python"))
    code = ("import sys, os, json, sqlite3, ssl, decimal\nprint(sys.prefix)\n"
            "print(os.getuid() != 0)\nopen('out.txt', 'w').write('ok')")
    r = await sbx.run_python(code, workdir=str(tmp_path))
    assert r.ok, r.summary()
    assert r.stdout.splitlines() == [venv, "True"]
    assert (tmp_path / "out.txt").read_text() == "ok"
    # the venv is read-only inside; the host beside it is not there
    r = await sbx.run_python(f"open({os.path.join(venv, 'planted')!r}, 'w')\n")
    assert "Read-only file system" in r.stderr, r.summary()
    secret = os.path.join(place, f"agentcast-test-secret-{uuid.uuid4().hex[:8]}")
    with open(secret, "w") as fh:
        fh.write("beside the venv")
    try:
        r = await sbx.run_python(f"import os\nprint(sorted(os.listdir({place!r})))")
    finally:
        os.unlink(secret)
    listed = eval(r.stdout)  # a list literal printed by the sandbox
    assert os.path.basename(venv) in listed and os.path.basename(secret) not in listed
    # only the venv and the base installation under the same directory (e.g. /root/.pyenv)
    base = os.path.realpath(sys.base_prefix)
    assert all(os.path.join(place, name) in (venv, r.workdir)
               or base.startswith(os.path.join(place, name)) for name in listed), listed


async def test_this_interpreter_runs_in_the_sandbox():
    r = await Sandbox(LIMITS).run_python("import sys\nprint(sys.executable)")
    assert r.ok and r.stdout.strip() == sys.executable, r.summary()


@pytest.fixture
def nobody_workdir():
    wd = Path(tempfile.mkdtemp(prefix="agentcast-nobody-", dir="/tmp"))
    try:
        yield wd
    finally:
        shutil.rmtree(wd, ignore_errors=True)


def test_a_normal_user_gets_the_same_isolation(nobody_workdir, nobody_src):
    """Not root: bubblewrap's user namespace maps the caller's own uid; same guarantees."""
    assert shutil.which(SYSTEM_PYTHON), f"{SYSTEM_PYTHON} missing: apt-get install python3"
    wd = nobody_workdir
    (wd / "in.txt").write_text("from host")
    os.chown(wd, NORMAL_UID, NORMAL_UID)
    os.chown(wd / "in.txt", NORMAL_UID, NORMAL_UID)
    tag = uuid.uuid4().hex[:10]
    marker = str(5000 + uuid.uuid4().int % 4000)
    code = (
        "import os, socket\n"
        "caps = [l.split()[1] for l in open('/proc/self/status') if l.startswith('CapEff')][0]\n"
        "print('id', os.getuid(), caps)\n"
        "for p in ['/etc/shadow', '/etc/hostname', '/root', '/home']:\n"
        "    print('visible' if os.path.exists(p) else 'absent', p)\n"
        f"open('/tmp/agentcast-nobody-{tag}', 'w').write('x')\n"
        "s = socket.socket()\n"
        "try:\n    s.connect(('127.0.0.1', 22)); print('net open')\n"
        "except OSError as exc:\n    print('net', type(exc).__name__)\n"
        "print(open('in.txt').read())\n"
        "for p in ['/x', '/dev/x', '/usr/x']:\n"
        "    try:\n        open(p, 'w'); print('wrote', p)\n"
        "    except OSError as exc:\n        print('blocked', p)\n"
        "open('/dev/null', 'w').write('x'); open('/dev/shm/s', 'w').write('x')\n"
        "ctypes = __import__('ctypes')\n"
        "print('userns', ctypes.CDLL(None).unshare(0x10000000))\n"
        f"__import__('subprocess').Popen(['sleep', '{marker}'], start_new_session=True)\n"
        "open('out.txt', 'w').write('back')\n"
        "open('fill', 'wb').write(b'x' * 9_000_000)\n"
    )
    script = (
        "limits = SandboxLimits(timeout=10, cpu_seconds=3, disk_bytes=4 * 1024 * 1024)\n"
        f"r = asyncio.run(Sandbox(limits, interpreter={SYSTEM_PYTHON!r}).run_python({code!r}, "
        f"workdir={str(wd)!r}))\n"
        "print(json.dumps([r.exit_code, r.stdout, r.stderr, r.isolation, r.warnings]))\n")
    exit_code, out, err, isolation, warnings = __import__("json").loads(
        run_as_nobody(nobody_src, script).splitlines()[-1])
    assert isolation == "bwrap" and warnings == [], (out, err, warnings)
    lines = out.splitlines()
    assert lines[0] == f"id {NORMAL_UID} 0000000000000000"
    assert lines[1:5] == ["absent /etc/shadow", "absent /etc/hostname", "absent /root",
                          "absent /home"]
    assert lines[5].startswith("net ") and lines[5] != "net open"
    assert lines[6] == "from host"
    assert lines[7:11] == ["blocked /x", "blocked /dev/x", "blocked /usr/x", "userns -1"]
    assert sleepers(marker) == []  # the setsid child ended with the run
    assert exit_code != 0 and "No space left on device" in err  # the quota holds here too
    assert not os.path.exists(f"/tmp/agentcast-nobody-{tag}")
    assert (wd / "out.txt").read_text() == "back"


def test_a_normal_user_with_many_processes_can_still_run_code(nobody_src):
    """RLIMIT_NPROC counts all of a normal user's processes (user namespaces included): the
    sandbox's process budget comes on top of what the caller already runs."""
    script = (
        "import subprocess\n"
        "busy = [subprocess.Popen(['sleep', '60']) for _ in range(80)]\n"
        "try:\n"
        "    limits = SandboxLimits(timeout=10, cpu_seconds=3, max_processes=16)\n"
        f"    sbx = Sandbox(limits, interpreter={SYSTEM_PYTHON!r})\n"
        "    r = asyncio.run(sbx.run_python('import subprocess; print(subprocess.run([\"true\"]).returncode)'))\n"
        "    print(json.dumps([r.exit_code, r.stdout, r.stderr]))\n"
        "finally:\n"
        "    for p in busy:\n"
        "        p.kill()\n"
        "        p.wait()\n")
    exit_code, out, err = __import__("json").loads(run_as_nobody(nobody_src, script)
                                                   .splitlines()[-1])
    assert exit_code == 0 and out == "0\n", err
