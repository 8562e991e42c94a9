"""ProgrammerAgent: writes code, runs it in the sandbox, reads the error, fixes it."""

from __future__ import annotations

import agentcast as ac
from agentcast import Msg
from agentcast.agents.programmer import extract_code
from agentcast.testing import ScriptedModel
from agentcast.tools.sandbox import Sandbox, SandboxLimits

BROKEN = """Here is my program:
```python
numbers = [3, 1, 2]
print("sorted:", sorted(numbrs))
```"""

FIXED = """Fixed the typo:
```python
numbers = [3, 1, 2]
print("sorted:", sorted(numbers))
```"""


def sandbox() -> Sandbox:
    return Sandbox(SandboxLimits(timeout=10, cpu_seconds=5))


def test_fixes_a_failing_script_on_the_second_try():
    model = ScriptedModel([BROKEN, FIXED])
    agent = ac.ProgrammerAgent("coder", model=model, sandbox=sandbox())
    reply = agent(Msg("user", "Sort the numbers 3, 1, 2.", role="user"))
    assert reply.metadata["success"] is True and reply.metadata["attempts"] == 2
    assert reply.metadata["output"] == "sorted: [1, 2, 3]\n"
    assert "sorted(numbers)" in reply.metadata["code"]
    assert reply.content.startswith("sorted: [1, 2, 3]") and "```python" in reply.content
    # the model was shown the real error from the first run
    feedback = model.calls[1]["messages"][-1].content
    assert "NameError" in feedback and "numbrs" in feedback
    model.assert_complete()


async def test_gives_up_after_the_cap_and_survives_a_runaway_program():
    model = ScriptedModel(["```python\nwhile True: pass\n```", "no code, sorry",
                           "```python\nraise SystemExit(2)\n```"])
    agent = ac.ProgrammerAgent("coder", model=model, max_attempts=3,
                               sandbox=Sandbox(SandboxLimits(timeout=3, cpu_seconds=1)))
    reply = await agent.reply(Msg("user", "Do something", role="user"))
    assert reply.metadata["success"] is False and reply.metadata["attempts"] == 3
    assert "could not make the program work in 3 attempt(s)" in reply.content
    assert "cpu time limit" in model.calls[1]["messages"][-1].content \
        or "timeout" in model.calls[1]["messages"][-1].content
    assert "code block" in model.calls[2]["messages"][-1].content


def test_extract_code():
    assert extract_code("```py\nprint(1)\n```") == "print(1)"
    assert extract_code("short\n```python\na=1\n```\nthen\n```python\nb = 2\nprint(b)\n```") \
        == "b = 2\nprint(b)"
    assert extract_code("import os\nprint(os.sep)") == "import os\nprint(os.sep)"
    assert extract_code("I cannot help with that.") is None
