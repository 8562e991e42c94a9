"""One model request under the retry policy: drain the stream, retry transient faults.

A stream that breaks midway is retried from scratch; the response is built from the
successful attempt alone, so it never holds text twice. What a live printer (``on_chunk``)
sees, since it cannot take back what it printed:

- the first attempt's chunks, live;
- after a break, the retry's chunks are held back while they repeat the text already shown,
  and only the new remainder is passed on: a printer sees each character once when the retry
  reproduces the broken prefix (deterministic servers, temperature 0);
- if the retry's text diverges from what was shown, ``on_chunk`` receives a chunk with
  ``reset=True`` and then the retry's text from its start: the printer should mark the shown
  partial text as abandoned (e.g. end the line) before printing on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from agentcast.exceptions import RetriesExhaustedError, UnresolvableModelError
from agentcast.faults import RetryPolicy, Watchdog, classify_error
from agentcast.message import Msg
from agentcast.models.base import (
    ChunkCallback,
    ModelChunk,
    ModelResponse,
    ToolCall,
    Usage,
    model_event,
)

if TYPE_CHECKING:
    from agentcast.models.base import ChatModelBase

log = logging.getLogger("agentcast.models")
T = TypeVar("T")


class StreamRelay:
    """Forwards chunks of successive attempts to ``on_chunk`` without repeating text."""

    __slots__ = ("_catching_up", "_new", "_pending", "_shown", "_shown_other", "on_chunk")

    def __init__(self, on_chunk: ChunkCallback) -> None:
        self.on_chunk = on_chunk
        self._shown: list[str] = []
        self._shown_other = False  # tool calls shown: cannot be matched, so reset on retry
        self._catching_up = False
        self._new = ""
        self._pending: list[ModelChunk] = []

    def restart(self) -> None:
        """Called before a retry: what was shown stays shown; the next attempt must catch up."""
        self._new = ""
        self._pending = []
        if self._shown_other:
            self._reset()
        self._catching_up = bool(self._shown)

    def _reset(self) -> None:
        self._shown = []
        self._shown_other = False
        self.on_chunk(ModelChunk(reset=True))

    def _forward(self, chunk: ModelChunk) -> None:
        if chunk.delta:
            self._shown.append(chunk.delta)
        if chunk.tool_calls:
            self._shown_other = True
        self.on_chunk(chunk)

    def __call__(self, chunk: ModelChunk) -> None:
        if not self._catching_up:
            self._forward(chunk)
            return
        shown = "".join(self._shown)
        self._new += chunk.delta
        new = self._new
        if len(new) < len(shown) and shown.startswith(new) and not chunk.tool_calls:
            self._pending.append(chunk)  # still repeating what the printer already has
            return
        self._catching_up = False
        if new.startswith(shown):
            rest = new[len(shown):]
            self._shown = [shown]
            self._forward(ModelChunk(delta=rest, tool_calls=chunk.tool_calls, usage=chunk.usage,
                                     raw=chunk.raw))
            return
        self._reset()
        for held in self._pending:
            self._forward(held)
        self._pending = []
        self._forward(chunk)

    def finish(self) -> None:
        """The attempt ended while still repeating: its text is a strict prefix of what was
        shown, so the printer shows too much; reset and show the attempt's text."""
        if self._catching_up:
            self._catching_up = False
            self._reset()
            for held in self._pending:
                self._forward(held)
            self._pending = []


async def drain(
    model: ChatModelBase,
    messages: Sequence[Msg],
    tools: list[dict[str, Any]] | None,
    on_chunk: ChunkCallback | None,
    kwargs: dict[str, Any],
    watchdog: Watchdog | None,
) -> ModelResponse:
    """Run one attempt to the end of its stream.

    A model that has its whole answer at once may provide ``_complete``; when nobody is
    watching chunks or the clock, that answer is taken directly instead of through a
    one-chunk stream (async generators cost more than the rest of a fake call).
    """
    if on_chunk is None and watchdog is None:
        complete = getattr(model, "_complete", None)
        if complete is not None:
            response: ModelResponse = await complete(
                messages, tools=tools, **{**model.generate_args, **kwargs})
            return response
    parts: list[str] = []
    calls: list[ToolCall] = []
    usage = Usage()
    finish: str | None = None
    raw: list[Any] = []
    attempt = getattr(model, "attempt_stream", None) or model.stream
    stream = attempt(messages, tools=tools, **kwargs)
    try:
        async for chunk in stream:
            if watchdog is not None:
                watchdog.touch()
            if chunk.delta:
                parts.append(chunk.delta)
            if chunk.tool_calls:
                calls.extend(chunk.tool_calls)
            if chunk.usage is not None:
                usage = chunk.usage
            if chunk.raw is not None:
                raw.append(chunk.raw)
            if chunk.finish_reason:
                finish = chunk.finish_reason
            if on_chunk is not None:
                on_chunk(chunk)
    except BaseException:
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            try:
                await aclose()  # release the connection now, not when the GC finds it
            except Exception:
                log.debug("closing a failed stream raised", exc_info=True)
        raise
    return ModelResponse(
        text="".join(parts), tool_calls=calls, usage=usage, model=model.model_name,
        raw=raw[0] if len(raw) == 1 else raw or None, finish_reason=finish,
    )


async def request_with_retries(
    model: ChatModelBase,
    messages: Sequence[Msg],
    tools: list[dict[str, Any]] | None,
    on_chunk: ChunkCallback | None,
    kwargs: dict[str, Any],
    policy: RetryPolicy,
) -> ModelResponse:
    """One logical request: attempts until success, an unresolvable error, or the policy's
    bounds (count, deadline). Unknown exceptions (bugs) propagate untouched."""
    started = time.monotonic()
    hard = started + policy.deadline if policy.deadline is not None else None
    # The relay remembers what the printer was shown, so a retry does not show it twice.
    relay = StreamRelay(on_chunk) if on_chunk is not None else None
    retries = 0
    while True:
        try:
            if policy.timeout is None and hard is None:
                response = await drain(model, messages, tools, relay, kwargs, None)
            else:
                with Watchdog(policy.timeout, hard) as dog:
                    response = await drain(model, messages, tools, relay, kwargs, dog)
            if relay is not None and retries:
                relay.finish()
            response.retries = retries
            return response
        except Exception as exc:
            kind = classify_error(exc)
            if kind == "unresolvable":
                if isinstance(exc, UnresolvableModelError):
                    raise
                raise UnresolvableModelError(
                    f"{model.model_name}: {type(exc).__name__}: {exc}", model=model.model_name,
                    status=_status(exc),
                ) from exc
            if kind != "transient":
                raise
            retries += 1
            elapsed = time.monotonic() - started
            why = _give_up_reason(policy, retries, exc, hard, time.monotonic())
            if isinstance(why, str):
                raise RetriesExhaustedError(
                    f"{model.model_name}: gave up after {retries} attempt(s) in {elapsed:.1f}s "
                    f"({why}); last error: {type(exc).__name__}: {exc}",
                    model=model.model_name, status=_status(exc), attempts=retries,
                ) from exc
            log.warning("%s: %s: %s; retry %d/%d in %.2fs", model.model_name,
                        type(exc).__name__, exc, retries, policy.max_retries, why)
            model_event(model, "retry", f"{type(exc).__name__}: {exc}; retry {retries}/"
                        f"{policy.max_retries} in {why:.2f}s", error=exc, attempt=retries)
            if relay is not None:
                relay.restart()
            await asyncio.sleep(why)


async def retry_call(policy: RetryPolicy, attempt: Callable[[], Awaitable[T]],
                     name: str = "") -> T:
    """The same retry policy for models that are not chat models (embeddings, images,
    audio): transient faults retried with the policy's backoff, every attempt and sleep
    inside the policy's deadline, anything else raised at once."""
    started = time.monotonic()
    hard = started + policy.deadline if policy.deadline is not None else None
    retries = 0
    while True:
        try:
            if hard is None:
                return await attempt()
            with Watchdog(None, hard):
                return await attempt()
        except Exception as exc:
            if classify_error(exc) != "transient":
                raise
            retries += 1
            elapsed = time.monotonic() - started
            why = _give_up_reason(policy, retries, exc, hard, time.monotonic())
            if isinstance(why, str):
                raise RetriesExhaustedError(
                    f"{name}: gave up after {retries} attempt(s) in {elapsed:.1f}s ({why}); "
                    f"last error: {type(exc).__name__}: {exc}", model=name,
                    status=_status(exc), attempts=retries) from exc
            log.warning("%s: %s: %s; retry %d/%d in %.2fs", name, type(exc).__name__, exc,
                        retries, policy.max_retries, why)
            await asyncio.sleep(why)


def _give_up_reason(
    policy: RetryPolicy, retries: int, exc: BaseException, hard: float | None, now: float
) -> str | float:
    """The wait before the next retry, or why there will be none."""
    if retries > policy.max_retries:
        return f"max_retries={policy.max_retries}"
    delay = policy.delay_for(retries, exc)
    if delay is None:
        return f"server asked to wait longer than max_retry_after={policy.max_retry_after}s"
    if hard is not None and now + delay >= hard:
        return f"deadline={policy.deadline}s"
    return delay


def _status(exc: BaseException) -> int | None:
    status = getattr(exc, "status", None) or getattr(exc, "status_code", None)
    return status if isinstance(status, int) else None


__all__ = ["StreamRelay", "drain", "request_with_retries", "retry_call"]
