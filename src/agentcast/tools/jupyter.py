"""Stateful Python sessions on a Jupyter kernel (extra ``jupyter``), for notebook-like work.

Unlike ``execute_python_code`` (a fresh sandboxed process per call), variables, imports and
loaded data persist across calls, which multi-step analysis needs. A call that runs too long
is interrupted (KeyboardInterrupt in the kernel), and the session stays usable.

The kernel is NOT sandboxed: it runs as the current user (root, if agentcast runs as root)
with the host's files and network. So a session refuses to start unless the developer names
that choice, ``JupyterSession(mode="unsandboxed")`` (never silently weaker than
``execute_python_code``); use it for trusted work, or run the whole program in a container.
"""

from __future__ import annotations

import asyncio
import os
import queue
import re
import shutil
import tempfile
import time
from typing import Any

from agentcast.exceptions import MissingExtraError, SandboxError, SandboxUnavailableError
from agentcast.tools.response import ToolResponse

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
UNSANDBOXED = "unsandboxed"


class JupyterSession:
    """One kernel. ``await start()``, ``await run_code(code)`` (also a tool), ``await close()``.

    ``mode`` must be ``"unsandboxed"``: the kernel has no isolation, and saying so is the
    developer's explicit choice.
    """

    def __init__(self, kernel_name: str = "python3", *, mode: str | None = None,
                 timeout: float = 60.0, startup_timeout: float = 60.0, cwd: str | None = None,
                 max_output_chars: int = 20_000) -> None:
        if mode != UNSANDBOXED:
            raise SandboxUnavailableError(
                "a Jupyter kernel runs as the current user with the host's files and network "
                "(no sandbox); to accept that, name it: JupyterSession(mode='unsandboxed'). "
                "For untrusted code use execute_python_code (a sandboxed process per call).")
        self.mode = mode
        self.kernel_name = kernel_name
        self.timeout = timeout
        self.startup_timeout = startup_timeout
        self.cwd = cwd
        self.max_output_chars = max_output_chars
        self._km: Any = None
        self._kc: Any = None
        self._lock = asyncio.Lock()
        self._ipc_dir: str | None = None

    async def start(self) -> JupyterSession:
        if self._km is not None:
            return self
        try:
            from jupyter_client.manager import AsyncKernelManager
        except ImportError as exc:
            raise MissingExtraError("jupyter", "jupyter_client", "Jupyter sessions") from exc
        # IPC sockets in a private directory: no TCP port open to other local users
        self._ipc_dir = tempfile.mkdtemp(prefix="agentcast-kernel-")
        km = AsyncKernelManager(kernel_name=self.kernel_name, transport="ipc",
                                ip=os.path.join(self._ipc_dir, "kernel"))
        kwargs: dict[str, Any] = {"cwd": self.cwd} if self.cwd else {}
        try:
            await km.start_kernel(**kwargs)
            kc = km.client()
            kc.start_channels()
            await kc.wait_for_ready(timeout=self.startup_timeout)
        except Exception as exc:
            await _quiet_shutdown(km)
            shutil.rmtree(self._ipc_dir, ignore_errors=True)
            raise SandboxError(f"could not start a Jupyter kernel: {exc}") from exc
        self._km, self._kc = km, kc
        return self

    async def close(self) -> None:
        km, kc = self._km, self._kc
        self._km = self._kc = None
        if kc is not None:
            kc.stop_channels()
        if km is not None:
            await _quiet_shutdown(km)
        if self._ipc_dir:
            shutil.rmtree(self._ipc_dir, ignore_errors=True)
            self._ipc_dir = None

    async def __aenter__(self) -> JupyterSession:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def execute(self, code: str, timeout: float | None = None) -> dict[str, Any]:
        """Run code; returns {"ok", "output", "error", "timed_out"}."""
        await self.start()
        async with self._lock:  # one cell at a time, as in a notebook
            return await self._execute(code, timeout or self.timeout)

    async def _execute(self, code: str, timeout: float) -> dict[str, Any]:
        kc = self._kc
        msg_id = kc.execute(code, store_history=True, allow_stdin=False)
        out: list[str] = []
        error: str | None = None
        timed_out = False
        deadline = time.monotonic() + timeout
        interrupted_at: float | None = None
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 and interrupted_at is None:
                timed_out = True
                interrupted_at = time.monotonic()
                await self._km.interrupt_kernel()
            if interrupted_at is not None and time.monotonic() - interrupted_at > 10:
                await self._km.restart_kernel(now=True)  # interrupt ignored: start afresh
                await kc.wait_for_ready(timeout=self.startup_timeout)
                error = "the kernel did not stop on interrupt and was restarted; state is lost"
                break
            try:
                msg = await kc.get_iopub_msg(timeout=max(0.05, min(remaining, 1.0))
                                             if remaining > 0 else 1.0)
            except (queue.Empty, asyncio.TimeoutError):
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                out.append(content.get("text", ""))
            elif kind in ("execute_result", "display_data"):
                data = content.get("data", {})
                out.append(str(data.get("text/plain", "")) + "\n")
            elif kind == "error":
                tb = "\n".join(content.get("traceback", [])) or \
                    f"{content.get('ename')}: {content.get('evalue')}"
                error = _ANSI.sub("", tb)
            elif kind == "status" and content.get("execution_state") == "idle":
                break
        text = "".join(out)
        if len(text) > self.max_output_chars:
            text = text[: self.max_output_chars] + "\n... [output truncated]"
        if timed_out:
            error = (error or "") + f"\n[interrupted: ran longer than {timeout:g} s]"
        return {"ok": error is None, "output": text, "error": error, "timed_out": timed_out}

    async def run_code(self, code: str) -> ToolResponse:
        """Run Python code in a persistent session: variables and imports are kept between
        calls, as in a notebook. The value of the last expression is shown.

        Args:
            code: The Python code to run.
        """
        result = await self.execute(code)
        text = result["output"] + (("\n" + result["error"]) if result["error"] else "")
        text = text.strip() or "(no output)"
        if result["ok"]:
            return ToolResponse.success(text)
        return ToolResponse.error(text, timed_out=result["timed_out"])


async def _quiet_shutdown(km: Any) -> None:
    try:
        await km.shutdown_kernel(now=True)
    except Exception:  # best effort when tearing down
        pass


__all__ = ["UNSANDBOXED", "JupyterSession"]
