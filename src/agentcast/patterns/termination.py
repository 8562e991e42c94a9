"""Termination conditions for chats: small predicates over the chat's state that compose.

A chat checks its condition after every message; the first condition that holds gives the
reason the chat stopped (``ChatResult.stop_reason``). ``a | b`` stops when either holds,
``a & b`` when both do. Conditions that can fire while an agent is still thinking
(timeout, external stop) are also polled during the wait, so a stop is not delayed by a slow
reply.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agentcast.message import Msg


@dataclass
class ChatState:
    """What conditions look at: the messages so far, the usage so far, the start time."""

    messages: list[Msg] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    started: float = field(default_factory=time.monotonic)

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def last(self) -> Msg | None:
        return self.messages[-1] if self.messages else None


class TerminationCondition:
    """Base class: ``check(state)`` returns why the chat should stop, or None."""

    #: True when the condition may fire without a new message (polled while waiting).
    interrupts: bool = False

    def check(self, state: ChatState) -> str | None:  # pragma: no cover - overridden
        raise NotImplementedError

    def __call__(self, state: ChatState) -> str | None:
        return self.check(state)

    def reset(self) -> None:
        """Forget per-chat state (called when a chat starts)."""

    def __or__(self, other: TerminationCondition) -> TerminationCondition:
        return OrTermination(self, other)

    def __and__(self, other: TerminationCondition) -> TerminationCondition:
        return AndTermination(self, other)


class OrTermination(TerminationCondition):
    """Stops when any part holds (the first one's reason)."""

    def __init__(self, *parts: TerminationCondition) -> None:
        self.parts: list[TerminationCondition] = []
        for p in parts:
            self.parts.extend(p.parts if isinstance(p, OrTermination) else [p])
        self.interrupts = any(p.interrupts for p in self.parts)

    def check(self, state: ChatState) -> str | None:
        for part in self.parts:
            reason = part.check(state)
            if reason is not None:
                return reason
        return None

    def reset(self) -> None:
        for part in self.parts:
            part.reset()

    def __repr__(self) -> str:
        return " | ".join(repr(p) for p in self.parts)


class AndTermination(TerminationCondition):
    """Stops when every part holds (their reasons joined)."""

    def __init__(self, *parts: TerminationCondition) -> None:
        self.parts: list[TerminationCondition] = []
        for p in parts:
            self.parts.extend(p.parts if isinstance(p, AndTermination) else [p])
        self.interrupts = all(p.interrupts for p in self.parts)

    def check(self, state: ChatState) -> str | None:
        reasons = []
        for part in self.parts:
            reason = part.check(state)
            if reason is None:
                return None
            reasons.append(reason)
        return " and ".join(reasons)

    def reset(self) -> None:
        for part in self.parts:
            part.reset()

    def __repr__(self) -> str:
        return "(" + " & ".join(repr(p) for p in self.parts) + ")"


class MaxMessageTermination(TerminationCondition):
    """Stops once the chat holds ``max_messages`` messages (the opening message counts)."""

    def __init__(self, max_messages: int) -> None:
        if max_messages < 1:
            raise ValueError("max_messages must be >= 1")
        self.max_messages = max_messages

    def check(self, state: ChatState) -> str | None:
        if len(state.messages) >= self.max_messages:
            return f"reached {self.max_messages} messages"
        return None

    def __repr__(self) -> str:
        return f"MaxMessageTermination({self.max_messages})"


class TextMentionTermination(TerminationCondition):
    """Stops when the last message mentions ``text`` (optionally only from ``sources``)."""

    def __init__(self, text: str = "TERMINATE", sources: list[str] | None = None) -> None:
        self.text = text
        self.sources = set(sources) if sources else None

    def check(self, state: ChatState) -> str | None:
        last = state.last
        if last is None or (self.sources is not None and last.name not in self.sources):
            return None
        if self.text in content_text(last):
            return f"{last.name} said {self.text!r}"
        return None

    def __repr__(self) -> str:
        return f"TextMentionTermination({self.text!r})"


class TokenUsageTermination(TerminationCondition):
    """Stops once the chat's model calls used ``max_total_tokens`` tokens or more."""

    def __init__(self, max_total_tokens: int) -> None:
        self.max_total_tokens = max_total_tokens

    def check(self, state: ChatState) -> str | None:
        if state.total_tokens >= self.max_total_tokens:
            return f"token budget of {self.max_total_tokens} used ({state.total_tokens})"
        return None

    def __repr__(self) -> str:
        return f"TokenUsageTermination({self.max_total_tokens})"


class CostTermination(TerminationCondition):
    """Stops once the chat's model calls cost ``max_cost`` dollars or more."""

    def __init__(self, max_cost: float) -> None:
        self.max_cost = max_cost

    def check(self, state: ChatState) -> str | None:
        if state.cost >= self.max_cost:
            return f"dollar budget of ${self.max_cost} used (${state.cost:.6f})"
        return None

    def __repr__(self) -> str:
        return f"CostTermination({self.max_cost})"


class TimeoutTermination(TerminationCondition):
    """Stops once ``seconds`` of wall time have passed since the chat started."""

    interrupts = True

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def check(self, state: ChatState) -> str | None:
        if state.elapsed >= self.seconds:
            return f"timed out after {self.seconds} s"
        return None

    def __repr__(self) -> str:
        return f"TimeoutTermination({self.seconds})"


class ExternalTermination(TerminationCondition):
    """A stop handle: call ``set()`` from anywhere (another thread, a UI) to end the chat."""

    interrupts = True

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason = "stopped from outside"

    def set(self, reason: str | None = None) -> None:
        if reason:
            self.reason = reason
        self._event.set()

    stop = set

    def is_set(self) -> bool:
        return self._event.is_set()

    def check(self, state: ChatState) -> str | None:
        return self.reason if self._event.is_set() else None

    def reset(self) -> None:
        """Left set on purpose: a stop requested before the chat starts still holds."""

    def clear(self) -> None:
        self._event.clear()

    def __repr__(self) -> str:
        return f"ExternalTermination(set={self.is_set()})"


class FunctionTermination(TerminationCondition):
    """Stops when ``fn(last_message)`` is true (how ``is_termination_msg`` plugs in)."""

    def __init__(self, fn: Callable[[Msg], Any], reason: str = "termination message") -> None:
        self.fn = fn
        self.reason = reason

    def check(self, state: ChatState) -> str | None:
        last = state.last
        return self.reason if last is not None and self.fn(last) else None


def content_text(msg: Msg | None) -> str:
    """A message's content as text, for mention checks and prompts."""
    if msg is None:
        return ""
    content = msg.content
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    import json

    return json.dumps(content, ensure_ascii=False, default=str)


def combine(*conditions: TerminationCondition | None) -> TerminationCondition | None:
    """OR together the conditions that are given."""
    given = [c for c in conditions if c is not None]
    if not given:
        return None
    return given[0] if len(given) == 1 else OrTermination(*given)


__all__ = [
    "AndTermination", "ChatState", "CostTermination", "ExternalTermination",
    "FunctionTermination", "MaxMessageTermination", "OrTermination", "TerminationCondition",
    "TextMentionTermination", "TimeoutTermination", "TokenUsageTermination", "combine",
    "content_text",
]
