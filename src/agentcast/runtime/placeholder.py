"""Placeholder: a Msg that is not there yet, and how its callbacks run.

``agent(x)`` returns one at once. A plain thread that reads a field blocks until the reply
is there (bounded; see :meth:`Placeholder.result`); async code awaits it. Placeholders
belong to the runtime: waiting for one is the runtime's business (driving its loop, or
waiting for the thread that does), so they live here, next to the scheduler.

Callbacks run through a trampoline (a run queue drained in place), so that one reply
waking many waiting actors costs a function call each, not a loop round trip. Callbacks
run on the thread that currently runs the runtime's loop.
"""

from __future__ import annotations

import contextvars
import logging
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from agentcast.message import Msg

log = logging.getLogger("agentcast.runtime")

Callback = Callable[["Placeholder"], None]

# The actor whose reply (or observe) is running in this task or thread (None outside any).
current_actor: contextvars.ContextVar[Any] = contextvars.ContextVar(
    "agentcast_actor", default=None
)

# --- the trampoline (touched only on the thread that currently runs the loop) ----------
_runq: deque[tuple[Callback, Placeholder]] = deque()
_in_trampoline = False


def run_callbacks(callbacks: list[Callback], ph: Placeholder) -> None:
    """Run resolution callbacks; nested resolutions queue behind instead of recursing."""
    global _in_trampoline
    if _in_trampoline:
        for cb in callbacks:
            _runq.append((cb, ph))
        return
    _in_trampoline = True
    try:
        for cb in callbacks:
            try:
                cb(ph)
            except Exception:
                log.exception("placeholder callback failed")
        while _runq:
            cb, arg = _runq.popleft()
            try:
                cb(arg)
            except Exception:
                log.exception("placeholder callback failed")
    finally:
        _in_trampoline = False


_runtime: Any = None  # the scheduler's Runtime, looked up on the first wait


def _load_runtime() -> Any:
    global _runtime
    from agentcast.runtime.scheduler import get_runtime  # it imports this module

    _runtime = get_runtime()
    return _runtime


class Placeholder(Msg):
    """A Msg that will exist once an agent has replied.

    ``agent(x)`` returns one at once. In a plain script (or a notebook cell) reading any
    field blocks until the reply is there; in async code ``await`` it. A failure inside the
    reply is raised where the placeholder is read or awaited. ``seq_id`` ("agent#n") is
    known at once and never blocks.
    """

    __slots__ = ("_actor", "_callbacks", "_done", "_exc", "_n", "_owner", "_value")

    def __init__(self, owner: str = "", n: int = 0, actor: Any = None) -> None:
        self._value: Any = None
        self._exc: BaseException | None = None
        self._done = False
        self._callbacks: list[Callback] | None = None
        self._owner = owner
        self._n = n
        self._actor = actor  # who will resolve it (for stall diagnosis); None if unknown

    # --- state ----------------------------------------------------------------------
    @property
    def seq_id(self) -> str:
        return f"{self._owner}#{self._n}"

    @property
    def producer(self) -> Any:
        """Who resolves this placeholder: the actor whose call it is, or a running task
        (anything with ``name`` and ``blocked_on(ph)``). None means nothing known: an agent
        parked on such a placeholder, with no reply thread running, is reported as stalled
        (:class:`~agentcast.exceptions.DeadlockError`) - give placeholders that your own
        code resolves a producer (e.g. ``agentcast.runtime.scheduler.TASK``)."""
        return self._actor

    @producer.setter
    def producer(self, value: Any) -> None:
        self._actor = value

    def done(self) -> bool:
        return self._done

    def add_done_callback(self, fn: Callback) -> None:
        """Run ``fn(self)`` on the runtime's loop once resolved (at once if already).

        Call it on the loop's thread (or through ``Runtime.submit``)."""
        if self._done:
            fn(self)
        elif self._callbacks is None:
            self._callbacks = [fn]
        else:
            self._callbacks.append(fn)

    def set_result(self, value: Any) -> None:
        self._resolve(value, None)

    def set_exception(self, exc: BaseException) -> None:
        self._resolve(None, exc)

    def _resolve(self, value: Any, exc: BaseException | None) -> None:
        if self._done:
            return
        self._value = value
        self._exc = exc
        self._done = True
        callbacks = self._callbacks
        if callbacks is not None:
            self._callbacks = None
            run_callbacks(callbacks, self)

    def result(self, timeout: float | None = None) -> Any:
        """The reply, blocking a plain thread until it is there.

        The wait is bounded: by ``timeout`` if given, else by the runtime's
        ``wait_timeout`` (``ac.init(wait_timeout=...)``); a wait that can no longer
        progress raises :class:`~agentcast.exceptions.DeadlockError` at once.
        """
        if not self._done:
            (_runtime or _load_runtime()).wait_for(self, timeout)
        if self._exc is not None:
            raise self._exc
        return self._value

    async def aresult(self, timeout: float | None = None) -> Any:
        """The reply, awaited (from any event loop, bounded like :meth:`result`)."""
        if not self._done:
            await (_runtime or _load_runtime()).wait_async(self, timeout)
        if self._exc is not None:
            raise self._exc
        return self._value

    def _msg(self) -> Msg:
        value = self.result()
        if value is None:
            raise AttributeError(f"call {self.seq_id} returned None, not a message")
        if isinstance(value, list):
            raise AttributeError(
                f"call {self.seq_id} returned {len(value)} messages, not one: use "
                "`placeholder.result()` to get the list")
        return value  # type: ignore[no-any-return]

    def __await__(self) -> Any:
        return self.aresult().__await__()

    # --- every field reads through to the resolved message ----------------------------
    def _get_field(name: str) -> property:  # type: ignore[misc]
        def fget(self: Placeholder) -> Any:
            return getattr(self._msg(), name)

        def fset(self: Placeholder, value: Any) -> None:
            setattr(self._msg(), name, value)

        return property(fget, fset)

    if TYPE_CHECKING:  # type checkers see Msg's field types; at run time each reads through
        id: str
        name: str
        content: Any
        role: str
        url: str | list[str] | None
        timestamp: float
    else:
        id = _get_field("id")
        name = _get_field("name")
        content = _get_field("content")
        role = _get_field("role")
        url = _get_field("url")
        metadata = _get_field("metadata")
        timestamp = _get_field("timestamp")
    del _get_field

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        return getattr(self._msg(), key)

    def __getitem__(self, key: str) -> Any:
        return self._msg()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._msg()[key] = value

    def __contains__(self, key: str) -> bool:
        return key in self._msg()

    def to_dict(self) -> dict[str, Any]:
        return self._msg().to_dict()

    def copy(self) -> Msg:
        return self._msg().copy()

    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        if isinstance(other, Msg):
            value = self.result()
            if isinstance(other, Placeholder):
                return bool(value == other.result())
            return bool(value == other)
        return NotImplemented

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        if not self._done:
            return f"Placeholder({self.seq_id}, pending)"
        if self._exc is not None:
            return f"Placeholder({self.seq_id}, failed: {type(self._exc).__name__})"
        return f"Placeholder({self.seq_id}, {self._value!r})"

    def __reduce__(self) -> tuple[Callable[..., Msg], tuple[dict[str, Any]]]:
        return (Msg.from_dict, (self._msg().to_dict(),))


def resolved(x: Any) -> Any:
    """The value behind a placeholder (or each in a list); other values pass through."""
    if isinstance(x, Placeholder):
        return x.result()
    if isinstance(x, list):
        return [resolved(v) for v in x]
    return x


__all__ = ["Callback", "Placeholder", "current_actor", "resolved", "run_callbacks"]
