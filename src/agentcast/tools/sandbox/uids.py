"""Fresh unprivileged uids for sandboxed runs, and dropping to one.

When agentcast runs as root, every execution gets its own uid from a pool (not in use by any
process, here or elsewhere), so root-only files stay unreadable, ``RLIMIT_NPROC`` counts only
that run's processes, and "every process of the uid" is exactly that run's processes.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator

from agentcast.exceptions import SandboxUnavailableError

UID_POOL_BASE = 200_000
UID_POOL_SIZE = 1024
LOCK_DIR = "/run/agentcast-sandbox-uids"
_in_use: set[int] = set()
_lock = threading.Lock()


def is_root() -> bool:
    return os.geteuid() == 0


def processes_of(uid: int, *, zombies: bool = False) -> list[int]:
    """Pids of the processes of ``uid`` in this PID namespace; zombies (dead, not yet reaped,
    but still counted by RLIMIT_NPROC) only when asked."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    with open(f"/proc/{entry}/stat", "rb") as fh:
                        state = fh.read().rsplit(b")", 1)[-1].split()[0]
                    if zombies or state != b"Z":
                        pids.append(int(entry))
    return pids


def _lock_file(uid: int) -> int | None:
    """An exclusive lock on ``uid`` shared with other agentcast processes on this host (a
    root-only directory under /run), or None if another process holds it."""
    os.makedirs(LOCK_DIR, mode=0o700, exist_ok=True)
    fd = os.open(os.path.join(LOCK_DIR, str(uid)), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW,
                 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


@contextlib.contextmanager
def fresh_uid() -> Iterator[int]:
    """A pool uid no process runs as and no other execution (here or in another agentcast
    process) holds, reserved for the duration of the block."""
    lock = None
    with _lock:
        for uid in range(UID_POOL_BASE, UID_POOL_BASE + UID_POOL_SIZE):
            if uid in _in_use:
                continue
            lock = _lock_file(uid)
            if lock is None:
                continue
            if processes_of(uid, zombies=True):
                os.close(lock)
                continue
            _in_use.add(uid)
            break
        else:
            raise SandboxUnavailableError(
                f"all {UID_POOL_SIZE} sandbox uids from {UID_POOL_BASE} are busy")
    try:
        yield uid
    finally:
        os.close(lock)
        with _lock:
            _in_use.discard(uid)


def setpriv() -> str:
    path = shutil.which("setpriv")
    if path is None:
        raise SandboxUnavailableError(
            "setpriv is missing (it drops to the sandbox uid): apt-get install util-linux")
    return path


def drop_argv(uid: int, setpriv_path: str | None = None) -> list[str]:
    """argv prefix: become ``uid`` with no groups, no capabilities, no new privileges."""
    return [setpriv_path or setpriv(), f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]


def kill_uid(uid: int, *, rounds: int = 50) -> None:
    """SIGKILL every process of ``uid``: ``kill(-1)`` sent *as* that uid reaches all of
    them at once (forks cannot slip through), repeated until none is left (bounded)."""
    kill = shutil.which("kill") or "/bin/kill"
    for _ in range(rounds):
        if not processes_of(uid):
            return
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run([*drop_argv(uid), kill, "-s", "KILL", "--", "-1"],
                           capture_output=True, timeout=10, cwd="/")
        for pid in processes_of(uid):  # and directly, in case the helper could not start
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
    if processes_of(uid):
        raise SandboxUnavailableError(f"processes of sandbox uid {uid} survived {rounds} "
                                      "rounds of SIGKILL")


__all__ = ["drop_argv", "fresh_uid", "is_root", "kill_uid", "processes_of"]
