"""The values a model call produces: token usage, tool calls, stream chunks, responses.

A module of its own that imports nothing from agentcast, so that any layer (formatters,
providers, test doubles, observers) can use the types without pulling in the call path.
``agentcast.models.base`` re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Usage:
    """Token counts of one call. ``estimated``: the server reported none (or not all), so
    they were estimated at about 4 characters a token; show them as estimates."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated: bool = False

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(slots=True)
class ToolCall:
    """A function call the model asked for. ``arguments`` is parsed JSON when it parsed."""

    id: str
    name: str
    arguments: dict[str, Any] | str


@dataclass(slots=True)
class ModelChunk:
    """One piece of a streamed answer."""

    delta: str = ""
    tool_calls: list[ToolCall] | None = None  # complete calls, when the provider has them
    usage: Usage | None = None
    raw: Any = None
    # A retried stream (or a fallback model) is starting over with different text: a live
    # printer should mark what it showed as abandoned. See models/retry.py.
    reset: bool = False
    finish_reason: str | None = None  # "stop", "length", "tool_calls", ... when known


@dataclass
class ModelResponse:
    """What a model call returns."""

    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    parsed: Any = None
    usage: Usage = field(default_factory=Usage)
    model: str = ""
    latency: float = 0.0
    retries: int = 0  # transport retries (accessibility errors) behind this response
    reasks: int = 0  # times the model was asked again after an unusable reply
    raw: Any = None
    finish_reason: str | None = None  # "length": cut at max_tokens (a warning was logged)


__all__ = ["ModelChunk", "ModelResponse", "ToolCall", "Usage"]
