"""Transport-level fault tolerance: which errors are worth retrying, and how long to wait.

The paper's four error classes and where each is handled:

- *accessibility* (429, 5xx, timeouts, dropped connections): :class:`RetryPolicy` here, run by
  ``ChatModelBase.__call__`` (models/retry.py) with exponential backoff, jitter and Retry-After;
- *unresolvable* (401/403, unknown model, quota): :func:`classify_error` says "unresolvable" and
  the call fails at once with :class:`~agentcast.exceptions.UnresolvableModelError`;
- *rule-resolvable* (messy JSON): models/repair.py, no model call;
- *model-resolvable* (wrong content): models/parsing.py re-asks the model with the error.

This module imports nothing above ``exceptions`` so that any layer may use it.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from types import TracebackType
from typing import Any, Literal

from agentcast.exceptions import ConfigError, TransientModelError, UnresolvableModelError

ErrorClass = Literal["transient", "unresolvable", "other"]

# HTTP statuses worth another try; everything else in 4xx is the caller's to fix.
TRANSIENT_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529})
UNRESOLVABLE_STATUS = frozenset({400, 401, 402, 403, 404, 405, 413, 422})

# Class names (anywhere in the MRO) of SDK / HTTP-library errors that mean "the wire broke".
# Matched by name so that no optional package is imported here.
_TRANSIENT_NAMES = frozenset({
    "TransportError", "TimeoutException", "NetworkError", "RemoteProtocolError",  # httpx
    "APIConnectionError", "APITimeoutError",  # openai / anthropic SDKs
    "ClientConnectionError", "ServerDisconnectedError", "ClientPayloadError",  # aiohttp
    "IncompleteRead", "ChunkedEncodingError", "ConnectionError",  # http.client / requests
})


def classify_error(exc: BaseException) -> ErrorClass:
    """Sort an exception into the retry classes (providers should raise typed errors;
    this catches what they failed to map)."""
    if isinstance(exc, TransientModelError):
        return "transient"
    if isinstance(exc, UnresolvableModelError):
        return "unresolvable"
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError, ConnectionError, EOFError)):
        return "transient"
    status = getattr(exc, "status_code", None) or getattr(exc, "status", None)
    if isinstance(status, int):
        if status in TRANSIENT_STATUS:
            return "transient"
        if status in UNRESOLVABLE_STATUS:
            return "unresolvable"
    if any(cls.__name__ in _TRANSIENT_NAMES for cls in type(exc).__mro__):
        return "transient"
    return "other"


def retry_after_of(exc: BaseException) -> float | None:
    """The server's requested wait (seconds), if the error carries one."""
    value = getattr(exc, "retry_after", None)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return None


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How a model call survives transient faults. Every bound is finite by default.

    - ``max_retries``: further attempts after the first (0 = try once).
    - ``initial_delay`` * ``multiplier`` ** n, capped at ``max_delay``, minus up to ``jitter``
      (a fraction) of it at random, so that many clients do not retry in lockstep.
    - ``max_retry_after``: a server's Retry-After is honoured up to this many seconds; a longer
      request means "not soon", so the call gives up instead of sleeping.
    - ``timeout``: the longest wait for the next stream chunk (the first included), per
      attempt. It bounds silence, not answer length, so long streamed answers are fine.
    - ``deadline``: wall-clock bound on the whole call, retries and sleeps included.
    """

    max_retries: int = 3
    initial_delay: float = 0.5
    multiplier: float = 2.0
    max_delay: float = 20.0
    jitter: float = 0.5
    max_retry_after: float = 60.0
    timeout: float | None = 60.0
    deadline: float | None = 300.0

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ConfigError("retry.max_retries must be >= 0", field="max_retries")
        if not 0.0 <= self.jitter <= 1.0:
            raise ConfigError("retry.jitter must be between 0 and 1", field="jitter")
        for name in ("initial_delay", "max_delay", "max_retry_after"):
            if getattr(self, name) < 0:
                raise ConfigError(f"retry.{name} must be >= 0", field=name)
        for name in ("timeout", "deadline"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ConfigError(f"retry.{name} must be > 0 or null", field=name)

    def backoff(self, retry: int) -> float:
        """The jittered wait before retry number ``retry`` (1-based)."""
        delay = min(self.max_delay, self.initial_delay * self.multiplier ** (retry - 1))
        if self.jitter:
            delay *= 1.0 - self.jitter * random.random()
        return delay

    def delay_for(self, retry: int, exc: BaseException) -> float | None:
        """Seconds to wait before ``retry``, or None when the server asks for too long."""
        delay = self.backoff(retry)
        after = retry_after_of(exc)
        if after is not None:
            if after > self.max_retry_after:
                return None
            delay = max(delay, after)
        return delay

    def with_overrides(self, overrides: Mapping[str, Any]) -> RetryPolicy:
        return replace(self, **_checked(overrides))

    @classmethod
    def from_config(
        cls,
        retry: RetryPolicy | Mapping[str, Any] | None = None,
        *,
        max_retries: int | None = None,
        timeout: float | Literal["default"] | None = "default",
    ) -> RetryPolicy:
        """Build the policy from model-config keys: ``retry`` (an object), and the shortcuts
        ``max_retries`` and ``timeout`` that win over it."""
        if isinstance(retry, RetryPolicy):
            policy = retry
        elif retry is None:
            policy = DEFAULT_POLICY
        elif isinstance(retry, Mapping):
            policy = cls(**_checked(retry))
        else:
            raise ConfigError(
                f"'retry' must be an object or a RetryPolicy, got {type(retry).__name__}",
                field="retry",
            )
        extra: dict[str, Any] = {}
        if max_retries is not None:
            if isinstance(max_retries, bool) or not isinstance(max_retries, int):
                raise ConfigError("'max_retries' must be an integer", field="max_retries")
            extra["max_retries"] = max_retries
        if timeout != "default":
            if timeout is not None and (
                isinstance(timeout, bool) or not isinstance(timeout, (int, float))
            ):
                raise ConfigError("'timeout' must be a number of seconds or null", field="timeout")
            extra["timeout"] = timeout
        return replace(policy, **extra) if extra else policy


_FIELDS = frozenset(f.name for f in fields(RetryPolicy))


def _checked(values: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(values) - _FIELDS
    if unknown:
        raise ConfigError(
            f"unknown retry option(s) {', '.join('retry.' + k for k in sorted(unknown))}; "
            f"known: {', '.join(sorted(_FIELDS))}",
            field=f"retry.{sorted(unknown)[0]}",
        )
    return dict(values)


DEFAULT_POLICY = RetryPolicy()
NO_RETRY = RetryPolicy(max_retries=0)


class _Sweeper:
    """One periodic timer per event loop that checks every running watchdog.

    A timer per call (``loop.call_at`` + cancel) costs more than an instant model call
    itself; registering in a dict costs almost nothing, and timeouts are coarse anyway. The
    timer ticks at a quarter of the shortest timeout (5 ms to 0.5 s) and stops when idle.
    """

    __slots__ = ("_handle", "_loop", "_tick", "active")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.active: dict[int, Watchdog] = {}
        self._handle: asyncio.TimerHandle | None = None
        self._tick = 0.5

    def add(self, dog: Watchdog) -> None:
        self.active[id(dog)] = dog
        tick = dog.tick
        if self._handle is None or tick < self._tick:
            if self._handle is not None:
                self._handle.cancel()
            self._tick = tick
            self._handle = self._loop.call_later(tick, self._sweep)

    def _sweep(self) -> None:
        now = time.monotonic()
        tick = 0.5
        for key, dog in list(self.active.items()):
            if now >= dog.due():
                del self.active[key]
                dog.fire()
            else:
                tick = min(tick, dog.tick)
        if self.active:
            self._tick = tick
            self._handle = self._loop.call_later(tick, self._sweep)
        else:
            self._handle = None


_sweeper: _Sweeper | None = None


def _sweeper_for(loop: asyncio.AbstractEventLoop) -> _Sweeper:
    global _sweeper
    sweeper = _sweeper
    if sweeper is None or sweeper._loop is not loop:
        sweeper = getattr(loop, "_agentcast_sweeper", None)
        if sweeper is None:
            sweeper = _Sweeper(loop)
            try:
                loop._agentcast_sweeper = sweeper  # type: ignore[attr-defined]
            except AttributeError:  # a loop class with __slots__: keep it module-wide only
                pass
        _sweeper = sweeper
    return sweeper


class Watchdog:
    """Cancels the current task when it waits longer than ``idle`` seconds since the last
    :meth:`touch`, or past the monotonic time ``hard``; then raises ``asyncio.TimeoutError``.

    ``touch`` only stores a float, so a long stream pays nothing per chunk (``wait_for`` per
    chunk would create a task each time); detection is within a quarter of the timeout.
    """

    __slots__ = ("_sweeper", "_task", "fired", "hard", "idle", "last", "tick")

    def __init__(self, idle: float | None, hard: float | None) -> None:
        self._task = asyncio.current_task()
        self._sweeper = _sweeper_for(asyncio.get_running_loop())
        self.idle = idle
        self.hard = hard
        self.last = time.monotonic()
        self.fired = False
        span = idle if idle is not None else (hard - self.last if hard is not None else 1.0)
        self.tick = min(0.5, max(0.005, span / 4))

    def touch(self) -> None:
        self.last = time.monotonic()

    def due(self) -> float:
        due = self.last + self.idle if self.idle is not None else float("inf")
        return min(due, self.hard) if self.hard is not None else due

    def fire(self) -> None:
        self.fired = True
        if self._task is not None:
            self._task.cancel()

    def __enter__(self) -> Watchdog:
        self._sweeper.add(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._sweeper.active.pop(id(self), None)
        if self.fired and exc_type is asyncio.CancelledError:
            if sys.version_info >= (3, 11) and self._task is not None:
                if self._task.uncancel() > 0:
                    return  # someone else cancelled too: that cancellation wins
            silent = time.monotonic() - self.last
            what = (f"no answer for {silent:.2f}s (timeout={self.idle}s)"
                    if self.hard is None or self.last + (self.idle or 0) < self.hard
                    else "the call's deadline passed")
            raise asyncio.TimeoutError(f"model call timed out: {what}") from None


__all__ = [
    "DEFAULT_POLICY",
    "NO_RETRY",
    "TRANSIENT_STATUS",
    "UNRESOLVABLE_STATUS",
    "ErrorClass",
    "RetryPolicy",
    "Watchdog",
    "classify_error",
    "retry_after_of",
]
