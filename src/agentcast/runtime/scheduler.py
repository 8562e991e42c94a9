"""The runtime: one event loop of its own for all agents, and who drives it.

Why a loop of its own, and who runs it: a cross-thread handshake per read costs ~80 µs,
ten times the per-hop budget, so a plain script's thread runs the loop itself while it
waits on a placeholder (the loop is idle otherwise). Any other caller - a thread that
already runs a loop of its own (``asyncio.run``, Jupyter, a web server), or a thread that
finds the loop busy elsewhere - hands its work to the loop and, if nobody drives it, a
background thread ("agentcast-loop") drives it until all work is done. So script-style
reads work in a notebook and from sync helpers called by async code, calls left unread
by one style are finished by the next, and agents never depend on a loop that stopped.

The runtime starts (GC tuned, exit hook registered) on first use, never on import.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from agentcast.exceptions import DeadlockError, PlaceholderReadError, WaitTimeoutError
from agentcast.runtime.placeholder import Placeholder, current_actor

log = logging.getLogger("agentcast.runtime")

_get_running_loop = asyncio._get_running_loop
_monotonic = time.monotonic

DEFAULT_WAIT_TIMEOUT = 600.0  # seconds; any single wait on agents
STALL_CHECK = 0.25  # how often a waiter looks for a wait that can no longer progress
DRIVER_TICK = 0.02  # how often the background driver checks whether work is left
DRIVER_LINGER = 5  # idle ticks before the background driver stops


def tune_gc() -> None:
    """Make full cyclic-GC passes rarer: an actor system keeps a large, long-lived heap
    (agents, memories) that every full pass re-scans for nothing, which cost a third of the
    CPU of 10,000 agents in flight. Thresholds are only ever raised, never lowered; set
    AGENTCAST_GC=default to keep CPython's own. Called on the runtime's first use."""
    if os.environ.get("AGENTCAST_GC", "").lower() in ("default", "off", "0"):
        return
    import gc

    t0, t1, t2 = gc.get_threshold()
    if t0 == 0:  # collection disabled by the program: leave it so
        return
    gc.set_threshold(max(t0, 5000), max(t1, 20), max(t2, 100))


class Runtime:
    """Owns the event loop, the reply thread pool, the sync bridge and the driver thread."""

    def __init__(self, max_threads: int | None = None) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._drive_lock = threading.Lock()  # held by whichever thread runs the loop
        self._create_lock = threading.Lock()
        self._cv = threading.Condition(threading.Lock())
        self._state = threading.Lock()  # guards the driver's on/off and foreign waiters
        self._pool: Any = None
        self.max_threads = max_threads or int(os.environ.get("AGENTCAST_THREADS", "64"))
        self.busy = 0  # actors with work in their mailbox + spawned jobs not yet done
        self.threads_busy = 0  # replies running in pool threads right now
        self._idle: Placeholder | None = None
        self._sleepers = 0  # threads blocked in wait() without driving
        self._inbox: deque[tuple[Callable[..., Any], tuple[Any, ...]]] = deque()
        self._wake_pending = False
        self._driver_on = False
        self._foreign = 0  # waiters that need the background driver
        self._takeover = 0  # plain threads waiting that want to drive the loop themselves
        self._driver_running = False  # the background driver runs the loop right now
        self._closing = False
        self._started = False
        self._beat_loop: asyncio.AbstractEventLoop | None = None
        self._drive_until: float | None = None
        self.exit_timeout: float | None = 300.0
        self.wait_timeout: float = float(
            os.environ.get("AGENTCAST_WAIT_TIMEOUT", DEFAULT_WAIT_TIMEOUT))

    # --- the loop ---------------------------------------------------------------------
    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The loop agents run on: always the runtime's own."""
        loop = self._loop
        if loop is None or loop.is_closed():
            with self._create_lock:  # threads starting at once must share one loop
                loop = self._loop
                if loop is None or loop.is_closed():
                    loop = self._new_loop()
        return loop

    def _new_loop(self) -> asyncio.AbstractEventLoop:
        if not self._started:  # first use: now (not on import) tune the GC, hook exit
            self._started = True
            tune_gc()
            atexit.register(self.shutdown)
        loop = self._loop = asyncio.new_event_loop()
        return loop

    def quiet(self) -> bool:
        """True when nobody runs the loop and nothing waits to be handed to it: then every
        entry submitted so far has been handled or sits in a mailbox."""
        loop = self._loop
        return not self._inbox and (loop is None or not loop.is_running())

    @property
    def loop_running(self) -> bool:
        """Whether some thread runs the agents' loop right now."""
        loop = self._loop
        return loop is not None and loop.is_running()

    def on_loop_thread(self) -> bool:
        """True when the caller runs on the thread that is running the runtime's loop."""
        loop = self._loop
        return loop is not None and _get_running_loop() is loop

    # --- running work on the loop -------------------------------------------------------
    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` on the loop's thread: now if we may, else as soon as it runs.

        Submissions from one thread run in the order they were made: those that had to
        wait sit in an inbox that is flushed before any later one runs directly.
        """
        running = _get_running_loop()
        loop = self._loop
        if running is not None and running is loop:  # on the loop's own thread
            if self._inbox:
                self._flush_inbox()
            fn(*args)
            return
        if loop is None or loop.is_closed():
            loop = self.loop
        if self._drive_lock.acquire(False):
            ran = False
            try:
                if not loop.is_running():  # nobody drives: this thread may act as the loop
                    if self._inbox:
                        self._flush_inbox()
                    fn(*args)
                    ran = True
            finally:
                self._drive_lock.release()
                if self._sleepers:
                    self._notify()
            if ran:
                if running is not None:  # a foreign loop's thread never drives ours
                    self.ensure_driver()
                return
        self._inbox.append((fn, args))
        if not self._wake_pending:
            self._wake_pending = True
            loop.call_soon_threadsafe(self._flush_inbox)
        if running is not None:
            self.ensure_driver()

    def _flush_inbox(self) -> None:
        self._wake_pending = False
        inbox = self._inbox
        while inbox:
            fn, args = inbox.popleft()
            try:
                fn(*args)
            except Exception:
                log.exception("submitted work failed")

    @property
    def pool(self) -> Any:
        pool = self._pool
        if pool is None:
            from concurrent.futures import ThreadPoolExecutor

            pool = self._pool = ThreadPoolExecutor(
                self.max_threads, thread_name_prefix="agentcast-reply"
            )
        return pool

    def spawn(self, coro: Coroutine[Any, Any, Any], owner: str = "task") -> Placeholder:
        """Run a coroutine on the loop; its result resolves the returned placeholder."""
        ph = Placeholder(owner, 0, TASK)
        self.submit(self._start, coro, ph)
        return ph

    def _start(self, coro: Coroutine[Any, Any, Any], ph: Placeholder) -> None:
        self.busy += 1
        self.loop.create_task(self._run(coro, ph))

    async def _run(self, coro: Coroutine[Any, Any, Any], ph: Placeholder) -> None:
        try:
            value = await coro
        except BaseException as exc:
            ph.set_exception(exc)
        else:
            ph.set_result(value)
        finally:
            self.release()

    # --- the background driver ---------------------------------------------------------
    def ensure_driver(self) -> None:
        """Make sure some thread runs the loop until all work is done (for callers that
        cannot drive it themselves: they run a loop of their own)."""
        with self._state:
            if self._driver_on or self._closing:
                return
            self._driver_on = True
        threading.Thread(target=self._driver_main, name="agentcast-loop", daemon=True).start()

    def _work_left(self) -> bool:
        return self.busy > 0 or bool(self._inbox) or self._foreign > 0

    def _driver_main(self) -> None:
        try:
            while True:
                with self._drive_lock:  # waits while a script thread drives
                    self._driver_running = True
                    try:
                        self._run_until_idle(self.loop)
                    finally:
                        self._driver_running = False
                if self._sleepers:
                    self._notify()
                with self._state:
                    if self._closing or not self._work_left():
                        self._driver_on = False
                        return
                while self._takeover and not self._closing:  # a script thread drives now
                    with self._cv:
                        self._cv.wait(0.05)
        except BaseException:  # pragma: no cover - must never leave the flag set
            with self._state:
                self._driver_on = False
            log.exception("the agentcast loop driver failed")
        finally:
            if self._sleepers:
                self._notify()

    def _yield_to_waiter(self) -> None:
        """On the loop's thread: let a waiting script thread drive (it is cheaper for it
        to run the loop itself than to be woken from here for every read)."""
        if self._takeover and self._driver_running:
            loop = self._loop
            if loop is not None:
                loop.stop()

    def _run_until_idle(self, loop: asyncio.AbstractEventLoop) -> None:
        """Run the loop until no work is left for DRIVER_LINGER ticks in a row."""
        idle = 0
        handle: asyncio.TimerHandle | asyncio.Handle | None = None

        def check() -> None:
            nonlocal idle, handle
            if self._takeover:
                loop.stop()
                return
            if self._closing or not self._work_left():
                idle += 1
                if idle >= DRIVER_LINGER:
                    loop.stop()
                    return
            else:
                idle = 0
            handle = loop.call_later(DRIVER_TICK, check)

        handle = loop.call_soon(check)
        try:
            loop.run_forever()
        finally:
            if handle is not None:
                handle.cancel()

    # --- idleness -------------------------------------------------------------------------
    def release(self) -> None:
        self.busy -= 1
        if self.busy <= 0 and self._idle is not None:
            self.release_idle()

    def release_idle(self) -> None:
        idle, self._idle = self._idle, None
        if idle is not None:
            idle.set_result(None)

    def _idle_placeholder(self) -> Placeholder:
        ph = Placeholder("idle", 0)
        if self.busy <= 0:
            ph.set_result(None)
        elif self._idle is None:
            self._idle = ph
        else:
            ph = self._idle
        return ph

    def wait_all(self, timeout: float | None = None) -> bool:
        """Block until every agent is idle. Returns False if ``timeout`` passed first."""
        idle = Placeholder("idle", 0)
        # Through ``wait``: it drives the loop whenever nobody else does, so this never
        # depends on another thread's drive lasting until the request has run.
        self.submit(lambda: self._idle_placeholder().add_done_callback(
            lambda _: idle.set_result(None)))
        return self.wait(idle, timeout=timeout)

    async def wait_all_async(self) -> None:
        ph: list[Placeholder] = []
        if self.on_loop_thread():
            ph.append(self._idle_placeholder())
        else:
            done = Placeholder("idle", 0)
            self.submit(lambda: self._idle_placeholder().add_done_callback(
                lambda _: done.set_result(None)))
            ph.append(done)
        await self.wait_async(ph[0])

    # --- the sync bridge ------------------------------------------------------------------
    def wait_for(self, ph: Placeholder, timeout: float | None = None) -> None:
        """Block until ``ph`` resolves; raise if that cannot happen or takes too long."""
        if not self.wait(ph, timeout):
            bound = self.wait_timeout if timeout is None else timeout
            waits = self.describe_wait(ph)
            raise WaitTimeoutError(
                f"waited {bound:g} s for {ph.seq_id} and it is still not there; "
                f"{_format_waits(waits)} (raise the bound with ac.init(wait_timeout=...) "
                "or result(timeout=...))", waits=waits)

    def wait(self, ph: Placeholder, timeout: float | None = None) -> bool:
        """Block a thread until ``ph`` resolves (bounded by ``timeout``, default
        ``wait_timeout``); drives the loop when nobody else does. Returns False on timeout;
        raises :class:`DeadlockError` when the wait can no longer progress."""
        if ph._done:
            return True
        running = _get_running_loop()
        loop = self.loop
        if running is loop:
            raise PlaceholderReadError(
                f"placeholder {ph.seq_id} is not resolved yet and this thread runs the agents' "
                "event loop (inside an async reply), so blocking would stall every agent: use "
                "`await placeholder` there"
            )
        foreign = running is not None  # this thread runs a loop of its own: never drive ours
        takeover = False
        me = current_actor.get()  # a ``def reply`` in a thread that reads a placeholder
        if me is not None:
            me.waiting_on = ph
            me.never_inline()
        now = _monotonic()
        deadline = now + (self.wait_timeout if timeout is None else timeout)
        registered = False
        suspect: Any = None
        next_check = now + STALL_CHECK
        if foreign:
            with self._state:
                self._foreign += 1
            self.ensure_driver()
        elif self._driver_on:  # ask the background driver to let this thread drive
            takeover = True
            with self._state:
                self._takeover += 1
            if self._driver_running:
                loop.call_soon_threadsafe(self._yield_to_waiter)
        try:
            while not ph._done:
                now = _monotonic()
                if now >= deadline:
                    return False
                if now >= next_check:
                    suspect = self._check_stall(ph, suspect)
                    next_check = now + STALL_CHECK
                if not foreign and not loop.is_running() and self._drive_lock.acquire(False):
                    try:
                        if not ph._done and not loop.is_running():
                            self._drive(loop, ph, min(deadline, next_check))
                    finally:
                        self._drive_lock.release()
                        if self._sleepers:
                            self._notify()
                else:
                    if not registered:
                        registered = True
                        self.submit(ph.add_done_callback, lambda _: self._notify())
                    with self._cv:
                        if not ph._done:
                            self._sleepers += 1
                            try:
                                self._cv.wait(min(0.05, max(0.0, deadline - now)))
                            finally:
                                self._sleepers -= 1
        finally:
            if me is not None:
                me.waiting_on = None
            if foreign:
                with self._state:
                    self._foreign -= 1
            elif takeover:
                with self._state:
                    self._takeover -= 1
                self._notify()
        return True

    def _drive(self, loop: asyncio.AbstractEventLoop, ph: Placeholder, until: float) -> None:
        # No timer per read (a timer costs more than a hop): one heartbeat per loop stops
        # the drive once ``until`` has passed, so the caller can check for stalls.
        if self._beat_loop is not loop:
            self._beat_loop = loop
            loop.call_soon(self._beat)
        self._drive_until = until
        ph.add_done_callback(lambda _: loop.stop())
        try:
            loop.run_forever()
        finally:
            self._drive_until = None

    def _beat(self) -> None:
        loop = self._beat_loop
        if loop is None or loop.is_closed():
            return
        until = self._drive_until
        if until is not None and _monotonic() >= until:
            loop.stop()
        loop.call_later(STALL_CHECK / 2, self._beat)

    def _notify(self) -> None:
        with self._cv:
            self._cv.notify_all()

    async def wait_async(self, ph: Placeholder, timeout: float | None = None) -> None:
        """Await ``ph`` from any event loop (bounded like :meth:`wait`)."""
        if ph._done:
            return
        running = asyncio.get_running_loop()
        fut = running.create_future()
        bound = self.wait_timeout if timeout is None else timeout
        if running is self._loop:  # inside the agents' loop (a reply awaiting a call)
            me = current_actor.get()
            if me is not None:
                me.waiting_on = ph
            ph.add_done_callback(lambda _: _set_done(fut))
            try:
                await asyncio.wait_for(fut, bound)
            except TimeoutError:
                raise self._timeout_error(ph, bound) from None
            finally:
                if me is not None:
                    me.waiting_on = None
            return

        def wake(_: Placeholder) -> None:
            if not running.is_closed():
                running.call_soon_threadsafe(_set_done, fut)

        with self._state:
            self._foreign += 1
        try:
            self.submit(ph.add_done_callback, wake)
            self.ensure_driver()
            end = _monotonic() + bound
            suspect: Any = None
            while not fut.done():
                left = end - _monotonic()
                if left <= 0:
                    raise self._timeout_error(ph, bound)
                await asyncio.wait({fut}, timeout=min(STALL_CHECK, left))
                if not fut.done():
                    suspect = self._check_stall(ph, suspect)
        finally:
            with self._state:
                self._foreign -= 1

    def _timeout_error(self, ph: Placeholder, bound: float) -> WaitTimeoutError:
        waits = self.describe_wait(ph)
        return WaitTimeoutError(
            f"waited {bound:g} s for {ph.seq_id} and it is still not there; "
            f"{_format_waits(waits)}", waits=waits)

    # --- stall diagnosis -----------------------------------------------------------------
    def describe_wait(self, ph: Placeholder) -> list[tuple[str, str]]:
        """Follow what ``ph`` waits on, agent by agent: ``[(agent, what it waits on)]``."""
        chain, _ = _wait_chain(ph)
        return chain

    def _check_stall(self, ph: Placeholder, suspect: Any) -> Any:
        """Raise DeadlockError when the same hopeless wait is seen twice in a row."""
        chain, why = _wait_chain(ph)
        if why is None:
            return None
        key = (why, tuple(chain))
        if key == suspect:
            raise DeadlockError(
                f"waiting for {ph.seq_id} can never finish: {why}; {_format_waits(chain)}",
                waits=chain)
        return key

    # --- shutdown ------------------------------------------------------------------------
    def shutdown(self) -> None:
        """At exit: let every pending call finish (bounded by ``exit_timeout``)."""
        try:
            if self.busy > 0 and _get_running_loop() is None:
                loop = self._loop
                if loop is not None and not loop.is_closed():
                    done = self._drain_at_exit(self.exit_timeout or 0.0)
                    if not done:
                        log.warning("agentcast: gave up waiting for %d busy agent(s) at exit",
                                    self.busy)
            with self._state:
                self._closing = True
            loop = self._loop
            if loop is not None and not loop.is_closed() and loop.is_running():
                loop.call_soon_threadsafe(loop.stop)
                if self._drive_lock.acquire(timeout=2.0):
                    self._drive_lock.release()
            self._finish_leftover_tasks()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)

    def _drain_at_exit(self, timeout: float) -> bool:
        """Wait for pending calls in slices; stop at once when every busy agent is stuck
        (they wait on each other, or on what nothing will produce): exit never waits on
        work that cannot finish."""
        from agentcast.runtime.actor import stuck_agents

        end = _monotonic() + timeout
        while True:
            try:
                if self.wait_all(timeout=max(0.0, min(0.5, end - _monotonic()))):
                    return True
            except DeadlockError as exc:
                log.warning("agentcast: leaving stuck agents at exit: %s", exc)
                return True
            if _monotonic() >= end:
                return False
            stuck = stuck_agents()
            if stuck:
                log.warning("agentcast: leaving stuck agents at exit: %s", "; ".join(stuck))
                return True

    def _finish_leftover_tasks(self) -> None:
        """Cancel and finish tasks still pending on our own loop, as asyncio.run does."""
        loop = self._loop
        if loop is None or loop.is_closed() or loop.is_running() or _get_running_loop():
            return
        tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
        if not tasks:
            return
        for task in tasks:
            task.cancel()
        gathered = asyncio.gather(*tasks, return_exceptions=True)
        for _ in range(3):
            try:
                loop.run_until_complete(gathered)
                return
            except RuntimeError:  # a stop() left queued by the last drive of the loop
                continue


class _Task:
    """The producer of a spawned coroutine's placeholder: a task that is running."""

    name = "task"

    def blocked_on(self, ph: Placeholder) -> None:
        return None


TASK = _Task()


def hopeless(ph: Placeholder) -> str | None:
    """Why waiting for ``ph`` can never finish (a cycle, or nothing will produce it), or
    None while it may still finish."""
    return _wait_chain(ph)[1]


def _wait_chain(ph: Placeholder) -> tuple[list[tuple[str, str]], str | None]:
    """Walk from ``ph`` to what blocks it. Returns the chain and, when it can never
    finish, why (a cycle, or an agent parked on a placeholder nothing produces)."""
    chain: list[tuple[str, str]] = []
    seen: set[int] = set()
    cur: Placeholder | None = ph
    for _ in range(1000):
        if cur is None or cur.done():
            return chain, None
        actor = cur.producer
        if actor is None:  # not an agent's call nor a task: nothing known will resolve it
            if chain and _runtime.threads_busy == 0:
                return chain, f"placeholder {cur.seq_id} is produced by no agent or task"
            return chain, None
        if id(actor) in seen:
            return chain, "the agents wait on each other in a cycle"
        seen.add(id(actor))
        blocker = actor.blocked_on(cur)
        if blocker is None:
            return chain, None  # it is doing something else (I/O, a timer, a thread)
        what, nxt = blocker
        chain.append((actor.name, what))
        cur = nxt
    return chain, None


def _set_done(fut: asyncio.Future[Any]) -> None:
    if not fut.done() and not fut.get_loop().is_closed():  # closed: the process is exiting
        fut.set_result(None)


def _format_waits(waits: list[tuple[str, str]]) -> str:
    if not waits:
        return "no agent is known to be blocking it"
    return "; ".join(f"agent {name!r} {what}" for name, what in waits)


_runtime = Runtime()


def get_runtime() -> Runtime:
    return _runtime
