"""Code execution services: Python and shell, each run in the sandbox.

The sandbox, timeout and working directory are the developer's choice (presets), never the
model's, so they are ``Hidden`` from the schema. The default sandbox is bubblewrap; where it
cannot run, a call fails with SandboxUnavailableError (the Toolkit turns it into an error
result naming what to install), never a weaker run. ``Sandbox(mode="rlimits-unsafe")``, passed
as the ``sandbox`` preset, is the developer's explicit opt-in to the weaker mode.
"""

from __future__ import annotations

from typing import Annotated

from agentcast.tools.response import ToolResponse, ToolStatus
from agentcast.tools.sandbox import ExecutionResult, Sandbox
from agentcast.tools.schema import Hidden

_default: Sandbox | None = None


def default_sandbox() -> Sandbox:
    """One shared sandbox with the default limits (bubblewrap, or refuse)."""
    global _default
    if _default is None:
        _default = Sandbox()
    return _default


def _response(result: ExecutionResult) -> ToolResponse:
    meta = {"exit_code": result.exit_code, "isolation": result.isolation,
            "timed_out": result.timed_out, "warnings": result.warnings}
    status = ToolStatus.SUCCESS if result.ok else ToolStatus.ERROR
    return ToolResponse(status, result.summary(), None, meta)


async def execute_python_code(
    code: str,
    timeout: Annotated[float | None, Hidden] = None,
    sandbox: Annotated[Sandbox | None, Hidden] = None,
    workdir: Annotated[str | None, Hidden] = None,
) -> ToolResponse:
    """Execute Python code in a sandbox and return what it printed.

    Use print() to show results; the code runs in a fresh process each time, without
    network access.

    Args:
        code: The Python source code to run.
    """
    result = await (sandbox or default_sandbox()).run_python(code, workdir=workdir, timeout=timeout)
    return _response(result)


async def execute_shell_command(
    command: str,
    timeout: Annotated[float | None, Hidden] = None,
    sandbox: Annotated[Sandbox | None, Hidden] = None,
    workdir: Annotated[str | None, Hidden] = None,
) -> ToolResponse:
    """Execute a shell command in a sandbox and return its output.

    Args:
        command: The command line, run by /bin/sh.
    """
    result = await (sandbox or default_sandbox()).run_shell(command, workdir=workdir, timeout=timeout)
    return _response(result)


__all__ = ["default_sandbox", "execute_python_code", "execute_shell_command"]
