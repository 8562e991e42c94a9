"""Scripted and function-backed models: deterministic stand-ins for real LLMs."""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Any

from agentcast.message import Msg
from agentcast.models.base import ChatModelBase, ModelChunk, ModelResponse, ToolCall, Usage

Reply = Any  # str | dict | ModelResponse | BaseException


def _as_response(item: Any, model_name: str) -> ModelResponse:
    if isinstance(item, ModelResponse):
        return item
    if isinstance(item, str):
        return ModelResponse(text=item, model=model_name)
    if isinstance(item, dict):
        calls = [
            c if isinstance(c, ToolCall) else ToolCall(
                id=str(c.get("id", f"call_{i}")), name=c["name"], arguments=c.get("arguments", {})
            )
            for i, c in enumerate(item.get("tool_calls", []))
        ]
        usage = item.get("usage")
        return ModelResponse(
            text=item.get("text", ""),
            tool_calls=calls,
            parsed=item.get("parsed"),
            usage=usage if isinstance(usage, Usage) else Usage(**usage) if usage else Usage(),
            model=model_name,
        )
    raise TypeError(f"cannot turn {type(item).__name__} into a model response")


def _count_tokens(text: str) -> int:
    return max(1, len(text) // 4) if text else 0


class _FakeModel(ChatModelBase):
    """Shared behaviour: latency, chunking, call records, approximate usage."""

    def __init__(
        self,
        config_name: str = "",
        model_name: str = "",
        *,
        latency: float = 0.0,
        chunk_size: int = 0,
        record_calls: int | None = 10_000,
        **kwargs: Any,
    ) -> None:
        # Instant stand-ins need no per-attempt watchdog (it costs µs on the hot path);
        # pass retry={...} to test timeouts against a fake.
        if "retry" not in kwargs and "timeout" not in kwargs:
            kwargs["retry"] = {"timeout": None, "deadline": None}
        super().__init__(config_name, model_name or config_name or self.model_type, **kwargs)
        self.latency = latency
        self.chunk_size = chunk_size
        # Every call in any test-sized run; in a long simulation at least the last
        # ``record_calls`` (older ones are dropped in halves), so memory stays bounded.
        self.calls: list[dict[str, Any]] = []
        self.record_calls = record_calls
        self.call_count = 0

    def _next(self, messages: Sequence[Msg], tools: Any, kwargs: dict[str, Any]) -> Any:
        raise NotImplementedError

    async def _complete(
        self, messages: Sequence[Msg], *, tools: list[dict[str, Any]] | None, **kwargs: Any
    ) -> ModelResponse:
        """The whole answer at once (the base turns it into a stream when one is wanted)."""
        self.call_count += 1
        calls, keep = self.calls, self.record_calls
        if keep != 0:
            calls.append({"messages": list(messages), "tools": tools, "kwargs": kwargs})
            if keep is not None and len(calls) > 2 * keep:
                del calls[:-keep]
        if self.latency:
            await asyncio.sleep(self.latency)
        item = self._next(messages, tools, kwargs)
        if isinstance(item, BaseException):
            raise item
        resp = _as_response(item, self.model_name)
        usage = resp.usage
        if not usage.prompt_tokens and not usage.completion_tokens:
            prompt = sum(_count_tokens(m.content if isinstance(m.content, str) else str(m.content))
                         for m in messages)
            resp = ModelResponse(text=resp.text, tool_calls=resp.tool_calls, parsed=resp.parsed,
                                 usage=Usage(prompt, _count_tokens(resp.text)),
                                 model=self.model_name)
        return resp

    async def _stream(
        self, messages: Sequence[Msg], *, tools: list[dict[str, Any]] | None, **kwargs: Any
    ) -> AsyncIterator[ModelChunk]:
        resp = await self._complete(messages, tools=tools, **kwargs)
        usage = resp.usage
        text = resp.text
        size = self.chunk_size
        if size and len(text) > size:
            pieces = [text[i : i + size] for i in range(0, len(text), size)]
            for piece in pieces[:-1]:
                yield ModelChunk(delta=piece)
            text = pieces[-1]
        yield ModelChunk(delta=text, tool_calls=resp.tool_calls or None, usage=usage)


class ScriptedModel(_FakeModel):
    """Answers from a FIFO of canned replies.

    Each reply is a string, a dict (``text``, ``tool_calls``, ``usage``), a ModelResponse,
    or an exception instance (raised for that call). Every call is recorded in ``calls``.
    """

    model_type = "scripted"

    def __init__(
        self,
        replies: Iterable[Reply] = (),
        config_name: str = "",
        model_name: str = "",
        *,
        default: Reply | None = None,
        latency: float = 0.0,
        chunk_size: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(config_name, model_name, latency=latency, chunk_size=chunk_size, **kwargs)
        self.replies: deque[Reply] = deque(replies)
        self.default = default
        self._lock = threading.Lock()

    def add(self, *replies: Reply) -> ScriptedModel:
        self.replies.extend(replies)
        return self

    def _next(self, messages: Sequence[Msg], tools: Any, kwargs: dict[str, Any]) -> Any:
        with self._lock:
            if self.replies:
                return self.replies.popleft()
        if self.default is not None:
            return self.default
        from agentcast.exceptions import ModelError

        return ModelError(
            f"ScriptedModel {self.config_name!r} ran out of replies after {self.call_count - 1} "
            "call(s)", model=self.model_name
        )

    def assert_complete(self) -> None:
        """Fail if canned replies remain unused."""
        if self.replies:
            raise AssertionError(
                f"ScriptedModel {self.config_name!r}: {len(self.replies)} reply(ies) never used: "
                f"{list(self.replies)[:3]!r}"
            )


class FunctionModel(_FakeModel):
    """Computes each reply from the messages with a function.

    ``fn(messages)`` (or ``fn(messages, tools)`` when it takes two arguments) returns what a
    ScriptedModel reply may be. In configs, ``function`` may be "module:attr".
    """

    model_type = "function"

    def __init__(
        self,
        function: Callable[..., Reply] | str,
        config_name: str = "",
        model_name: str = "",
        *,
        latency: float = 0.0,
        chunk_size: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(config_name, model_name, latency=latency, chunk_size=chunk_size, **kwargs)
        if isinstance(function, str):
            import importlib

            module, _, attr = function.partition(":")
            function = getattr(importlib.import_module(module), attr)
        self.function: Callable[..., Reply] = function  # type: ignore[assignment]
        import inspect

        try:
            self._arity = len(inspect.signature(self.function).parameters)
        except (TypeError, ValueError):
            self._arity = 1

    def _next(self, messages: Sequence[Msg], tools: Any, kwargs: dict[str, Any]) -> Any:
        try:
            if self._arity >= 2:
                return self.function(list(messages), tools)
            return self.function(list(messages))
        except Exception as exc:
            return exc


__all__ = ["FunctionModel", "ModelResponse", "ScriptedModel"]
