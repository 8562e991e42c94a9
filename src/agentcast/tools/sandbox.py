"""Run untrusted code (from a model) in a separate, confined, bounded process.

Layers, each covering what the others cannot:

- **bubblewrap** (when it works here): read-only root, private /tmp, only the working
  directory writable, no network (``--unshare-net``), own PID namespace (so killing the
  sandbox kills everything it started), home directories hidden, dies with its parent.
- **an unprivileged uid** when we are root (one per concurrent execution from a pool, or a
  fixed one such as 65534): the code cannot read root-only files (/etc/shadow) and
  ``RLIMIT_NPROC`` applies (the kernel never enforces it for root).
- **rlimits**: CPU seconds, address space, file size, process count.
- **a wall-clock timeout** that kills the whole process group, and output truncated at a limit.

Where bubblewrap is missing or cannot create namespaces, the sandbox falls back to rlimits
(and the uid switch) alone, logs a warning once, and says so in every result (``isolation``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentcast.exceptions import SandboxError

log = logging.getLogger("agentcast.sandbox")

NOBODY = 65534
UID_POOL_BASE = 200_000  # per-execution uids: concurrent runs never share a process budget
UID_POOL_SIZE = 1024
_uids_in_use: set[int] = set()
_MB = 1024 * 1024


@dataclass
class SandboxLimits:
    """Bounds on one execution. ``None`` leaves a limit unset."""

    timeout: float = 30.0  # wall clock, seconds
    cpu_seconds: int | None = 20
    memory_bytes: int | None = 1024 * _MB  # address space
    file_size_bytes: int | None = 64 * _MB
    max_processes: int | None = 64
    max_output_chars: int = 20_000  # per stream
    tmpfs_bytes: int | None = 128 * _MB  # size of the private /tmp under bubblewrap


@dataclass
class ExecutionResult:
    """What happened: output, exit code, and which protections were in force."""

    exit_code: int | None
    stdout: str
    stderr: str
    duration: float
    timed_out: bool = False
    killed_by: str | None = None  # "timeout", "cpu", "signal N"
    truncated: bool = False
    isolation: str = "rlimits"  # "bwrap" or "rlimits"
    warnings: list[str] = field(default_factory=list)
    workdir: str = ""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out

    def summary(self) -> str:
        """Readable text for a model: output, errors and why the run stopped."""
        parts = []
        if self.stdout:
            parts.append(self.stdout.rstrip("\n"))
        if self.stderr:
            parts.append("[stderr]\n" + self.stderr.rstrip("\n"))
        if self.timed_out:
            parts.append("[stopped: wall-clock timeout]")
        elif self.killed_by:
            parts.append(f"[stopped: {self.killed_by}]")
        elif self.exit_code not in (0, None):
            parts.append(f"[exit code {self.exit_code}]")
        if self.truncated:
            parts.append("[output truncated]")
        return "\n".join(parts) if parts else "(no output)"


_bwrap_cache: dict[bool, tuple[bool, str]] = {}
_warned: set[str] = set()


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _drop_cmd(uid: int) -> list[str]:
    """argv prefix that switches to ``uid`` and drops every capability before exec."""
    setpriv = shutil.which("setpriv")
    if setpriv:
        return [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
    code = (f"import os,sys;os.setgroups([]);os.setgid({uid});os.setuid({uid});"
            "os.execvp(sys.argv[1],sys.argv[1:])")
    return [sys.executable, "-S", "-c", code]


def _hidden_dirs() -> list[str]:
    return [d for d in ("/root", "/home") if os.path.isdir(d)]


def _exposed_paths() -> list[str]:
    """Python's own directories, re-exposed when they live under a hidden home directory."""
    out: list[str] = []
    for p in {sys.prefix, sys.base_prefix, sys.exec_prefix,
              str(Path(sys.executable).resolve().parent.parent)}:
        if any(p == h or p.startswith(h + "/") for h in _hidden_dirs()) and os.path.isdir(p):
            out.append(p)
    return sorted(out)


def bwrap_argv(workdir: str, *, network: bool = False, tmpfs_bytes: int | None = None,
               uid: int | None = None) -> list[str]:
    """The bubblewrap command line for one execution (without the command itself)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxError("bubblewrap (bwrap) is not installed")
    argv = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    if tmpfs_bytes:
        argv += ["--size", str(tmpfs_bytes)]
    argv += ["--perms", "1777", "--tmpfs", "/tmp"]
    for d in _hidden_dirs():
        argv += ["--perms", "0755", "--tmpfs", d]
    made: set[str] = set()
    hidden = _hidden_dirs()

    def traversable_parents(path: str) -> None:
        # bubblewrap creates missing mount points inside a hidden (tmpfs) dir as 0700
        if not any(path.startswith(h + "/") for h in hidden):
            return
        parts = Path(path).parts
        for i in range(3, len(parts)):
            parent = str(Path(*parts[:i]))
            if parent not in made:
                made.add(parent)
                argv.extend(["--perms", "0755", "--dir", parent])

    for p in _exposed_paths():
        traversable_parents(p)
        argv += ["--ro-bind", p, p]
    traversable_parents(workdir)
    argv += ["--bind", workdir, workdir, "--chdir", workdir]
    argv += ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
             "--hostname", "sandbox", "--die-with-parent", "--new-session"]
    if not network:
        argv.append("--unshare-net")
    if not _is_root():
        argv.append("--unshare-user")  # unprivileged bwrap needs a user namespace
    argv.append("--")
    if uid is not None:
        argv += _drop_cmd(uid)
    return argv


def bwrap_status(refresh: bool = False) -> tuple[bool, str]:
    """Whether bubblewrap can really sandbox here (installed *and* namespaces allowed)."""
    key = _is_root()
    if key in _bwrap_cache and not refresh:
        return _bwrap_cache[key]
    if shutil.which("bwrap") is None:
        status = (False, "bubblewrap (bwrap) is not installed")
    else:
        tmp = tempfile.mkdtemp(prefix="agentcast-probe-")
        try:
            uid = NOBODY if _is_root() else None
            if uid is not None:
                os.chown(tmp, uid, uid)
            argv = [*bwrap_argv(tmp, uid=uid), sys.executable, "-S", "-c", "print('ok')"]
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=20)
            if proc.returncode == 0 and proc.stdout.strip() == "ok":
                status = (True, "bubblewrap works")
            else:
                status = (False, "bubblewrap cannot create its namespaces here: "
                          + (proc.stderr.strip() or f"exit code {proc.returncode}")[:300])
        except (OSError, subprocess.SubprocessError) as exc:
            status = (False, f"bubblewrap failed to start: {exc}")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    _bwrap_cache[key] = status
    return status


_runnable: dict[tuple[int, str], bool] = {}


def _runnable_as(uid: int, exe: str) -> bool:
    """Can ``uid`` execute ``exe`` outside bubblewrap (e.g. Python under /root is not)?"""
    key = (uid, exe)
    if key not in _runnable:
        try:
            test = shutil.which("test") or "/usr/bin/test"
            proc = subprocess.run([*_drop_cmd(uid), test, "-x", exe], capture_output=True,
                                  timeout=20, cwd="/")
            _runnable[key] = proc.returncode == 0
        except (OSError, subprocess.SubprocessError):
            _runnable[key] = False
    return _runnable[key]


def _count_processes(uid: int) -> int:
    count = 0
    with contextlib.suppress(OSError):
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                with contextlib.suppress(OSError):
                    if os.stat(f"/proc/{entry}").st_uid == uid:
                        count += len(os.listdir(f"/proc/{entry}/task"))  # threads count too
    return count


def _preexec(limits: SandboxLimits, nproc: int | None) -> Any:
    import resource

    def apply() -> None:
        pairs = [
            (resource.RLIMIT_CPU, limits.cpu_seconds),
            (resource.RLIMIT_AS, limits.memory_bytes),
            (resource.RLIMIT_FSIZE, limits.file_size_bytes),
            (resource.RLIMIT_NPROC, nproc),
            (resource.RLIMIT_CORE, 0),
        ]
        for which, value in pairs:
            if value is not None:
                hard = value + 1 if which == resource.RLIMIT_CPU else value  # SIGXCPU first
                resource.setrlimit(which, (value, hard))

    return apply


class Sandbox:
    """Runs commands confined and bounded; one separate process tree per execution.

    ``use_bwrap``: True requires bubblewrap (SandboxError if it cannot run), False never
    uses it, None (default) uses it when it works and falls back to rlimits otherwise.
    """

    def __init__(
        self,
        limits: SandboxLimits | None = None,
        *,
        use_bwrap: bool | None = None,
        network: bool = False,
        uid: int | None = NOBODY,
        separate_uids: bool = True,
        env: dict[str, str] | None = None,
    ) -> None:
        self.limits = limits or SandboxLimits()
        self.use_bwrap = use_bwrap
        self.network = network
        self.uid = uid if _is_root() else None
        self.separate_uids = separate_uids
        self.env = dict(env or {})

    def _take_uid(self) -> int | None:
        """The uid for one execution: from the pool when running several at once is possible,
        so that one execution's fork bomb cannot use up the process limit of another."""
        if self.uid is None or not self.separate_uids:
            return self.uid
        for uid in range(UID_POOL_BASE, UID_POOL_BASE + UID_POOL_SIZE):
            if uid not in _uids_in_use:
                _uids_in_use.add(uid)
                return uid
        return self.uid

    def isolation(self) -> tuple[str, list[str]]:
        """("bwrap" | "rlimits", warnings) for the next execution."""
        if self.use_bwrap is False:
            return "rlimits", ["bubblewrap disabled: filesystem and network are not isolated"]
        works, reason = bwrap_status()
        if works:
            return "bwrap", []
        if self.use_bwrap:
            raise SandboxError(f"bubblewrap required but unusable: {reason}")
        msg = f"{reason}; falling back to rlimits only (no filesystem/network isolation)"
        if msg not in _warned:
            _warned.add(msg)
            log.warning(msg)
        return "rlimits", [msg]

    def _env(self, workdir: str) -> dict[str, str]:
        path = os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin",
                                "/bin"])
        return {"PATH": path, "HOME": workdir, "TMPDIR": "/tmp", "LANG": "C.UTF-8",
                "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1", **self.env}

    async def run(
        self,
        argv: list[str],
        *,
        workdir: str | os.PathLike[str] | None = None,
        stdin: str | None = None,
        timeout: float | None = None,
    ) -> ExecutionResult:
        """Run ``argv`` in the sandbox. A fresh temporary workdir is made (and removed) if
        none is given; a given one is made writable for the sandbox user."""
        limits = self.limits
        isolation, warnings = self.isolation()
        own_dir = workdir is None
        wd = tempfile.mkdtemp(prefix="agentcast-sbx-") if own_dir else str(Path(workdir or ".").resolve())
        os.makedirs(wd, exist_ok=True)
        uid = taken = self._take_uid()
        exe = shutil.which(argv[0]) or argv[0]
        if isolation != "bwrap" and uid is not None and not _runnable_as(uid, exe):
            warnings = [*warnings, f"{argv[0]} cannot run as uid {uid} without bubblewrap; running "
                        "as the current user (no process limit, root-only files readable)"]
            uid = None
        try:
            if uid is not None:
                for root, dirs, files in os.walk(wd):
                    for name in [root] + [os.path.join(root, n) for n in dirs + files]:
                        with contextlib.suppress(OSError):
                            os.chown(name, uid, uid, follow_symlinks=False)
            nproc = limits.max_processes
            if nproc is not None and uid is None:
                nproc += _count_processes(os.getuid())  # the limit counts the whole uid
                warnings = [*warnings, "no uid switch: the process limit counts all processes of the current user"]
            if isolation == "bwrap":
                full = bwrap_argv(wd, network=self.network, tmpfs_bytes=limits.tmpfs_bytes,
                                  uid=uid) + argv
            else:
                full = (_drop_cmd(uid) if uid is not None else []) + argv
            return await self._spawn(full, wd, stdin, timeout or limits.timeout, nproc,
                                     isolation, warnings)
        finally:
            if taken is not None and taken != self.uid:
                _uids_in_use.discard(taken)
            if own_dir:
                shutil.rmtree(wd, ignore_errors=True)

    async def _spawn(self, argv: list[str], wd: str, stdin: str | None, timeout: float,
                     nproc: int | None, isolation: str, warnings: list[str]) -> ExecutionResult:
        limit = self.limits.max_output_chars
        started = time.perf_counter()
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv, cwd=wd, env=self._env(wd),
                stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                start_new_session=True, preexec_fn=_preexec(self.limits, nproc),
            )
        except OSError as exc:
            raise SandboxError(f"could not start the sandboxed process: {exc}") from exc
        truncated = False

        async def read(stream: asyncio.StreamReader | None) -> bytes:
            nonlocal truncated
            buf = bytearray()
            if stream is None:
                return b""
            while chunk := await stream.read(65536):
                room = limit * 4 - len(buf)  # bytes; trimmed to characters below
                if room > 0:
                    buf += chunk[:room]
                if len(chunk) > room:
                    truncated = True
            return bytes(buf)

        readers = asyncio.gather(read(proc.stdout), read(proc.stderr))
        if stdin is not None and proc.stdin is not None:
            with contextlib.suppress(OSError, ConnectionError):
                proc.stdin.write(stdin.encode())
                await proc.stdin.drain()
                proc.stdin.close()
        timed_out = False
        try:
            await asyncio.wait_for(proc.wait(), timeout)
        except asyncio.TimeoutError:
            timed_out = True
        except asyncio.CancelledError:
            _kill_group(proc.pid)
            raise
        _kill_group(proc.pid)  # leftovers (background children) go too
        if timed_out:
            await proc.wait()
        try:
            out, err = await asyncio.wait_for(readers, 5)
        except asyncio.TimeoutError:
            readers.cancel()
            out, err = b"", b""
            warnings = [*warnings, "output lost: a process kept the pipes open"]
        stdout, t1 = _trim(out.decode(errors="replace"), limit)
        stderr, t2 = _trim(err.decode(errors="replace"), limit)
        code = proc.returncode
        killed_by = None
        sig = -code if code is not None and code < 0 else (
            code - 128 if code is not None and 128 < code < 160 else None)
        if timed_out:
            killed_by = "timeout"
        elif sig == signal.SIGXCPU or (sig == signal.SIGKILL and self.limits.cpu_seconds):
            killed_by = "cpu time limit" if sig == signal.SIGXCPU else "killed (SIGKILL)"
        elif sig is not None:
            killed_by = f"signal {sig}"
        return ExecutionResult(
            exit_code=code, stdout=stdout, stderr=stderr,
            duration=time.perf_counter() - started, timed_out=timed_out, killed_by=killed_by,
            truncated=truncated or t1 or t2, isolation=isolation, warnings=list(warnings),
            workdir=wd,
        )

    async def run_python(self, code: str, **kwargs: Any) -> ExecutionResult:
        """Run Python source with this interpreter (isolated mode, no user site)."""
        return await self.run([sys.executable, "-I", "-c", code], **kwargs)

    async def run_shell(self, command: str, **kwargs: Any) -> ExecutionResult:
        return await self.run(["/bin/sh", "-c", command], **kwargs)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _trim(text: str, limit: int) -> tuple[str, bool]:
    if len(text) <= limit:
        return text, False
    half = limit // 2
    return text[:half] + f"\n... [{len(text) - limit} characters cut] ...\n" + text[-half:], True


__all__ = ["ExecutionResult", "Sandbox", "SandboxLimits", "bwrap_status"]
