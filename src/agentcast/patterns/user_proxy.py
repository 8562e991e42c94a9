"""UserProxyAgent: a human's stand-in that auto-replies by running code and tools.

Human input modes (AutoGen's): ``ALWAYS`` asks the person every turn (enter = auto-reply,
``exit`` ends the chat); ``TERMINATE`` asks only when a termination message arrives or the
auto-reply cap is reached (enter or ``exit`` then ends it); ``NEVER`` never asks and ends the
chat at a termination message or the cap. ``max_consecutive_auto_reply`` is that cap; it
resets whenever the person answers, so no mode can loop forever.

The person is asked through UserAgent's input mechanism (``input_func`` or the process-wide
``set_input_provider``), so the terminal, a test script or the studio can answer. Asking
runs in a worker thread: other agents keep going while a person types.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, Literal

from agentcast.agents.user import UserAgent
from agentcast.exceptions import UsageError
from agentcast.message import Msg
from agentcast.models.base import ToolCall
from agentcast.models.formatters.common import tool_calls_of
from agentcast.patterns._support import ask_human_async, last_message
from agentcast.patterns.assistant import TOOL_RESPONSES
from agentcast.patterns.code import CodeExecutor
from agentcast.patterns.termination import content_text
from agentcast.tools.toolkit import Toolkit

HumanInputMode = Literal["ALWAYS", "TERMINATE", "NEVER"]
MODES = ("ALWAYS", "TERMINATE", "NEVER")
DEFAULT_MAX_AUTO_REPLY = 10


def default_is_termination_msg(msg: Msg) -> bool:
    """AutoGen's convention: a message ending with TERMINATE."""
    return content_text(msg).rstrip().endswith("TERMINATE")


class UserProxyAgent(UserAgent):
    """Stands in for a person: asks them per ``human_input_mode``, else auto-replies.

    An auto-reply runs the tool calls of the incoming message (functions registered with
    ``register_for_execution``), else its code blocks (when ``code_execution`` is on: True,
    or a ``CodeExecutor``), else says ``default_auto_reply``. Replying None ends the chat.
    """

    def __init__(
        self,
        name: str = "user_proxy",
        *,
        human_input_mode: HumanInputMode = "ALWAYS",
        max_consecutive_auto_reply: int = DEFAULT_MAX_AUTO_REPLY,
        is_termination_msg: Callable[[Msg], Any] | None = None,
        code_execution: bool | CodeExecutor = False,
        toolkit: Toolkit | None = None,
        function_map: dict[str, Callable[..., Any]] | None = None,
        default_auto_reply: str = "",
        input_func: Callable[[str], Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name, input_func=input_func, **kwargs)
        if human_input_mode not in MODES:
            raise UsageError(f"human_input_mode must be one of {MODES}, got {human_input_mode!r}")
        if max_consecutive_auto_reply < 0:
            raise UsageError("max_consecutive_auto_reply must be >= 0")
        self.human_input_mode: HumanInputMode = human_input_mode
        self.max_consecutive_auto_reply = max_consecutive_auto_reply
        self.is_termination_msg = is_termination_msg or default_is_termination_msg
        self.code_executor: CodeExecutor | None = (
            code_execution if isinstance(code_execution, CodeExecutor)
            else CodeExecutor() if code_execution else None
        )
        self.toolkit = toolkit if toolkit is not None else Toolkit()
        for fname, func in (function_map or {}).items():
            self.toolkit.add_tool(func, name=fname)
        self.default_auto_reply = default_auto_reply
        self.consecutive_auto_replies = 0
        self.human_inputs: list[str] = []

    # --- registration -------------------------------------------------------------------
    def register_for_execution(self, func: Callable[..., Any], *, name: str | None = None,
                               description: str | None = None) -> Callable[..., Any]:
        """Run ``func`` when a tool call for it arrives."""
        self.toolkit.add_tool(func, name=name, description=description)
        return func

    def reset_consecutive_auto_reply_counter(self) -> None:
        self.consecutive_auto_replies = 0

    # --- replying -----------------------------------------------------------------------
    def _incoming(self, x: Msg | list[Msg] | None) -> Msg | None:
        msg = last_message(x)
        if msg is None and self.memory is not None:  # in a hub: reply to what was said last
            for m in reversed(self.memory.get()):
                if m.name != self.name:
                    return m
        return msg

    async def reply(self, x: Msg | list[Msg] | None = None) -> Msg | None:  # type: ignore[override]
        if self.memory is not None:
            self.memory.add(x)
        incoming = self._incoming(x)
        flagged = incoming is not None and bool(incoming.metadata.get("termination"))
        terminating = flagged or (incoming is not None and bool(self.is_termination_msg(incoming)))
        at_cap = self.consecutive_auto_replies >= self.max_consecutive_auto_reply
        mode = self.human_input_mode
        if mode == "ALWAYS" or (mode == "TERMINATE" and (terminating or at_cap)):
            prompt = self._prompt_for(incoming, mode, terminating or at_cap)
            text = await ask_human_async(self, x, prompt)
            self.human_inputs.append(text)
            if text.lower() in ("exit", "quit"):
                return None
            if text:
                self.consecutive_auto_replies = 0
                return self._say(text)
            if mode == "TERMINATE" or terminating or at_cap:
                return None  # enter at the end means: stop here
        elif terminating or at_cap:
            return None
        self.consecutive_auto_replies += 1
        out = await self.auto_reply(incoming)
        return self._say(out.content, out.metadata) if out is not None else \
            self._say(self.default_auto_reply)

    def _prompt_for(self, incoming: Msg | None, mode: str, ending: bool) -> str:
        who = incoming.name if incoming is not None else "the chat"
        if ending or mode == "TERMINATE":
            return f"Please give feedback to {who}. Press enter or type 'exit' to stop the " \
                   "conversation: "
        return f"Provide feedback to {who}. Press enter to skip and use auto-reply, or type " \
               "'exit' to end the conversation: "

    def _say(self, content: Any, metadata: dict[str, Any] | None = None) -> Msg:
        msg = Msg(self.name, content, role="user", metadata=metadata or None)
        if self.memory is not None:
            self.memory.add(msg)
        self.speak(msg)
        return msg

    async def auto_reply(self, incoming: Msg | None) -> Msg | None:
        """Run the incoming tool calls or code blocks; None when there is nothing to run."""
        if incoming is None:
            return None
        calls = tool_calls_of(incoming)
        if calls:
            return await self.execute_tool_calls(calls)
        if self.code_executor is not None:
            result = await self.code_executor.execute_message(incoming)
            if result is not None:
                return Msg(self.name, result.text(), role="user",
                           metadata={"exit_code": result.exit_code})
        return None

    async def execute_tool_calls(self, calls: Sequence[dict[str, Any]]) -> Msg:
        """Run the calls (errors become results the model can read) and report each."""
        tool_calls = [ToolCall(c["id"], c["name"], c["arguments"]) for c in calls]
        results = await self.toolkit.call_many(tool_calls, agent=self.name)
        responses = [{"id": c.id, "name": c.name, "content": r.text(), "is_error": not r.ok}
                     for c, r in zip(tool_calls, results, strict=True)]
        text = "\n".join(
            f"Response from calling tool {c.name}({json.dumps(c.arguments, default=str)}): "
            f"{r['content']}" for c, r in zip(tool_calls, responses, strict=True)
        )
        return Msg(self.name, text, role="user", metadata={TOOL_RESPONSES: responses})


__all__ = ["DEFAULT_MAX_AUTO_REPLY", "HumanInputMode", "UserProxyAgent",
           "default_is_termination_msg"]
