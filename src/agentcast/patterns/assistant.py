"""AssistantAgent and split tool use: one agent's model proposes tool calls, another runs them.

AutoGen's pattern: a function is *registered for the model* on the assistant (its schema goes
with every model call) and *for execution* on a user proxy (which runs the calls it receives
and replies with the results). The assistant never executes anything itself, so the code
that runs tools can live where it is safe to run them (a sandbox, another machine, a human's
approval). Messages follow the tool-call convention of models/formatters/common.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from agentcast.agents.dialog import DialogAgent
from agentcast.exceptions import UsageError
from agentcast.message import Msg
from agentcast.models.base import ChatModel
from agentcast.models.formatters.common import make_tool_call_msg, make_tool_result_msg
from agentcast.tools.toolkit import Toolkit

DEFAULT_ASSISTANT_PROMPT = (
    "You are a helpful AI assistant. Solve tasks step by step. When code helps, write it in "
    "one ```python (or ```sh) block for the user to run, and read the output you get back. "
    "Use the functions you are given when they help. When the task is done, answer and end "
    "your message with the word TERMINATE."
)
TOOL_RESPONSES = "tool_responses"


def expand_tool_responses(msg: Msg | None) -> list[Msg]:
    """A message carrying tool results becomes one result Msg per call (the convention)."""
    if msg is None:
        return []
    md = msg._metadata
    responses = md.get(TOOL_RESPONSES) if md else None
    if not responses:
        return [msg]
    return [make_tool_result_msg(str(r["id"]), str(r["name"]), r.get("content"),
                                 is_error=bool(r.get("is_error"))) for r in responses]


class AssistantAgent(DialogAgent):
    """A dialog agent whose model may ask for tools registered with ``register_for_llm``.

    A reply that asks for tools carries ``metadata["tool_calls"]``; the results come back as
    a message with ``metadata["tool_responses"]`` (from a UserProxyAgent), which this agent
    stores as one result message per call, so every provider's formatter can replay them.
    """

    def __init__(
        self,
        name: str = "assistant",
        sys_prompt: str | None = DEFAULT_ASSISTANT_PROMPT,
        model: str | ChatModel | None = None,
        *,
        toolkit: Toolkit | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name, sys_prompt, model, **kwargs)
        self.toolkit = toolkit if toolkit is not None else Toolkit()

    def register_for_llm(self, func: Callable[..., Any], *, name: str | None = None,
                         description: str | None = None) -> Callable[..., Any]:
        """Offer ``func`` to this agent's model (its schema only; nothing runs here)."""
        self.toolkit.add_tool(func, name=name, description=description)
        return func

    def observe(self, x: Msg | Sequence[Msg] | None) -> None:
        if self.memory is None or x is None:
            return
        items: list[Msg] = list(x) if isinstance(x, (list, tuple)) else [x]  # type: ignore[list-item]
        for m in items:
            self.memory.add(expand_tool_responses(m))

    async def reply(self, x: Msg | list[Msg] | None = None) -> Msg:
        inputs = [] if x is None else (x if isinstance(x, list) else [x])
        expanded = [e for m in inputs for e in expand_tool_responses(m)]
        if self.memory is not None:
            self.memory.add(expanded)
            prompt = self.format_prompt()
        else:
            prompt = self.format_prompt(*expanded)
        schemas = self.toolkit.schemas()
        kwargs: dict[str, Any] = {"tools": schemas} if schemas else {}
        response = await self.call_model(prompt, **kwargs)
        if response.tool_calls:
            msg = make_tool_call_msg(self.name, response.tool_calls, response.text or "")
        else:
            msg = self.make_reply(response)
        if self.memory is not None:
            self.memory.add(msg)
        self.speak(msg if not response.tool_calls else Msg(
            self.name, (response.text + "\n" if response.text else "") + "; ".join(
                f"calls {c.name}({c.arguments})" for c in response.tool_calls)))
        return msg


def register_function(
    func: Callable[..., Any],
    *,
    caller: Any,
    executor: Any,
    name: str | None = None,
    description: str | None = None,
) -> Callable[..., Any]:
    """Let ``caller``'s model call ``func`` and ``executor`` run it (split tool use)."""
    for agent, method in ((caller, "register_for_llm"), (executor, "register_for_execution")):
        register: Any = getattr(agent, method, None)
        if register is None:
            raise UsageError(
                f"{agent!r} has no {method}(): use an AssistantAgent as caller and a "
                "UserProxyAgent as executor"
            )
        register(func, name=name, description=description)
    return func


__all__ = ["DEFAULT_ASSISTANT_PROMPT", "AssistantAgent", "expand_tool_responses",
           "register_function"]
