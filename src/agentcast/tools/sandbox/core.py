"""Run untrusted code (from a model) in a separate, confined, bounded process tree.

Two modes, chosen by name; there is no silent fallback:

- ``"bwrap"`` (default): bubblewrap with an allow-listed read-only filesystem, a workdir that
  is a size-limited tmpfs, no network, its own PID namespace, never root and never a
  capability (see ``bwrap.py``), plus rlimits, a wall-clock timeout and capped output. If it
  cannot run here, every execution raises SandboxUnavailableError saying what to install.
- ``"rlimits-unsafe"``: for hosts where bubblewrap cannot run, only when named. The code runs
  under a fresh unprivileged uid (root only: it refuses otherwise, and refuses rather than run
  as root if that uid cannot reach the interpreter), with rlimits and a timeout; every process
  of that uid is killed after the run. It does NOT isolate the filesystem or the network and
  has no total disk quota: docs/sandbox.md has the full matrix.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from agentcast.exceptions import ConfigError, SandboxError, SandboxUnavailableError
from agentcast.tools.sandbox import bwrap, policy, seccomp, transfer, uids
from agentcast.tools.sandbox.result import ExecutionResult, SandboxLimits

GRACE_SECONDS = 15.0  # after the timeout: copying the workdir out, tearing down
STATUS_LINE_MAX = 4096


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

    ``mode``: ``"bwrap"`` (default) or, knowingly, ``"rlimits-unsafe"``. ``bwrap``: the
    bubblewrap binary (name or path). ``expose``: extra host paths the code may read
    (read-only; e.g. a data directory). ``interpreter``: the Python for ``run_python``
    (default: this one). ``env``: extra environment variables for the code.
    """

    def __init__(
        self,
        limits: SandboxLimits | None = None,
        *,
        mode: str = policy.BWRAP,
        bwrap: str = "bwrap",
        expose: Sequence[str] = (),
        interpreter: str | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.limits = limits or SandboxLimits()
        self.mode = policy.check_mode(mode)
        self.bwrap = bwrap
        self.expose = policy.check_exposed(expose)
        self.interpreter = interpreter or sys.executable
        if not (os.path.isabs(self.interpreter) and os.access(self.interpreter, os.X_OK)):
            raise ConfigError(f"interpreter: {self.interpreter!r} is not an executable given "
                              "by its absolute path", field="interpreter")
        self.env = dict(env or {})

    def check(self) -> None:
        """Raise SandboxUnavailableError (saying what to do) if this mode cannot run here."""
        if self.mode == policy.BWRAP:
            bwrap.probe(self.bwrap, uid=uids.UID_POOL_BASE if uids.is_root() else None)
        elif not uids.is_root():
            raise SandboxUnavailableError(
                "the 'rlimits-unsafe' mode runs code under a fresh unprivileged uid, which "
                f"needs root; as a normal user use the default mode: {bwrap.INSTALL_HINT}")

    def _env(self, workdir: str) -> dict[str, str]:
        path = os.pathsep.join([str(Path(self.interpreter).parent), "/usr/local/bin",
                                "/usr/bin", "/bin"])
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
        """Run ``argv`` in the sandbox. Without ``workdir`` it runs in an empty one; a given
        workdir is copied in and, after the run, holds what the code left there."""
        if not argv:
            raise SandboxError("nothing to run: argv is empty")
        await asyncio.to_thread(self.check)  # a first probe starts bubblewrap once
        own_dir = workdir is None
        wd = tempfile.mkdtemp(prefix="agentcast-sbx-") if own_dir else \
            str(Path(workdir or ".").resolve())
        os.makedirs(wd, exist_ok=True)
        try:
            if self.mode == policy.BWRAP:
                return await self._run_bwrap(argv, wd, not own_dir, stdin,
                                             timeout or self.limits.timeout)
            return await self._run_unsafe(argv, wd, stdin, timeout or self.limits.timeout)
        finally:
            if own_dir:
                shutil.rmtree(wd, ignore_errors=True)

    async def _run_bwrap(self, argv: list[str], wd: str, sync: bool, stdin: str | None,
                         timeout: float) -> ExecutionResult:
        limits = self.limits
        with contextlib.ExitStack() as stack:
            packed: IO[bytes] = stack.enter_context(
                transfer.pack(wd, limits.disk_bytes, limits.file_size_bytes) if sync
                else open(os.devnull, "rb"))
            filt = stack.enter_context(seccomp.open_program())
            uid = stack.enter_context(uids.fresh_uid()) if uids.is_root() else None
            drop = uids.drop_argv(uid) if uid is not None else []
            out_r, out_w = os.pipe()
            cmd = bwrap.argv(bwrap.find(self.bwrap), workdir=wd, disk_bytes=limits.disk_bytes,
                             tmp_bytes=limits.tmp_bytes, interpreter=self.interpreter,
                             expose=self.expose, uid=uid, seccomp_fd=filt.fileno())
            cmd += ["--", *bwrap.launcher_command(
                self.interpreter, uid=uid, workdir=wd, timeout=timeout, drop=drop,
                unpack=sync, pack=sync, in_fd=packed.fileno(), out_fd=out_w), *argv]
            spool = stack.enter_context(tempfile.SpooledTemporaryFile(8 * 1024 * 1024))
            result, (status, overflow) = await self._spawn(
                cmd, wd, stdin, timeout + GRACE_SECONDS,
                pass_fds=(packed.fileno(), out_w, filt.fileno()),
                close_after_start=out_w,
                side=(out_r, spool, limits.disk_bytes + 64 * 1024 * 1024),
                isolation=policy.BWRAP, nproc=_process_budget(limits, uid))
            warnings = result.warnings
            if "returncode" in status:
                result.exit_code = status["returncode"]  # the command's, not bubblewrap's
                result.killed_by = _killed_by(result.exit_code, limits)
            elif not status.get("timed_out"):
                warnings.append(str(status.get("error") or "the sandbox ended before the "
                                    "command reported an exit status"))
                if result.exit_code == 0:
                    result.exit_code = 1
            if status.get("timed_out") or result.timed_out:
                result.timed_out, result.killed_by = True, "timeout"
                if "returncode" not in status:
                    result.exit_code = None
            if sync and ("returncode" in status or status.get("timed_out")):
                if overflow:
                    warnings.append("the workdir was not copied back: more than the quota came out")
                else:
                    spool.seek(0)
                    try:
                        transfer.unpack(spool, wd, limits.disk_bytes)
                    except (SandboxError, OSError, tarfile.TarError) as exc:
                        warnings.append(f"the workdir was not copied back: {exc}")
        return result

    async def _run_unsafe(self, argv: list[str], wd: str, stdin: str | None,
                          timeout: float) -> ExecutionResult:
        with uids.fresh_uid() as uid:
            drop = uids.drop_argv(uid)
            exe = shutil.which(argv[0]) or argv[0]
            # can the uid really run it (libraries and stdlib included, for the interpreter)?
            check = [exe, "-I", "-S", "-c", "pass"] if argv[0] == self.interpreter else \
                [shutil.which("test") or "/usr/bin/test", "-x", exe]
            probe = await asyncio.to_thread(subprocess.run, [*drop, *check],
                                            capture_output=True, timeout=30, cwd="/")
            if probe.returncode != 0:
                raise SandboxUnavailableError(
                    f"{argv[0]} cannot run as the unprivileged uid {uid} (its directory is not "
                    "readable by other users, e.g. under /root); refusing to run it as root. "
                    f"Use the default mode: {bwrap.INSTALL_HINT}")
            for root, dirs, files in os.walk(wd):
                for name in [root] + [os.path.join(root, n) for n in dirs + files]:
                    with contextlib.suppress(OSError):
                        os.chown(name, uid, uid, follow_symlinks=False)
            result, _ = await self._spawn([*drop, *argv], wd, stdin, timeout, pass_fds=(),
                                          close_after_start=None, side=None,
                                          isolation=policy.RLIMITS_UNSAFE,
                                          nproc=self.limits.max_processes,
                                          after_exit=lambda: uids.kill_uid(uid))
        result.warnings.append("rlimits-unsafe (chosen by name): no filesystem or network "
                               "isolation and no total disk quota")
        return result

    async def _spawn(self, argv: list[str], wd: str, stdin: str | None, deadline: float, *,
                     pass_fds: tuple[int, ...], close_after_start: int | None,
                     side: tuple[int, Any, int] | None, isolation: str,
                     nproc: int | None, after_exit: Callable[[], None] | None = None,
                     ) -> tuple[ExecutionResult, tuple[dict[str, Any], bool]]:
        limit = self.limits.max_output_chars
        started = time.perf_counter()
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv, cwd=wd if isolation != policy.BWRAP else "/", env=self._env(wd),
                stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                start_new_session=True, preexec_fn=_preexec(self.limits, nproc), pass_fds=pass_fds,
            )
        except OSError as exc:
            if side:
                os.close(side[0])
            raise SandboxError(f"could not start the sandboxed process: {exc}") from exc
        finally:
            if close_after_start is not None:
                os.close(close_after_start)
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
        side_task = asyncio.ensure_future(_read_side(*side)) if side else None
        if stdin is not None and proc.stdin is not None:
            with contextlib.suppress(OSError, ConnectionError):
                proc.stdin.write(stdin.encode())
                await proc.stdin.drain()
                proc.stdin.close()
        try:
            timed_out = not await _exited(proc, deadline)
        except asyncio.CancelledError:
            _kill_group(proc.pid)
            if after_exit:
                await asyncio.to_thread(after_exit)
            if side_task:
                side_task.cancel()
            raise
        _kill_group(proc.pid)  # leftovers (background children) go too
        if after_exit:
            await asyncio.to_thread(after_exit)
        await proc.wait()
        warnings: list[str] = []
        try:
            out, err = await asyncio.wait_for(readers, 5)
        except asyncio.TimeoutError:
            readers.cancel()
            out, err = b"", b""
            warnings.append("output lost: a process kept the pipes open")
        side_result: tuple[dict[str, Any], bool] = ({}, False)
        if side_task is not None:
            try:
                side_result = await asyncio.wait_for(side_task, 5)
            except asyncio.TimeoutError:
                side_task.cancel()
                warnings.append("the sandbox status was not received")
        stdout, t1 = _trim(out.decode(errors="replace"), limit)
        stderr, t2 = _trim(err.decode(errors="replace"), limit)
        code = proc.returncode
        result = ExecutionResult(
            exit_code=code, stdout=stdout, stderr=stderr,
            duration=time.perf_counter() - started, timed_out=timed_out,
            killed_by="timeout" if timed_out else _killed_by(code, self.limits),
            truncated=truncated or t1 or t2, isolation=isolation, warnings=warnings,
            workdir=wd,
        )
        return result, side_result

    async def run_python(self, code: str, **kwargs: Any) -> ExecutionResult:
        """Run Python source with the sandbox's interpreter (isolated mode, no user site)."""
        return await self.run([self.interpreter, "-I", "-c", code], **kwargs)

    async def run_shell(self, command: str, **kwargs: Any) -> ExecutionResult:
        return await self.run(["/bin/sh", "-c", command], **kwargs)


def _process_budget(limits: SandboxLimits, uid: int | None) -> int | None:
    """RLIMIT_NPROC for one run. Under a fresh uid it is the limit itself. A normal user's
    limit counts all their processes, user namespaces included (the kernel checks every
    level), so the run's budget comes on top of what the caller already runs."""
    if limits.max_processes is None or uid is not None:
        return limits.max_processes
    return limits.max_processes + len(uids.processes_of(os.getuid(), zombies=True))


async def _exited(proc: asyncio.subprocess.Process, timeout: float) -> bool:
    """Whether the process itself exited within ``timeout`` (``proc.wait()`` would also wait
    for every holder of its pipes, such as a daemonized child, to let go)."""
    end = time.monotonic() + timeout
    delay = 0.002
    while proc.returncode is None:
        if time.monotonic() >= end:
            return False
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.05)
    return True


async def _read_side(fd: int, spool: Any, cap: int) -> tuple[dict[str, Any], bool]:
    """The launcher's status line, then the workdir tar into ``spool``, at most ``cap``
    bytes; (status, overflowed)."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=STATUS_LINE_MAX)
    transport, _ = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(fd, "rb", 0))
    try:
        try:
            line = await reader.readuntil(b"\n")
            status = json.loads(line)
            if not isinstance(status, dict):
                status = {"error": "the sandbox sent a malformed status"}
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            return {}, False
        written = 0
        while chunk := await reader.read(1 << 20):
            written += len(chunk)
            if written > cap:
                return status, True
            spool.write(chunk)
        return status, False
    finally:
        transport.close()


def _killed_by(code: int | None, limits: SandboxLimits) -> str | None:
    sig = -code if code is not None and code < 0 else (
        code - 128 if code is not None and 128 < code < 160 else None)
    if sig == signal.SIGXCPU or (sig == signal.SIGKILL and limits.cpu_seconds):
        return "cpu time limit" if sig == signal.SIGXCPU else "killed (SIGKILL)"
    if sig is not None:
        return f"signal {sig}"
    return None


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _trim(text: str, limit: int) -> tuple[str, bool]:
    if len(text) <= limit:
        return text, False
    half = limit // 2
    return text[:half] + f"\n... [{len(text) - limit} characters cut] ...\n" + text[-half:], True


__all__ = ["GRACE_SECONDS", "Sandbox"]
