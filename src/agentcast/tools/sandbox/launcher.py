"""The first process inside a bubblewrap sandbox (PID 1 of its PID namespace).

Runs with the sandboxed interpreter in isolated mode and imports only the standard library:
its source is passed with ``-c``, so it never imports agentcast. It

1. unpacks the host's working directory (a tar on fd 3, made by the host) into the
   size-limited tmpfs that is the workdir inside the sandbox, as the sandbox user;
2. starts the command (dropping to the sandbox uid with ``setpriv`` when it runs as root);
3. reaps every process until the command ends or the deadline passes;
4. kills every other process of the namespace (``kill(-1)``), so a ``setsid`` child or a
   fork bomb ends with the run, even before bubblewrap tears the namespace down;
5. writes one JSON status line, then (when asked) the workdir as a tar, to fd 4, again as
   the sandbox user.

Being PID 1 matters: signals from inside the namespace that PID 1 has no handler for
(SIGKILL included) are dropped by the kernel, so the code cannot kill its supervisor.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import sys
import time

IN_FD, OUT_FD = 3, 4  # replaced by the config's fds in main()


def as_user(uid: int | None, work: object) -> int:
    """Run ``work()`` in a child that is the sandbox user; its exit status."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            if uid is not None:
                os.setgroups([])
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)
            work()  # type: ignore[operator]
        except BaseException as exc:  # report and exit: this is a forked child
            sys.stderr.write(f"[sandbox launcher] {type(exc).__name__}: {exc}\n")
            code = 1
        os._exit(code)
    while True:
        try:
            return os.waitpid(pid, 0)[1]
        except InterruptedError:
            continue


def unpack(workdir: str) -> None:
    import tarfile  # only when a workdir is synced: it is slow to import

    with os.fdopen(IN_FD, "rb") as fh, tarfile.open(fileobj=fh, mode="r|") as tar:
        for member in tar:
            if not (member.isfile() or member.isdir()):
                continue
            path = os.path.join(workdir, member.name)
            if member.isdir():
                os.makedirs(path, mode=0o755, exist_ok=True)
                continue
            src = tar.extractfile(member)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
            fd = os.open(path, flags, 0o755 if member.mode & 0o111 else 0o644)
            with os.fdopen(fd, "wb") as out:
                while src is not None and (chunk := src.read(1 << 20)):
                    out.write(chunk)


def pack(workdir: str) -> None:
    """The workdir's regular files and directories, as a tar on OUT_FD (nothing is followed)."""
    import tarfile

    with os.fdopen(OUT_FD, "wb") as fh, tarfile.open(fileobj=fh, mode="w|") as tar:
        for root, dirs, files in os.walk(workdir):
            for name in sorted(dirs) + sorted(files):
                path = os.path.join(root, name)
                rel = os.path.relpath(path, workdir)
                st = os.lstat(path)
                info = tarfile.TarInfo(rel)
                info.mode = 0o755 if st.st_mode & 0o111 else 0o644
                info.mtime = int(st.st_mtime)
                if stat.S_ISDIR(st.st_mode):
                    info.type = tarfile.DIRTYPE
                    tar.addfile(info)
                elif stat.S_ISREG(st.st_mode):
                    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
                    with os.fdopen(fd, "rb") as src:
                        info.size = os.fstat(fd).st_size
                        tar.addfile(info, src)


def reap_until(child: int, deadline: float) -> tuple[int | None, bool]:
    """Reap every child (orphans included, so none stays a zombie) until ``child`` ends or
    the deadline passes; (its wait status, timed out)."""
    delay = 0.001
    while True:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return None, False
            if pid == 0:
                break
            if pid == child:
                return status, False
        if time.monotonic() >= deadline:
            return None, True
        time.sleep(delay)
        delay = min(delay * 2, 0.02)


def kill_all(grace: float = 5.0) -> None:
    """SIGKILL every other process of the namespace and reap them (bounded by ``grace``)."""
    end = time.monotonic() + grace
    while time.monotonic() < end:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            while os.waitpid(-1, os.WNOHANG)[0] != 0:
                pass
        except ChildProcessError:
            return
        time.sleep(0.005)


def main() -> None:
    global IN_FD, OUT_FD
    config = json.loads(sys.argv[1])
    IN_FD, OUT_FD = config["in_fd"], config["out_fd"]
    argv = sys.argv[2:]
    uid, workdir = config["uid"], config["workdir"]
    status: dict[str, object] = {}
    os.set_inheritable(IN_FD, False)  # the command gets neither pipe
    os.set_inheritable(OUT_FD, False)
    if uid is not None:
        os.chown(workdir, uid, uid)
    if config["unpack"]:
        if as_user(uid, lambda: unpack(workdir)) != 0:
            status["error"] = "could not copy the working directory into the sandbox"
    os.close(IN_FD)
    if "error" not in status:
        deadline = time.monotonic() + config["timeout"]
        child = os.fork()
        if child == 0:
            try:
                os.chdir(workdir)
                full = config["drop"] + argv
                os.execvp(full[0], full)
            except BaseException as exc:
                sys.stderr.write(f"[sandbox] cannot run {argv[0]!r}: {exc}\n")
            os._exit(127)
        wait_status, timed_out = reap_until(child, deadline)
        kill_all()
        status["timed_out"] = timed_out
        if wait_status is not None:
            status["returncode"] = os.waitstatus_to_exitcode(wait_status)
    line = (json.dumps(status) + "\n").encode()
    os.write(OUT_FD, line)
    if config["pack"] and "error" not in status:
        as_user(uid, lambda: pack(workdir))
    os.close(OUT_FD)


if __name__ == "__main__":
    main()
