"""ProgrammerAgent: writes Python for a task, runs it in the sandbox, fixes it until it works.

Each attempt runs in a fresh sandboxed process (see tools/sandbox/). When the code fails,
the model reads the error output and sends corrected code; ``max_attempts`` bounds the loop.
The reply carries the program's output and the code (``metadata``: code, output, attempts,
success).
"""

from __future__ import annotations

import re
from typing import Any

from agentcast.agents.base import Agent
from agentcast.message import Msg
from agentcast.models.base import ChatModel
from agentcast.tools.sandbox import ExecutionResult, Sandbox

DEFAULT_SYS_PROMPT = (
    "You are an expert Python programmer. Solve the task by writing one complete Python "
    "program in a single ```python code block. The program must print its result. It runs "
    "without network access; only the standard library and installed packages are available."
)

FIX_PROMPT = (
    "The program failed.\n{report}\n\nFix the problem and reply with the complete corrected "
    "program in one ```python code block."
)

_BLOCK = re.compile(r"```(?:python|py|python3)?[ \t]*\n(.*?)```", re.DOTALL | re.IGNORECASE)


def extract_code(text: str) -> str | None:
    """The code in a reply: the longest fenced block, or the whole reply if it looks like code."""
    blocks = _BLOCK.findall(text or "")
    if blocks:
        return str(max(blocks, key=len)).strip("\n")
    stripped = (text or "").strip()
    if stripped and re.search(r"^\s*(import |from |def |print\(|for |class )", stripped, re.M):
        return stripped
    return None


class ProgrammerAgent(Agent):
    """Turns a task into working Python by write → run → read errors → fix."""

    def __init__(
        self,
        name: str,
        sys_prompt: str | None = DEFAULT_SYS_PROMPT,
        model: str | ChatModel | None = None,
        *,
        sandbox: Sandbox | None = None,
        max_attempts: int = 3,
        timeout: float | None = None,
        workdir: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name, sys_prompt, model, **kwargs)
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.sandbox = sandbox or Sandbox()
        self.max_attempts = max_attempts
        self.timeout = timeout
        self.workdir = workdir

    async def reply(self, x: Msg | list[Msg] | None = None) -> Msg:
        inputs = [m for m in (x if isinstance(x, list) else [x]) if m is not None]
        if self.memory is not None:
            self.memory.add(inputs)
        messages: list[Msg] = []
        if self.sys_prompt:
            messages.append(Msg("system", self.sys_prompt, role="system"))
        messages.extend(self.memory.get() if self.memory is not None else inputs)
        code: str | None = None
        result: ExecutionResult | None = None
        attempts = 0
        for attempt in range(1, self.max_attempts + 1):
            attempts = attempt
            response = await self.call_model(messages)
            messages.append(Msg(self.name, response.text, role="assistant"))
            new_code = extract_code(response.text)
            if new_code is None:
                messages.append(Msg("system", "Reply with the program in one ```python code "
                                    "block.", role="user"))
                continue
            code = new_code
            result = await self.sandbox.run_python(code, workdir=self.workdir,
                                                   timeout=self.timeout)
            if result.ok:
                break
            messages.append(Msg("system", FIX_PROMPT.format(report=result.summary()),
                                role="user"))
        success = result is not None and result.ok
        output = result.summary() if result is not None else "(no code was produced)"
        if success:
            text = f"{output}\n\nCode:\n```python\n{code}\n```"
        else:
            text = (f"I could not make the program work in {attempts} attempt(s). "
                    f"Last output:\n{output}" + (f"\n\nLast code:\n```python\n{code}\n```"
                                                 if code else ""))
        msg = Msg(self.name, text, role="assistant", code=code,
                  output=result.stdout if result is not None else "", attempts=attempts,
                  success=success, isolation=result.isolation if result is not None else None)
        if self.memory is not None:
            self.memory.add(msg)
        self.speak(msg)
        return msg


__all__ = ["ProgrammerAgent", "extract_code"]
