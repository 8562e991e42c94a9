"""Run untrusted code (from a model) in a separate, confined, bounded process tree.

``Sandbox()`` isolates with bubblewrap or refuses (SandboxUnavailableError, saying what to
install); ``Sandbox(mode="rlimits-unsafe")`` is the weaker mode, only when named. Modules:
``core`` (the Sandbox), ``policy`` (modes, what the code may see), ``bwrap`` (the command
line), ``launcher`` (PID 1 inside), ``transfer`` (the workdir in and out), ``uids`` (fresh
unprivileged uids), ``result`` (limits and results). docs/sandbox.md has the escape matrix.
"""

from agentcast.tools.sandbox.core import Sandbox
from agentcast.tools.sandbox.policy import BWRAP, MODES, RLIMITS_UNSAFE
from agentcast.tools.sandbox.result import ExecutionResult, SandboxLimits

__all__ = ["BWRAP", "MODES", "RLIMITS_UNSAFE", "ExecutionResult", "Sandbox", "SandboxLimits"]
