"""The Conversable protocol: everything a chat pattern needs from a participant.

Two-agent chats, group chats, nested chats and chat sequences talk to their participants
only through these methods, never by probing attributes. A ``ConversableAgent`` implements
them; ``as_conversable(agent)`` adapts any other Agent (a DialogAgent, a ReActAgent, your
own), whose memory then holds its side of the conversation and whose ``reply`` answers.

The exchange in one picture: ``sender.record_sent(m, recipient)`` (the sender's hooks run,
its history grows), ``recipient.record_received(m, sender)``; if
``recipient.wants_reply(sender, request_reply)``, ``await recipient.a_generate_reply(
sender=sender)`` gives the next message, or None to stop.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from agentcast.agents.base import Agent
from agentcast.message import Msg
from agentcast.models.base import ChatModel
from agentcast.patterns.messages import MessageLike, to_msg, with_carryover, with_role
from agentcast.patterns.usage import agent_usage_summary


@runtime_checkable
class Conversable(Protocol):
    """A participant in AutoGen-style conversations."""

    name: str

    @property
    def description(self) -> str:
        """What others (speaker selection, introductions) read about this participant."""
        ...

    @property
    def chat_messages(self) -> Mapping[Any, list[Msg]]:
        """This participant's history with each peer, in order."""
        ...

    @property
    def human_input(self) -> list[str]:
        """What people typed for this participant since its last chat began."""
        ...

    def prepare_chat(self, peer: Conversable, clear_history: bool,
                     reply_at_receive: bool = True) -> None:
        """Get ready for a chat with ``peer`` (counters reset, history cleared if asked)."""
        ...

    def record_sent(self, message: MessageLike, recipient: Conversable,
                    silent: bool = False) -> Msg:
        """Turn ``message`` into the Msg this participant sends (hooks run) and keep it."""
        ...

    def record_received(self, message: Msg, sender: Conversable, silent: bool = False) -> None:
        """Keep a message from ``sender`` in the history with it."""
        ...

    def wants_reply(self, sender: Conversable, request_reply: bool | None) -> bool:
        """Whether to answer ``sender`` now (``None``: as set up for this chat)."""
        ...

    async def a_generate_reply(self, messages: list[Msg] | None = None,
                               sender: Conversable | None = None) -> Any:
        """The next message to ``sender`` (a str, dict or Msg), or None to end the chat."""
        ...

    def can_execute_function(self, name: str | list[str]) -> bool:
        """Whether this participant can run all the named tools."""
        ...

    def summary_model(self) -> ChatModel | None:
        """The model that may summarise a chat this participant took part in, if any."""
        ...

    def last_message(self, peer: Conversable | None = None) -> Msg | None:
        """The last message exchanged with ``peer``."""
        ...

    def chat_messages_for_summary(self, peer: Conversable) -> list[Msg]:
        """The conversation a reflection summary of a chat with ``peer`` reads."""
        ...

    async def a_generate_init_message(self, message: MessageLike | None,
                                      context: dict[str, Any]) -> MessageLike | None:
        """The opening message of a chat (``None``: this participant decides what to say)."""
        ...

    def usage_names(self) -> list[str]:
        """The agents whose model calls count towards chats with this participant."""
        ...

    def get_total_usage(self) -> dict[str, Any] | None:
        """Usage by model since creation (or the last reset), AutoGen's shape; None if none."""
        ...

    def nested_groupchat(self) -> Any:
        """The GroupChat this participant runs (a manager), else None."""
        ...

    def end_chat(self) -> None:
        """The chat is over: deliver whatever this participant has not taken in yet."""
        ...

    def ended_because(self) -> str:
        """Why this participant's last answer was None (it ended a chat)."""
        ...


class AgentParticipant:
    """Adapts a plain Agent to the protocol. Messages it receives wait until it is asked to
    answer; then it is called with them (``await agent(x)``: the last one, or the list when
    several came), as a pipeline calls it. Messages it is never asked to answer reach it
    through ``observe`` when the chat ends, so its memory holds the whole conversation."""

    def __init__(self, agent: Agent) -> None:
        self.agent = agent
        self.name = agent.name
        self._history: defaultdict[Any, list[Msg]] = defaultdict(list)
        self._reply_at_receive: dict[Any, bool] = {}
        self._own: Msg | None = None
        self._unseen: list[Msg] = []
        self._human_input: list[str] = []

    def __eq__(self, other: object) -> bool:
        if isinstance(other, AgentParticipant):
            return other.agent is self.agent
        return other is self.agent

    def __hash__(self) -> int:
        return hash(self.agent)

    def __repr__(self) -> str:
        return f"as_conversable({self.agent!r})"

    @property
    def description(self) -> str:
        return self.agent.description

    @property
    def chat_messages(self) -> Mapping[Any, list[Msg]]:
        return self._history

    @property
    def human_input(self) -> list[str]:
        return self._human_input

    def prepare_chat(self, peer: Conversable, clear_history: bool,
                     reply_at_receive: bool = True) -> None:
        self._reply_at_receive[peer] = reply_at_receive
        if clear_history:
            self._history.pop(peer, None)

    def record_sent(self, message: MessageLike, recipient: Conversable,
                    silent: bool = False) -> Msg:
        msg = to_msg(message, self.name)
        if msg is not self._own:  # its own reply is in its memory already
            self.agent.observe(msg)
            if not silent:
                self.agent.speak(msg)
        self._history[recipient].append(with_role(msg, "assistant"))
        return msg

    def record_received(self, message: Msg, sender: Conversable, silent: bool = False) -> None:
        self._unseen.append(message)
        self._history[sender].append(with_role(message, "user"))

    def ended_because(self) -> str:
        return f"{self.name} ended the chat"

    def end_chat(self) -> None:
        if self._unseen:
            unseen, self._unseen = self._unseen, []
            self.agent.observe(unseen)

    def wants_reply(self, sender: Conversable, request_reply: bool | None) -> bool:
        if request_reply is not None:
            return request_reply
        return self._reply_at_receive.get(sender, False)

    async def a_generate_reply(self, messages: list[Msg] | None = None,
                               sender: Conversable | None = None) -> Any:
        unseen, self._unseen = self._unseen, []
        x: Msg | list[Msg] | None = unseen[-1] if len(unseen) == 1 else (unseen or None)
        reply = await self.agent(x)
        self._own = reply
        return reply

    def can_execute_function(self, name: str | list[str]) -> bool:
        return False

    def summary_model(self) -> ChatModel | None:
        return self.agent.model if self.agent.has_model() else None

    async def a_generate_init_message(self, message: MessageLike | None,
                                      context: dict[str, Any]) -> MessageLike | None:
        if message is None:
            return await self.a_generate_reply()
        return with_carryover(message, context)

    def usage_names(self) -> list[str]:
        return [self.name]

    def get_total_usage(self) -> dict[str, Any] | None:
        return agent_usage_summary(self.name)

    def nested_groupchat(self) -> Any:
        return None

    def chat_messages_for_summary(self, peer: Conversable) -> list[Msg]:
        return list(self._history.get(peer, []))

    def last_message(self, peer: Conversable | None = None) -> Msg | None:
        if peer is None:
            histories = [h for h in self._history.values() if h]
            return histories[-1][-1] if len(histories) == 1 else None
        history = self._history.get(peer)
        return history[-1] if history else None


_adapters: weakref.WeakKeyDictionary[Agent, AgentParticipant] = weakref.WeakKeyDictionary()


_conversable_types: set[type] = set()
_plain_types: set[type] = set()


def as_conversable(agent: Any) -> Conversable:
    """``agent`` itself when it is Conversable, else its (one, cached) adapter."""
    kind = type(agent)
    if kind in _conversable_types:  # the protocol check inspects every member: do it once
        return agent  # type: ignore[no-any-return]
    if kind not in _plain_types:
        if isinstance(agent, Conversable):
            _conversable_types.add(kind)
            return agent
        _plain_types.add(kind)
    if not isinstance(agent, Agent):
        raise TypeError(f"{agent!r} is not an agent: chats take Agents or Conversables")
    adapter = _adapters.get(agent)
    if adapter is None:
        adapter = _adapters[agent] = AgentParticipant(agent)
    return adapter


__all__ = ["AgentParticipant", "Conversable", "as_conversable"]
