"""Nested chats: a whole chat (or a sequence of chats) run as one agent's reply.

To the outside the agent is an ordinary actor: it is called with a message and replies with
one. Inside, it runs chats with other agents (a writer consulting a critic, a planner
handing work to a group) and replies with the last chat's summary; each later chat gets the
earlier summaries as context ("carryover"), as in AutoGen's nested chats.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from agentcast.agents.base import Agent
from agentcast.exceptions import UsageError
from agentcast.message import Msg
from agentcast.patterns._support import call_flexibly
from agentcast.patterns.chat import ChatResult, a_run_chat
from agentcast.patterns.messages import content_str

NESTED_DEFAULT_MAX_TURNS = 1
_CHAT_KEYS = frozenset({"recipient", "sender", "message", "max_turns", "summary_method",
                        "summary_args", "termination"})


class ChatAgent(Agent):
    """An agent whose reply is ``await chat(x)``: a ChatResult (its summary is said), a Msg
    or text. The last ChatResult is kept in ``last_result``."""

    def __init__(self, name: str, chat: Callable[[Any], Awaitable[Any]], **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.chat = chat
        self.last_result: ChatResult | None = None

    async def reply(self, x: Msg | list[Msg] | None = None) -> Msg:
        if self.memory is not None:
            self.memory.add(x)
        value = await self.chat(x)
        if isinstance(value, ChatResult):
            self.last_result = value
            out = Msg(self.name, value.summary, role="assistant",
                      metadata={"stop_reason": value.stop_reason})
        elif isinstance(value, Msg):
            out = Msg(self.name, value.content, role="assistant", url=value.url)
        else:
            out = Msg(self.name, "" if value is None else value, role="assistant")
        if self.memory is not None:
            self.memory.add(out)
        self.speak(out)
        return out


class NestedChatAgent(ChatAgent):
    """Replies by running ``chats`` in order; says the last chat's summary.

    Each chat is a dict: ``recipient`` (required), ``sender`` (default: an internal
    never-asking conversable agent with this agent's name and no model), ``message`` (text,
    or a callable ``(incoming, carryover) -> text``; default: the incoming message's text,
    with the earlier summaries as context), ``max_turns`` (default 1), ``summary_method``,
    ``summary_args``, ``termination``.
    """

    def __init__(self, name: str, chats: Sequence[Mapping[str, Any]], **kwargs: Any) -> None:
        if not chats:
            raise UsageError("NestedChatAgent needs at least one chat")
        for i, spec in enumerate(chats):
            if "recipient" not in spec:
                raise UsageError(f"nested chat #{i} has no 'recipient'")
            unknown = set(spec) - _CHAT_KEYS
            if unknown:
                raise UsageError(f"nested chat #{i}: unknown keys {sorted(unknown)}")
        super().__init__(name, self._run, **kwargs)
        self.chats = [dict(c) for c in chats]
        self.results: list[ChatResult] = []
        self._proxy: Any = None

    def _sender(self) -> Any:
        if self._proxy is None:
            from agentcast.patterns.conversable import ConversableAgent

            self._proxy = ConversableAgent(self.name, None, human_input_mode="NEVER",
                                           llm_config=False, verbose=self.verbose)
        return self._proxy

    async def _run(self, x: Any) -> ChatResult:
        incoming = x[-1] if isinstance(x, list) and x else x
        carryover: list[str] = []
        self.results = []
        result = ChatResult()
        for spec in self.chats:
            message = spec.get("message")
            context: dict[str, Any] = {}
            if callable(message):
                message = call_flexibly(message, incoming, list(carryover))
                if asyncio.iscoroutine(message):
                    message = await message
            elif message is None:
                message = content_str(incoming)
                context["carryover"] = list(carryover)
            result = await a_run_chat(
                spec.get("sender") or self._sender(), spec["recipient"], message,
                max_turns=spec.get("max_turns", NESTED_DEFAULT_MAX_TURNS),
                termination=spec.get("termination"),
                summary_method=spec.get("summary_method", "last_msg"),
                summary_args=spec.get("summary_args"), context=context)
            self.results.append(result)
            carryover.append(result.summary)
        return result


__all__ = ["ChatAgent", "NestedChatAgent"]
