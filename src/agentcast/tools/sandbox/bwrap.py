"""The bubblewrap command line: an empty root with only the allow-list mounted read-only.

- filesystem: the system software and the interpreter's directories read-only (see
  ``policy``); the workdir a tmpfs of ``disk_bytes`` (the total quota); fresh ``/tmp`` and
  ``/dev/shm`` tmpfs of ``tmp_bytes`` each; a minimal ``/dev``; ``/`` itself read-only.
  No host socket file is reachable, because no host directory that could hold one is mounted.
- namespaces: network (no interface but a down loopback), PID (the launcher is PID 1; when it
  ends, the kernel kills everything left), IPC, UTS, cgroup; ``--new-session`` (no terminal
  injection), ``--die-with-parent``.
- identity: as root, bubblewrap sets up the mounts and the launcher drops the command to a
  fresh unprivileged uid with every capability cleared and ``no_new_privs``; as a normal user,
  a user namespace maps the caller's own uid, with ``--cap-drop ALL`` and ``--disable-userns``.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from agentcast.exceptions import SandboxUnavailableError
from agentcast.tools.sandbox import policy, seccomp

INSTALL_HINT = ("install bubblewrap 0.8 or later (apt-get install bubblewrap) and allow "
                "user namespaces (sysctl user.max_user_namespaces=15000, and on Debian "
                "kernel.unprivileged_userns_clone=1), or run agentcast as root")
HOW_TO_FIX = (INSTALL_HINT + "; or opt in, knowingly, to the weaker mode by name: "
              "Sandbox(mode='rlimits-unsafe')")
# Capabilities the launcher (root, PID 1) keeps to drop the command to the sandbox uid and to
# end the namespace's processes; the command itself gets none.
LAUNCHER_CAPS = ("CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP", "CAP_CHOWN", "CAP_KILL",
                 "CAP_DAC_READ_SEARCH")


def find(bwrap: str) -> str:
    path = shutil.which(bwrap)
    if path is None:
        raise SandboxUnavailableError(f"bubblewrap not found ({bwrap!r}): {HOW_TO_FIX}")
    return path


def argv(bwrap_path: str, *, workdir: str, disk_bytes: int, tmp_bytes: int,
         interpreter: str, expose: list[str], uid: int | None, seccomp_fd: int) -> list[str]:
    """Everything before the launcher's own command line. ``seccomp_fd``: an open file with
    the filter of ``seccomp.program()`` (passed to the child)."""
    args = [bwrap_path, "--seccomp", str(seccomp_fd), "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--hostname", "sandbox", "--die-with-parent",
            "--new-session", "--as-pid-1"]
    if uid is None:  # a normal user: a user namespace with the caller's uid, no capabilities
        args += ["--unshare-user", "--disable-userns", "--cap-drop", "ALL"]
    else:  # root: the launcher keeps only what it needs to drop the command to ``uid``
        args += ["--cap-drop", "ALL"]
        for cap in LAUNCHER_CAPS:
            args += ["--cap-add", cap]
    made = {"/"}

    def mount(option: str, source: str, dest: str, *extra: str) -> None:
        # bubblewrap creates missing parents 0700 (unreachable for the sandbox uid): make
        # them 0755 first
        parents = [str(p) for p in reversed(Path(dest).parents)]
        for parent in parents:
            if parent not in made:
                made.add(parent)
                args.extend(["--perms", "0755", "--dir", parent])
        made.add(dest)
        args.extend([*extra, option, *([source] if source else []), dest])

    for option, source, dest in policy.system_mounts():
        mount(option, source, dest)
    mount("--proc", "", "/proc")
    mount("--dev", "", "/dev")
    for d in ("/tmp", "/dev/shm"):
        mount("--tmpfs", "", d, "--perms", "1777", "--size", str(tmp_bytes))
    ro = policy.minimal([*policy.interpreter_dirs(interpreter if interpreter != sys.executable
                                                  else None), *expose])
    for path in ro:
        mount("--ro-bind", path, path)
    mount("--tmpfs", "", workdir, "--perms", "0700", "--size", str(disk_bytes))
    # bubblewrap's / and /dev are tmpfs without a size, owned by a normal user's own uid:
    # read-only, so nothing outside the sized tmpfs can be written
    args += ["--remount-ro", "/dev", "--remount-ro", "/", "--chdir", workdir]
    return args


def launcher_command(interpreter: str, *, uid: int | None, workdir: str, timeout: float,
                     drop: list[str], unpack: bool, pack: bool, in_fd: int,
                     out_fd: int) -> list[str]:
    config = {"uid": uid, "workdir": workdir, "timeout": timeout, "drop": drop,
              "unpack": unpack, "pack": pack, "in_fd": in_fd, "out_fd": out_fd}
    return [interpreter, "-I", "-S", "-c", launcher_source(), json.dumps(config)]


@functools.lru_cache(maxsize=1)
def launcher_source() -> str:
    """launcher.py's source, passed with ``-c`` (read on first use, not at import)."""
    return (Path(__file__).parent / "launcher.py").read_text()


_works: set[tuple[str, bool]] = set()


def probe(bwrap: str, *, uid: int | None) -> None:
    """Check that bubblewrap really sandboxes here (once per binary and root-or-not, while it
    works; a failure is checked again next time); raise SandboxUnavailableError saying what
    to do if not."""
    path = find(bwrap)
    key = (path, uid is not None)
    if key in _works:
        return
    wd = tempfile.mkdtemp(prefix="agentcast-probe-")
    try:
        with seccomp.open_program() as filt:
            cmd = [*argv(path, workdir=wd, disk_bytes=1 << 20, tmp_bytes=1 << 20,
                         interpreter=sys.executable, expose=[], uid=uid,
                         seccomp_fd=filt.fileno()),
                   "--", sys.executable, "-I", "-S", "-c", "import os; print(os.getuid())"]
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30,
                                  pass_fds=(filt.fileno(),))
        reason = None if proc.returncode == 0 and proc.stdout.strip() else \
            (proc.stderr.strip() or f"exit code {proc.returncode}")[:300]
    except (OSError, subprocess.SubprocessError) as exc:
        reason = f"{type(exc).__name__}: {exc}"[:300]
    finally:
        shutil.rmtree(wd, ignore_errors=True)
    if reason is not None:
        raise SandboxUnavailableError(f"bubblewrap cannot create its sandbox here ({reason}): "
                                      f"{HOW_TO_FIX}")
    _works.add(key)


__all__ = ["HOW_TO_FIX", "INSTALL_HINT", "argv", "find", "launcher_command", "launcher_source",
           "probe"]
