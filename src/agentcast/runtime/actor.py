"""Actors: one mailbox per agent, handled in order, one entry at a time.

A mailbox entry is ``(kind, input, placeholder)``, added by :meth:`Actor.enqueue`. The
drain is a plain function: entries whose work is synchronous (observing a resolved
message) cost a few attribute accesses; an ``async def reply`` runs in a runner task, a
``def reply`` in the thread pool (or inline, once it has proven instant; see
``_run_sync_inline``). When an entry's input is an unresolved placeholder the actor parks
itself as that placeholder's callback and resumes exactly where it stopped.

Reads from outside are ordered: :meth:`Actor.settle` (blocking) and :meth:`Actor.settled`
(awaitable) return once every entry sent before them has been handled; memory reads and
``state_dict`` of agents call them.

Idle actors hold no mailbox, no task and no future, so millions of them are cheap.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import time
import weakref
from collections import deque
from collections.abc import Sequence
from typing import Any

from agentcast import hooks
from agentcast.exceptions import AgentCallError
from agentcast.message import Msg
from agentcast.runtime.eager import start_task
from agentcast.runtime.placeholder import Placeholder, current_actor
from agentcast.runtime.scheduler import Runtime, _get_running_loop, get_runtime

OBSERVE = 0
CALL = 1
MARK = 5  # (ray_host uses 2-4 and 6) a settle marker: resolves its placeholder when the drain reaches it

_runtime: Runtime = get_runtime()
_current = current_actor  # the actor whose reply is running in this task or thread

# Every live actor, for the debug view (weak: idle actors cost nothing here).
_actors: weakref.WeakSet[Actor] = weakref.WeakSet()

# A ``def reply`` runs inline on the loop once its last INLINE_AFTER calls each took under
# INSTANT seconds; an inline run over BUDGET sends that actor back to threads for good.
INLINE_AFTER = 8
INSTANT = 0.0005
BUDGET = 0.002


def _observe_entry(impl: Any) -> Any:
    """Wrap an ``observe`` so that callers outside the actor enqueue instead of running it."""

    @functools.wraps(impl)
    def observe(self: Actor, x: Any) -> Any:
        if self._inside or _current.get() is self:
            return impl(self, x)
        self.observe_async(x)
        return None

    observe._agentcast_entry = True  # type: ignore[attr-defined]
    return observe


# --- runners ---------------------------------------------------------------------------
# Async replies run inside "runner" tasks. A runner takes ready calls one after another, so
# a chain of instant replies costs no task creation per hop; when a reply really suspends
# (awaits I/O or a timer), the runner stays with it - so the reply keeps one task identity
# from start to end, which asyncio.timeout and anyio cancel scopes rely on - and any ready
# calls go to fresh runners.
_ready: deque[tuple[Actor, Any, Placeholder]] = deque()
_executing = False  # a runner is running right now (not suspended)
_pending_runners = 0  # runners created but not yet started
RUNNER_BATCH = 1000  # calls a runner makes before it lets the loop breathe


def _spawn_runner() -> None:
    global _pending_runners
    _pending_runners += 1
    start_task(_runtime.loop, _runner())


async def _runner() -> None:
    global _executing, _pending_runners
    _pending_runners -= 1
    _executing = True
    made = 0
    try:
        while _ready:
            actor, x, ph = _ready.popleft()
            coro = actor._call_async(x, ph)
            try:
                fut = coro.send(None)  # most replies finish here without suspending
            except StopIteration:
                pass
            else:
                await _Watch(coro, fut)
            made += 1
            if made % RUNNER_BATCH == 0 and _ready:
                _executing = False
                await asyncio.sleep(0)
                _executing = True
    finally:
        _executing = False
        if _ready and not _pending_runners:
            _spawn_runner()


class _Watch:
    """Carry on a coroutine that suspended: hand the ready queue to new runners, then
    forward every step (and anything thrown in, such as cancellation) unchanged."""

    __slots__ = ("coro", "fut")

    def __init__(self, coro: Any, fut: Any) -> None:
        self.coro = coro
        self.fut = fut

    def __await__(self) -> Any:
        global _executing, _pending_runners
        coro, fut = self.coro, self.fut
        while True:  # suspended: forward every step of the coroutine unchanged
            _executing = False
            extra = len(_ready) - _pending_runners
            for _ in range(extra):
                _pending_runners += 1
                _runtime.loop.create_task(_runner())
            try:
                value = yield fut
            except BaseException as exc:
                _executing = True
                try:
                    fut = coro.throw(exc)
                except StopIteration as done:
                    return done.value
            else:
                _executing = True
                try:
                    fut = coro.send(value)
                except StopIteration as done:
                    return done.value


def _pending(x: Any) -> Placeholder | None:
    """The first unresolved placeholder in an input, if any."""
    if isinstance(x, Placeholder):
        return None if x._done else x
    if isinstance(x, list):
        for v in x:
            if isinstance(v, Placeholder) and not v._done:
                return v
    return None


def _unwrap(x: Any) -> tuple[Any, BaseException | None]:
    """Replace resolved placeholders by their values; report an upstream failure."""
    if isinstance(x, Placeholder):
        return x._value, x._exc
    if isinstance(x, list):
        out: list[Any] = []
        for v in x:
            if isinstance(v, Placeholder):
                if v._exc is not None:
                    return None, v._exc
                v = v._value
                if isinstance(v, list):  # a reply that was a list of messages
                    out.extend(v)
                    continue
            if v is not None:
                out.append(v)
        return out, None
    return x, None


class Actor:
    """Mailbox machinery. Subclasses provide ``name``, ``reply`` and ``observe``."""

    # class-level defaults keep idle instances small
    _mailbox: list[tuple[int, Any, Placeholder | None]] | None = None
    _mb_pos = 0
    _calls = 0
    _hubs: tuple[Any, ...] = ()
    _reply_is_async = True
    _observe_is_async = False
    _inside = False
    _fast = 0  # def reply: >= INLINE_AFTER means run inline; -1 means threads for good
    waiting_on: Placeholder | None = None  # what the running reply awaits (diagnosis)
    name: str

    def __new__(cls, *args: Any, **kwargs: Any) -> Actor:
        self = super().__new__(cls)
        _actors.add(self)
        return self

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        reply = getattr(cls, "reply", None)
        if reply is not None:
            cls._reply_is_async = inspect.iscoroutinefunction(reply)
        impl = cls.__dict__.get("observe")
        if impl is not None and not getattr(impl, "_agentcast_entry", False):
            cls._observe_is_async = inspect.iscoroutinefunction(impl)
            cls.observe = _observe_entry(impl)  # type: ignore[method-assign]

    async def reply(self, x: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def observe(self, x: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    # --- entry points ------------------------------------------------------------------
    def __call__(self, x: Any = None) -> Placeholder:
        """Enqueue a call; returns its placeholder at once."""
        self._calls = n = self._calls + 1
        ph = Placeholder(self.name, n, self)
        if hooks.durable is not None:
            hooks.durable.send("call", self.name, x, n)
        loop = _runtime._loop  # None before first use: take the locked path then
        if loop is None or _get_running_loop() is not loop or _runtime._inbox or self._hubs:
            _runtime.submit(self._enqueue_call, x, ph)
        elif self._mailbox is not None:  # on the loop's thread, busy: just queue it
            self._mailbox.append((CALL, x, ph))
        else:
            self.enqueue(CALL, x, ph)
        return ph

    def _enqueue_call(self, x: Any, ph: Placeholder) -> None:
        self.enqueue(CALL, x, ph)
        hubs = self._hubs
        if hubs:
            _deliver_from_hubs(self, hubs, ph)

    def observe_async(self, x: Any) -> None:
        """Enqueue ``observe(x)`` behind whatever the agent is doing now."""
        if hooks.durable is not None:
            hooks.durable.send("observe", self.name, x)
        _runtime.submit(self.enqueue, OBSERVE, x, None)

    def enqueue(self, kind: int, x: Any, ph: Placeholder | None = None) -> None:
        """Add one entry to the mailbox: ``CALL`` (``reply(x)`` resolves ``ph``),
        ``OBSERVE`` (``observe(x)``) or ``MARK`` (``ph`` resolves when reached).

        The one way in for hubs, the Ray host and proxies. Call it on the runtime loop's
        thread (``get_runtime().submit(actor.enqueue, ...)`` from anywhere else). An input
        that is an unresolved placeholder makes the actor wait for it, in order."""
        mb = self._mailbox
        if mb is None:
            self._mailbox = [(kind, x, ph)]
            _runtime.busy += 1
            if x.__class__ is Placeholder and not x._done:
                x.add_done_callback(self._drain)  # park until the input is there
            else:
                self._drain()
        else:
            mb.append((kind, x, ph))

    # --- the drain -----------------------------------------------------------------------
    def _drain(self, _: Any = None) -> None:
        mb = self._mailbox
        if mb is None:
            return
        i = self._mb_pos
        while i < len(mb):
            kind, x, ph = mb[i]
            if x.__class__ is Placeholder:  # the common case, inlined
                if not x._done:
                    self._mb_pos = i
                    x.add_done_callback(self._drain)
                    return
                if x._exc is not None:
                    i += 1
                    if ph is not None:
                        ph.set_exception(x._exc)
                    continue
                x = x._value
            elif x is not None:
                waiting = _pending(x)
                if waiting is not None:
                    self._mb_pos = i
                    waiting.add_done_callback(self._drain)
                    return
                x, upstream = _unwrap(x)
                if upstream is not None:
                    i += 1
                    if ph is not None:
                        ph.set_exception(upstream)
                    continue
            i += 1
            if kind == CALL:
                assert ph is not None
                self._mb_pos = i
                if self._reply_is_async:
                    _ready.append((self, x, ph))
                    # a running runner, or one about to start, takes everything queued
                    if not _executing and not _pending_runners:
                        _spawn_runner()
                elif self._fast >= INLINE_AFTER:
                    if self._run_sync_inline(x, ph):
                        continue
                    return
                else:
                    rt = _runtime
                    rt.threads_busy += 1
                    rt.pool.submit(self._call_sync, x, ph, rt.loop)
                return
            if kind == MARK:
                if ph is not None:
                    ph.set_result(None)
                continue
            if self._observe_is_async:
                self._mb_pos = i
                start_task(_runtime.loop, self._observe_async(x))
                return
            self._inside = True
            try:
                self.observe(x)
            except Exception as exc:
                _report_observe_error(self, exc)
            finally:
                self._inside = False
            if hooks.listeners:
                hooks.emit("observe", {"agent": self.name, "msg": x})
        self._mailbox = None
        self._mb_pos = 0
        _runtime.release()

    async def _call_async(self, x: Any, ph: Placeholder) -> None:
        _current.set(self)  # task-local: this task's context is its own copy
        started = time.time() if hooks.listeners else 0.0
        try:
            durable = hooks.durable
            if durable is None:
                value = await self.reply(x)
            else:
                value = await durable.run_async(self, x, ph._n, self.reply)
        except BaseException as exc:
            self._fail(ph, x, exc, started)
            if isinstance(exc, asyncio.CancelledError):
                self._drain()
                raise  # the runner itself is being cancelled (e.g. the loop shuts down)
        else:
            self._finish(ph, x, value, started)
        mb = self._mailbox
        if mb is not None and self._mb_pos >= len(mb):  # nothing queued meanwhile: go idle
            self._mailbox = None
            self._mb_pos = 0
            rt = _runtime
            rt.busy -= 1
            if rt.busy <= 0 and rt._idle is not None:
                rt.release_idle()
        else:
            self._drain()

    def _reply_sync(self, x: Any, ph: Placeholder) -> Any:
        """A ``def reply`` (in a thread or inline): through the durable journal when on."""
        durable = hooks.durable
        if durable is None:
            return self.reply(x)
        return durable.run_sync(self, x, ph._n, self.reply)

    def _call_sync(self, x: Any, ph: Placeholder, loop: Any) -> None:
        started = time.time() if hooks.listeners else 0.0
        token = _current.set(self)
        t0 = time.perf_counter()
        try:
            value = self._reply_sync(x, ph)
        except BaseException as exc:
            loop.call_soon_threadsafe(self._fail_and_drain, ph, x, exc, started)
        else:
            took = time.perf_counter() - t0
            if self._fast >= 0:  # learning: only replies that never wait become inline
                self._fast = self._fast + 1 if took < INSTANT else 0
            loop.call_soon_threadsafe(self._finish_and_drain, ph, x, value, started)
        finally:
            _current.reset(token)

    def _run_sync_inline(self, x: Any, ph: Placeholder) -> bool:
        """Run a proven-instant ``def reply`` right here on the loop (no thread hop).

        Returns True when the drain may go on. A run over BUDGET sends this actor back to
        threads for good (so a reply that starts blocking stalls the loop at most once)."""
        started = time.time() if hooks.listeners else 0.0
        token = _current.set(self)
        self._inside = True
        t0 = time.perf_counter()
        try:
            value = self._reply_sync(x, ph)
        except BaseException as exc:
            self._inside = False
            _current.reset(token)
            if time.perf_counter() - t0 > BUDGET:
                self._fast = -1
            self._fail(ph, x, exc, started)
            return True
        self._inside = False
        _current.reset(token)
        if time.perf_counter() - t0 > BUDGET:
            self._fast = -1
        self._finish(ph, x, value, started)
        return True

    def _finish_and_drain(self, ph: Placeholder, x: Any, value: Any, started: float) -> None:
        _runtime.threads_busy -= 1
        self._finish(ph, x, value, started)
        self._drain()

    def _fail_and_drain(self, ph: Placeholder, x: Any, exc: BaseException, started: float) -> None:
        _runtime.threads_busy -= 1
        self._fail(ph, x, exc, started)
        self._drain()

    async def _observe_async(self, x: Any) -> None:
        _current.set(self)
        try:
            await self.observe(x)
        except Exception as exc:
            _report_observe_error(self, exc)
        self._drain()

    def _finish(self, ph: Placeholder, x: Any, value: Any, started: float) -> None:
        if value.__class__ is Msg and not hooks.listeners:  # the common case
            ph._resolve(value, None)
            return
        if isinstance(value, Placeholder):
            if not value._done:  # reply handed back another call's placeholder: chain it
                value.add_done_callback(
                    lambda v: self._finish(ph, x, v._value, started)
                    if v._exc is None else self._fail(ph, x, v._exc, started)
                )
                return
            if value._exc is not None:
                self._fail(ph, x, value._exc, started)
                return
            value = value._value
        elif value is not None and not isinstance(value, Msg):
            # A list of messages stays a list: hub members observe each message.
            if not (isinstance(value, list) and value
                    and all(isinstance(v, Msg) for v in value)):
                value = Msg(self.name, value)
        if hooks.listeners:
            ended = time.time()
            for msg in value if isinstance(value, list) else [value]:  # one event a message
                hooks.emit("reply", {"agent": self.name, "seq_id": ph.seq_id, "msg": msg,
                                     "input": x, "started": started, "ended": ended,
                                     "error": None})
        ph.set_result(value)

    def _fail(self, ph: Placeholder, x: Any, exc: BaseException, started: float) -> None:
        err = exc if isinstance(exc, AgentCallError) else AgentCallError(self.name, ph.seq_id, exc)
        if hooks.listeners:
            hooks.emit("reply", {"agent": self.name, "seq_id": ph.seq_id, "msg": None,
                                 "input": x, "started": started, "ended": time.time(),
                                 "error": err})
        ph.set_exception(err)

    @property
    def busy(self) -> bool:
        return self._mailbox is not None

    def never_inline(self) -> None:
        """Keep this actor's ``def reply`` in threads (it waits on placeholders)."""
        self._fast = -1

    # --- ordered reads from outside --------------------------------------------------
    def in_actor(self) -> bool:
        """True when called from inside this actor (its reply or observe)."""
        return self._inside or _current.get() is self

    def settle(self, timeout: float | None = None) -> None:
        """Block until every call and observe already sent to this agent is handled.

        From inside the actor, or from inside any async reply on the agents' loop (which
        must not block), it returns at once: there use ``await agent.settled()``. Bounded
        by ``timeout`` (default: the runtime's ``wait_timeout``); raises
        :class:`~agentcast.exceptions.WaitTimeoutError` /
        :class:`~agentcast.exceptions.DeadlockError` naming what it waits on.
        """
        if self.in_actor() or _runtime.on_loop_thread():
            return
        if self._mailbox is None and _runtime.quiet():
            return  # nothing queued, and nothing in flight from any thread
        ph = Placeholder(self.name, 0, self)
        _runtime.submit(self.enqueue, MARK, None, ph)
        _runtime.wait_for(ph, timeout)

    async def settled(self, timeout: float | None = None) -> None:
        """Await every call and observe already sent to this agent (the async
        :meth:`settle`)."""
        if self.in_actor():
            return
        ph = Placeholder(self.name, 0, self)
        _runtime.submit(self.enqueue, MARK, None, ph)
        await ph.aresult(timeout)

    def blocked_on(self, ph: Placeholder) -> tuple[str, Placeholder | None] | None:
        """What keeps ``ph`` (one of this actor's entries) from resolving, for stall
        diagnosis: ``(description, placeholder it waits on)``, or None when the actor is
        busy with something that progresses by itself (I/O, a timer, a thread)."""
        mb = self._mailbox
        if mb is None:
            return None
        idx = next((i for i, e in enumerate(mb) if e[2] is ph), None)
        if idx is None:  # not one of ours in flight (e.g. a copy, or resolved meanwhile)
            return None
        pos = self._mb_pos
        head = f"has {ph.seq_id} queued behind its current work, " if idx > pos else ""
        if idx >= pos and pos < len(mb):  # parked on the input of the entry at pos?
            x = mb[pos][1]
            waiting = x if isinstance(x, Placeholder) and not x._done else _pending(x)
            if waiting is not None:
                return f"{head}waits for its input {waiting.seq_id}", waiting
        if idx == pos - 1 or idx >= pos:  # its own reply, or the reply ahead of it, runs
            awaited = self.waiting_on
            if awaited is not None and not awaited._done:
                return f"{head}runs a reply that waits for {awaited.seq_id}", awaited
        return None


def _report_observe_error(actor: Actor, exc: BaseException) -> None:
    import logging

    logging.getLogger("agentcast.runtime").error(
        "agent %r failed to observe a message: %s: %s", actor.name, type(exc).__name__, exc
    )


def _deliver_from_hubs(speaker: Actor, hubs: Sequence[Any], ph: Placeholder) -> None:
    """A hub participant spoke: every other participant observes the reply, in order."""
    if len(hubs) == 1:
        for other in hubs[0].participants:
            if other is not speaker:
                other.enqueue(OBSERVE, ph, None)
        return
    seen: set[int] = {id(speaker)}
    for hub in hubs:
        for other in hub.participants:
            if id(other) not in seen:
                seen.add(id(other))
                other.enqueue(OBSERVE, ph, None)


def gather(*xs: Any) -> list[Any]:
    """Block until every placeholder is resolved; returns their values in order."""
    return [x.result() if isinstance(x, Placeholder) else x for x in xs]


def wait_all(timeout: float | None = None) -> bool:
    """Block until every agent is idle (all pending calls and deliveries done)."""
    return _runtime.wait_all(timeout)


async def wait_all_async() -> None:
    """In async code: wait until every agent is idle."""
    await _runtime.wait_all_async()


def runtime_status() -> dict[str, Any]:
    """A debug view of the runtime: who is busy, how much is queued, what each waits on.

    ``{"busy": n, "threads_busy": n, "loop": "idle" | "running", "agents": [{"agent",
    "queued", "waits_on"}...]}`` - ``waits_on`` is the placeholder (``"agent#n"``) the
    agent is parked on or whose reply it awaits, else None. Taken on the loop's thread,
    after everything already submitted from this one."""
    if _runtime.on_loop_thread():
        return _status_now()
    box: list[dict[str, Any]] = []
    done = Placeholder("runtime_status", 0)

    def take() -> None:
        box.append(_status_now())
        done.set_result(None)

    _runtime.submit(take)
    _runtime.wait(done, 10.0)
    return box[0] if box else _status_now()


def stuck_agents() -> list[str]:
    """When every busy agent waits on something that can never come, what each waits on;
    else [] (some agent may still progress). Used at exit, so as not to wait for nothing."""
    from agentcast.runtime.scheduler import hopeless

    out: list[str] = []
    busy = [a for a in list(_actors) if a._mailbox is not None]
    if not busy or _runtime.threads_busy:
        return []
    for actor in busy:
        mb, pos = actor._mailbox or [], actor._mb_pos
        waits: Placeholder | None = None
        if pos < len(mb):
            x = mb[pos][1]
            waits = x if isinstance(x, Placeholder) and not x._done else _pending(x)
        if waits is None and actor.waiting_on is not None and not actor.waiting_on._done:
            waits = actor.waiting_on
        why = hopeless(waits) if waits is not None else None
        if waits is None or why is None:
            return []
        out.append(f"agent {actor.name!r} waits for {waits.seq_id} ({why})")
    return out


def _status_now() -> dict[str, Any]:
    agents = []
    for actor in list(_actors):
        mb = actor._mailbox
        if mb is None:
            continue
        pos = actor._mb_pos
        waits = None
        if pos < len(mb):
            x = mb[pos][1]
            p = x if isinstance(x, Placeholder) and not x._done else _pending(x)
            if p is not None:
                waits = p.seq_id
        if waits is None and actor.waiting_on is not None and not actor.waiting_on._done:
            waits = actor.waiting_on.seq_id
        agents.append({"agent": actor.name, "queued": max(0, len(mb) - pos),
                       "waits_on": waits})
    return {"busy": _runtime.busy, "threads_busy": _runtime.threads_busy,
            "loop": "running" if _runtime.loop_running else "idle",
            "agents": agents}

