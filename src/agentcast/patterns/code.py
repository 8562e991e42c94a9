"""Code execution from chat: find code blocks in a message, run them in the sandbox.

A model writes code in fenced blocks (```python / ```sh); the executor runs them one after
the other in the tools' Sandbox (separate, confined, bounded processes) in one working
directory that persists across blocks and turns, so a later block can read what an earlier
one wrote. The reply says the exit code and the (truncated) output, as AutoGen does, so the
model can fix its code.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import weakref
from dataclasses import dataclass

from agentcast.message import Msg
from agentcast.tools.sandbox import Sandbox

PYTHON = frozenset({"python", "py", "python3"})
SHELL = frozenset({"sh", "bash", "shell", "console", "zsh"})
_BLOCK = re.compile(r"```[ \t]*([\w+-]*)[^\n]*\n(.*?)```", re.DOTALL)


@dataclass
class CodeBlock:
    language: str
    code: str


@dataclass
class CodeResult:
    """The outcome of running a message's code blocks."""

    exit_code: int
    output: str
    blocks: int

    def text(self) -> str:
        status = "execution succeeded" if self.exit_code == 0 else "execution failed"
        return f"exitcode: {self.exit_code} ({status})\nCode output:\n{self.output}"


def extract_code_blocks(text: str) -> list[CodeBlock]:
    """Fenced code blocks in ``text``; an unlabelled block counts as Python."""
    blocks = []
    for lang, code in _BLOCK.findall(text or ""):
        blocks.append(CodeBlock((lang or "python").lower(), code))
    return blocks


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n... [{len(text) - limit} characters truncated] ...\n{text[-half:]}"


class CodeExecutor:
    """Runs code blocks in a Sandbox (made with defaults unless one is given): bubblewrap, or
    SandboxUnavailableError from the first block if it cannot run here; a weaker mode only
    through a ``Sandbox(mode="rlimits-unsafe")`` the developer passes in.

    ``timeout`` bounds each block (wall clock); ``max_output_chars`` bounds the reply.
    ``work_dir`` is where the code runs (a private temporary directory by default, removed
    when the executor is garbage-collected).
    """

    def __init__(
        self,
        sandbox: Sandbox | None = None,
        *,
        work_dir: str | None = None,
        timeout: float | None = 60.0,
        max_output_chars: int = 4000,
    ) -> None:
        self._sandbox = sandbox
        self.timeout = timeout
        self.max_output_chars = max_output_chars
        if work_dir is None:
            work_dir = tempfile.mkdtemp(prefix="agentcast-code-")
            weakref.finalize(self, shutil.rmtree, work_dir, True)
        self.work_dir = work_dir

    @property
    def sandbox(self) -> Sandbox:
        if self._sandbox is None:
            self._sandbox = Sandbox()
        return self._sandbox

    async def run_block(self, block: CodeBlock) -> tuple[int, str]:
        """(exit code, output text) of one block."""
        lang = block.language
        if lang in PYTHON:
            result = await self.sandbox.run_python(block.code, workdir=self.work_dir,
                                                   timeout=self.timeout)
        elif lang in SHELL:
            result = await self.sandbox.run_shell(block.code, workdir=self.work_dir,
                                                  timeout=self.timeout)
        else:
            return 1, f"unknown language {lang!r}: only python and sh blocks can run"
        code = result.exit_code if result.exit_code is not None else -1
        if result.timed_out and code == 0:
            code = 124
        return code, result.summary()

    async def execute(self, blocks: list[CodeBlock]) -> CodeResult:
        """Run blocks in order; stop at the first failure (later blocks likely depend on it)."""
        outputs: list[str] = []
        exit_code = 0
        for block in blocks:
            exit_code, output = await self.run_block(block)
            outputs.append(output)
            if exit_code != 0:
                break
        text = "\n".join(o for o in outputs if o and o != "(no output)")
        return CodeResult(exit_code, _truncate(text, self.max_output_chars), len(blocks))

    async def execute_message(self, msg: Msg | None) -> CodeResult | None:
        """Run the code blocks of a message; None when it has none."""
        if msg is None or not isinstance(msg.content, str):
            return None
        blocks = extract_code_blocks(msg.content)
        if not blocks:
            return None
        return await self.execute(blocks)


__all__ = ["CodeBlock", "CodeExecutor", "CodeResult", "extract_code_blocks"]
