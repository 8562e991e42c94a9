"""What every chat pattern needs: a per-chat record, interruptible waits, asking a human.

A ``ChatRun`` is one chat's state: its messages, the termination condition, and a
``MonitorScope`` over its participants (so its usage is a window on the monitor's count,
never a second counter), plus the safety cap on messages.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from agentcast.exceptions import AgentCallError, BudgetExceeded
from agentcast.message import Msg
from agentcast.observe.monitor import MonitorScope
from agentcast.patterns.termination import ChatState, TerminationCondition

POLL_SECONDS = 0.05
CHAT_MESSAGE_LIMIT = 1000  # a chat with no max_turns/max_round still stops here
log = logging.getLogger("agentcast.patterns")


@dataclass
class Interrupted:
    """A wait ended because a termination condition fired, not because the reply came."""

    reason: str


@dataclass
class ChatRun:
    """One chat in progress: what was said, why it stopped, what it used."""

    scope: MonitorScope
    condition: TerminationCondition | None = None
    limit: int = CHAT_MESSAGE_LIMIT
    state: ChatState = field(default_factory=ChatState)
    stop_reason: str = ""

    @property
    def stopped(self) -> bool:
        return bool(self.stop_reason)

    def stop(self, reason: str) -> None:
        if not self.stop_reason:
            self.stop_reason = reason

    def sync_usage(self) -> None:
        """Copy the scope's counts into the state termination conditions read."""
        total = self.scope.total
        self.state.prompt_tokens = total.prompt_tokens
        self.state.completion_tokens = total.completion_tokens
        self.state.cost = float(total.cost)

    def check(self) -> bool:
        """False (and the reason kept) when the chat must stop now."""
        if self.stopped:
            return False
        self.sync_usage()
        reason = self.condition.check(self.state) if self.condition is not None else None
        if reason is not None:
            self.stop(reason)
            return False
        if len(self.state.messages) >= self.limit:
            log.warning("chat stopped at the safety cap of %d messages", self.limit)
            self.stop(f"reached the safety cap of {self.limit} messages (pass max_turns to "
                      "bound the chat on purpose)")
            return False
        return True

    def add(self, msg: Msg) -> bool:
        """Record a message of the chat; False when the chat must stop after it."""
        self.state.messages.append(msg)
        return self.check()

    async def wait(self, awaitable: Awaitable[Any]) -> Any:
        """The awaited reply; polls interrupting conditions meanwhile (timeout, external
        stop); a refused budget ends the chat instead of raising."""
        try:
            return await self._wait(awaitable)
        except AgentCallError as exc:
            if not isinstance(exc.original, BudgetExceeded):
                raise
            self.stop(f"budget exceeded: {exc.original}")
        except BudgetExceeded as exc:
            self.stop(f"budget exceeded: {exc}")
        return Interrupted(self.stop_reason)

    async def _wait(self, awaitable: Awaitable[Any]) -> Any:
        condition = self.condition
        if condition is None or not condition.interrupts:
            return await awaitable
        task = asyncio.ensure_future(awaitable)
        while True:
            done, _ = await asyncio.wait({task}, timeout=POLL_SECONDS)
            if done:
                return task.result()
            self.sync_usage()
            reason = condition.check(self.state)
            if reason is not None:
                task.cancel()
                self.stop(reason)
                return Interrupted(reason)


# The chat being run in this task (a group chat manager adds its members' messages to it).
current_chat: contextvars.ContextVar[ChatRun | None] = contextvars.ContextVar(
    "agentcast_chat", default=None)


def call_flexibly(fn: Callable[..., Any], *args: Any) -> Any:
    """Call ``fn`` with as many of ``args`` as it takes (1..n), for user callbacks."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return fn(*args)
    if any(p.kind == p.VAR_POSITIONAL for p in params):
        return fn(*args)
    n = sum(1 for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))
    return fn(*args[-n:]) if n else fn()


def ask_human(prompt: str, input_func: Callable[[str], Any] | None = None,
              agent: Any = None, x: Any = None) -> str:
    """Ask a person: ``input_func`` if given, else the process-wide input provider (the
    studio answers through it) on behalf of ``agent``, else the terminal. End of input
    (EOF, or a scripted input_func raising StopIteration) counts as ``exit``."""
    from agentcast.agents.user import input_provider

    provider = input_provider()
    if input_func is None and provider is not None and agent is not None:
        got = provider(agent, x, prompt)
        text = got[0] if isinstance(got, tuple) else got
        return str(text).strip()
    read = input_func or input
    try:
        return str(read(prompt)).strip()
    except (EOFError, StopIteration):  # the input ran out (a closed terminal, a used-up script)
        return "exit"


__all__ = ["CHAT_MESSAGE_LIMIT", "ChatRun", "Interrupted", "ask_human", "call_flexibly",
           "current_chat"]
