"""ReActAgent: reason, act with tools, observe the results, repeat; then answer.

Two ways to call tools:

- **native** (default): the model's own tool calling. Several calls in one turn run in
  parallel; calls and results go into the history with the tool-call Msg convention
  (models/formatters/common.py), so every provider's formatter can replay them.
- **prompt-based** (``native_tool_calling=False``) for models without it: the tools are
  described in the system prompt, the model answers with a JSON object, which is repaired
  by rules if it is messy; results come back as plain text.

Every tool error (unknown tool, bad arguments, a crash) is shown to the model, which can then
correct itself. ``max_iters`` bounds the loop; when it is reached the model is asked for a
final answer without tools. ``structured_model`` (a pydantic class) makes the final answer
a validated JSON object.
"""

from __future__ import annotations

import json
from typing import Any

from agentcast.agents.base import Agent
from agentcast.message import Msg
from agentcast.models.base import ChatModel, ModelResponse, ToolCall
from agentcast.models.formatters.common import make_tool_call_msg, make_tool_result_msg
from agentcast.tools.response import ToolResponse
from agentcast.tools.toolkit import Toolkit

DEFAULT_SYS_PROMPT = "You are a helpful assistant. Use the tools when they help; then answer."

FORCE_FINAL = (
    "You have used the maximum number of reasoning steps. Do not call any more tools: give "
    "your final answer now, based on what you have found so far."
)

PROMPT_TOOLS = """You can use these tools:
{tools}

To use tools, reply with ONLY a JSON object, no other text:
{{"thought": "why", "tool_calls": [{{"name": "tool name", "arguments": {{...}}}}]}}
You will get the results, then continue. When you can answer, reply with ONLY:
{{"thought": "why", "answer": "your final answer"}}"""

STRUCTURED_FINAL = "Now give your final answer as a JSON object that fits the required schema."


class ReActAgent(Agent):
    """An agent that loops model → tools → model until it answers (at most ``max_iters``)."""

    def __init__(
        self,
        name: str,
        sys_prompt: str | None = DEFAULT_SYS_PROMPT,
        model: str | ChatModel | None = None,
        toolkit: Toolkit | None = None,
        max_iters: int = 10,
        *,
        native_tool_calling: bool = True,
        structured_model: type[Any] | None = None,
        max_result_chars: int = 20_000,
        **kwargs: Any,
    ) -> None:
        super().__init__(name, sys_prompt, model, **kwargs)
        if max_iters < 1:
            raise ValueError("max_iters must be at least 1")
        self.toolkit = toolkit if toolkit is not None else Toolkit()
        self.max_iters = max_iters
        self.native_tool_calling = native_tool_calling
        self.structured_model = structured_model
        self.max_result_chars = max_result_chars
        self.iterations = 0  # steps used by the last reply

    # --- history --------------------------------------------------------------------------
    def _prompt(self, scratch: list[Msg], *extra: Msg) -> list[Msg]:
        msgs: list[Msg] = []
        system = self.sys_prompt or ""
        if not self.native_tool_calling and self.toolkit.tools():
            system = (system + "\n\n" if system else "") + PROMPT_TOOLS.format(
                tools=self.toolkit.describe())
        if system:
            msgs.append(Msg("system", system, role="system"))
        if self.memory is not None:
            msgs.extend(self.memory.get())
        msgs.extend(scratch)
        msgs.extend(extra)
        return msgs

    def _record(self, scratch: list[Msg], *msgs: Msg) -> None:
        if self.memory is not None:
            self.memory.add(list(msgs))
        else:
            scratch.extend(msgs)

    def _result_text(self, result: ToolResponse) -> str:
        text = result.text()
        if len(text) > self.max_result_chars:
            text = text[: self.max_result_chars] + "\n... [result truncated]"
        return text

    # --- the loop -------------------------------------------------------------------------
    async def reply(self, x: Msg | list[Msg] | None = None) -> Msg:
        scratch: list[Msg] = []
        inputs = [m for m in (x if isinstance(x, list) else [x]) if m is not None]
        self._record(scratch, *inputs)
        self.iterations = 0
        final: Msg | None = None
        for _ in range(self.max_iters):
            self.iterations += 1
            step = await (self._native_step(scratch) if self.native_tool_calling
                          else self._prompt_step(scratch))
            if step is not None:
                final = step
                break
        if final is None:
            final = await self._forced_final(scratch)
        if self.structured_model is not None:
            final = await self._structured(scratch, final)
        if self.memory is not None:
            self.memory.add(final)
        self.speak(final)
        return final

    async def _native_step(self, scratch: list[Msg]) -> Msg | None:
        tools = self.toolkit.schemas() or None
        response = await self.call_model(self._prompt(scratch), tools=tools)
        if not response.tool_calls:
            return Msg(self.name, response.text, role="assistant")
        calls, seen = [], set()
        for i, c in enumerate(response.tool_calls):  # ids pair calls with results: make sure
            call_id = c.id if c.id and c.id not in seen else f"call_{self.iterations}_{i}"
            seen.add(call_id)
            calls.append(ToolCall(call_id, c.name, c.arguments))
        call_msg = make_tool_call_msg(self.name, calls, response.text)
        self._say_calls(calls, response.text)
        results = await self.toolkit.call_many(calls, agent=self.name)
        result_msgs = [
            make_tool_result_msg(call.id, call.name, self._result_text(res), is_error=not res.ok)
            for call, res in zip(calls, results, strict=True)
        ]
        self._record(scratch, call_msg, *result_msgs)
        return None

    async def _prompt_step(self, scratch: list[Msg]) -> Msg | None:
        response = await self.call_model(self._prompt(scratch))
        parsed = _parse_prompt_reply(response.text)
        if parsed is None:  # not JSON at all: the model answered in prose
            return Msg(self.name, response.text, role="assistant")
        calls_raw = parsed.get("tool_calls") or parsed.get("tool_call") or []
        if isinstance(calls_raw, dict):
            calls_raw = [calls_raw]
        if not calls_raw:
            answer = parsed.get("answer", parsed.get("response", response.text))
            text = answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)
            return Msg(self.name, text, role="assistant")
        calls = [
            ToolCall(id=f"call_{self.iterations}_{i}", name=str(c.get("name", "")),
                     arguments=c.get("arguments", {}))
            if isinstance(c, dict) else ToolCall(f"call_{i}", str(c), {})
            for i, c in enumerate(calls_raw)
        ]
        self._say_calls(calls, str(parsed.get("thought", "")))
        results = await self.toolkit.call_many(calls, agent=self.name)
        lines = [f"Result of {c.name}({json.dumps(c.arguments, ensure_ascii=False)}):\n"
                 f"{self._result_text(r)}" for c, r in zip(calls, results, strict=True)]
        self._record(scratch, Msg(self.name, response.text, role="assistant"),
                     Msg("system", "\n\n".join(lines), role="user"))
        return None

    async def _forced_final(self, scratch: list[Msg]) -> Msg:
        nudge = Msg("system", FORCE_FINAL, role="user")
        response = await self.call_model(self._prompt(scratch, nudge))
        text = response.text
        if not self.native_tool_calling:
            parsed = _parse_prompt_reply(text)
            if parsed is not None and "answer" in parsed:
                text = str(parsed["answer"])
        return Msg(self.name, text, role="assistant", forced_final=True)

    async def _structured(self, scratch: list[Msg], final: Msg) -> Msg:
        ask = Msg("system", STRUCTURED_FINAL, role="user")
        prompt = self._prompt(scratch, final, ask)
        response: ModelResponse = await self.call_model(
            prompt, structured_model=self.structured_model)
        parsed = response.parsed
        content = parsed.model_dump(mode="json") if hasattr(parsed, "model_dump") else parsed
        return Msg(self.name, content, role="assistant", text=final.content)

    def _say_calls(self, calls: list[ToolCall], thought: str) -> None:
        if not self._is_verbose():
            return
        lines = [thought] if thought else []
        for c in calls:
            args = c.arguments if isinstance(c.arguments, str) else json.dumps(
                c.arguments, ensure_ascii=False)
            lines.append(f"→ {c.name}({args})")
        self.speak(Msg(self.name, "\n".join(lines), role="assistant"))


def _parse_prompt_reply(text: str) -> dict[str, Any] | None:
    """The JSON object in a prompt-based reply, repaired by rules; None if there is none."""
    from agentcast.models.repair import repair_json

    try:
        value = repair_json(text, expect=dict)
    except Exception:  # no JSON: a prose answer
        return None
    if not isinstance(value, dict) or not ({"tool_calls", "tool_call", "answer", "response"}
                                           & set(value)):
        return None
    return value


__all__ = ["ReActAgent"]
