"""The ChatModel protocol every model (scripted or provider) implements.

One code path for streaming and non-streaming: a model implements ``_stream`` (an async
iterator of chunks); ``__call__`` drains it, optionally handing each chunk to ``on_chunk``
(that is how ``speak`` prints tokens live). Providers that cannot stream yield one chunk.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from agentcast import hooks
from agentcast.message import Msg


@dataclass(slots=True)
class Usage:
    """Token counts of one call."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

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


@dataclass
class ModelResponse:
    """What a model call returns."""

    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    parsed: Any = None
    usage: Usage = field(default_factory=Usage)
    model: str = ""
    latency: float = 0.0
    retries: int = 0
    raw: Any = None


ChunkCallback = Callable[[ModelChunk], Any]


@runtime_checkable
class ChatModel(Protocol):
    """What agents need from a model."""

    config_name: str
    model_name: str

    async def __call__(
        self,
        messages: Sequence[Msg],
        *,
        tools: list[dict[str, Any]] | None = None,
        on_chunk: ChunkCallback | None = None,
        **kwargs: Any,
    ) -> ModelResponse: ...

    def stream(
        self, messages: Sequence[Msg], *, tools: list[dict[str, Any]] | None = None, **kwargs: Any
    ) -> AsyncIterator[ModelChunk]: ...


class ChatModelBase:
    """Shared machinery: drain the stream, time it, report usage, run budget guards.

    Subclasses implement ``_stream``. Retries, repair and structured output layer on top of
    this in the fault-tolerance modules; this class keeps only what every call needs.
    """

    model_type: str = "base"

    def __init__(self, config_name: str = "", model_name: str = "", **kwargs: Any) -> None:
        self.config_name = config_name or model_name or type(self).__name__
        self.model_name = model_name or self.config_name
        self.generate_args: dict[str, Any] = dict(kwargs.pop("generate_args", None) or {})

    def _stream(
        self, messages: Sequence[Msg], *, tools: list[dict[str, Any]] | None, **kwargs: Any
    ) -> AsyncIterator[ModelChunk]:
        raise NotImplementedError

    def stream(
        self, messages: Sequence[Msg], *, tools: list[dict[str, Any]] | None = None, **kwargs: Any
    ) -> AsyncIterator[ModelChunk]:
        return self._stream(messages, tools=tools, **{**self.generate_args, **kwargs})

    async def __call__(
        self,
        messages: Sequence[Msg],
        *,
        tools: list[dict[str, Any]] | None = None,
        on_chunk: ChunkCallback | None = None,
        agent: str | None = None,
        **kwargs: Any,
    ) -> ModelResponse:
        if hooks.guards:
            hooks.check_guards(
                {"model": self.model_name, "config_name": self.config_name, "agent": agent,
                 "messages": messages}
            )
        started = time.perf_counter()
        error: BaseException | None = None
        response = ModelResponse(model=self.model_name)
        try:
            response = await self._drain(messages, tools=tools, on_chunk=on_chunk, **kwargs)
            return response
        except BaseException as exc:
            error = exc
            raise
        finally:
            response.latency = time.perf_counter() - started
            if hooks.listeners:
                hooks.emit(
                    "model_call",
                    {"model": self.model_name, "config_name": self.config_name, "agent": agent,
                     "usage": response.usage, "latency": response.latency,
                     "retries": response.retries, "error": error, "messages": list(messages),
                     "response": response},
                )

    async def _drain(
        self,
        messages: Sequence[Msg],
        *,
        tools: list[dict[str, Any]] | None,
        on_chunk: ChunkCallback | None,
        **kwargs: Any,
    ) -> ModelResponse:
        parts: list[str] = []
        calls: list[ToolCall] = []
        usage = Usage()
        raw: list[Any] = []
        async for chunk in self.stream(messages, tools=tools, **kwargs):
            if chunk.delta:
                parts.append(chunk.delta)
            if chunk.tool_calls:
                calls.extend(chunk.tool_calls)
            if chunk.usage is not None:
                usage = chunk.usage
            if chunk.raw is not None:
                raw.append(chunk.raw)
            if on_chunk is not None:
                on_chunk(chunk)
        return ModelResponse(
            text="".join(parts), tool_calls=calls, usage=usage, model=self.model_name,
            raw=raw[0] if len(raw) == 1 else raw or None,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config_name!r})"
