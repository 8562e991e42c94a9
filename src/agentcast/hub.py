"""MsgHub: a group in which every participant's reply reaches every other participant.

Delivery happens when a participant is *called*: the caller gets a placeholder and every
other participant gets ``observe(placeholder)`` in its mailbox right then, so mailbox order
is call order and a later speaker has always seen the earlier ones. Hubs may nest; an agent
in several hubs gets each message once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any

from agentcast import hooks
from agentcast.message import Msg
from agentcast.runtime.actor import OBSERVE, Actor
from agentcast.runtime.scheduler import get_runtime


class MsgHub:
    """Use as ``with msghub([a, b, c], announcement=m) as hub:`` (or ``async with``)."""

    def __init__(
        self,
        participants: Sequence[Actor],
        announcement: Msg | Sequence[Msg] | None = None,
    ) -> None:
        self.participants: list[Actor] = []
        self._ids: set[int] = set()
        self.announcement = announcement
        self._active = False
        self._initial = list(participants)

    # --- lifecycle ----------------------------------------------------------------------
    def __enter__(self) -> MsgHub:
        if hooks.durable is not None and self.announcement is not None:
            hooks.durable.send("announce", "hub", self.announcement)
        get_runtime().submit(self._open)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        get_runtime().submit(self._close)

    async def __aenter__(self) -> MsgHub:
        return self.__enter__()

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self.__exit__(exc_type, exc, tb)

    def _open(self) -> None:
        self._active = True
        self._join(self._initial)

    def _close(self) -> None:
        for agent in self.participants:
            agent._hubs = tuple(h for h in agent._hubs if h is not self)
        self.participants = []
        self._ids = set()
        self._active = False

    def _join(self, agents: Iterable[Actor]) -> None:
        ids = self._ids
        for agent in agents:
            if id(agent) in ids:
                continue
            ids.add(id(agent))
            self.participants.append(agent)
            agent._hubs = (*agent._hubs, self)
            if self.announcement is not None:
                agent.enqueue(OBSERVE, self.announcement, None)

    # --- membership and broadcast ---------------------------------------------------
    def add(self, new_participant: Actor | Sequence[Actor]) -> None:
        """Add agents; each observes the announcement once on entry."""
        agents = [new_participant] if isinstance(new_participant, Actor) else list(new_participant)
        get_runtime().submit(self._join, agents)

    def delete(self, participant: Actor | Sequence[Actor]) -> None:
        """Remove agents; they see nothing said in the hub from now on."""
        agents = [participant] if isinstance(participant, Actor) else list(participant)
        get_runtime().submit(self._leave, agents)

    def _leave(self, agents: list[Actor]) -> None:
        leaving = {id(a) for a in agents} & self._ids
        if not leaving:
            return
        self._ids -= leaving
        self.participants = [a for a in self.participants if id(a) not in leaving]
        for agent in agents:
            if id(agent) in leaving:
                agent._hubs = tuple(h for h in agent._hubs if h is not self)

    def broadcast(self, msg: Msg | Sequence[Msg]) -> None:
        """Every participant observes ``msg`` (after whatever is already in its mailbox)."""
        if hooks.durable is not None:
            hooks.durable.send("broadcast", "hub", msg)
        get_runtime().submit(self._broadcast, msg)

    def _broadcast(self, msg: Any) -> None:
        for agent in self.participants:
            agent.enqueue(OBSERVE, msg, None)

    def __repr__(self) -> str:
        return f"MsgHub({[a.name for a in self.participants]})"


def msghub(
    participants: Sequence[Actor], announcement: Msg | Sequence[Msg] | None = None
) -> MsgHub:
    """A MsgHub over ``participants``; each observes ``announcement`` once on entry."""
    return MsgHub(participants, announcement)


__all__ = ["MsgHub", "msghub"]
