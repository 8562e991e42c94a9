"""The process-wide scheduler: one event loop, driven by whoever waits.

Why not a background loop thread: a cross-thread handshake per read costs ~80 µs, ten times
the per-hop budget. Instead the thread that reads an unresolved placeholder runs the loop
itself until the placeholder resolves (the loop is idle otherwise, and every pending call is
run at the latest when the program exits). Async programs simply share their running loop.

Placeholder callbacks run through a trampoline (a run queue drained in place), so that one
reply waking many waiting actors costs a function call each, not a loop round trip.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import threading
from collections import deque
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from agentcast import message
from agentcast.exceptions import PlaceholderReadError
from agentcast.message import Callback, Placeholder

log = logging.getLogger("agentcast.runtime")

_get_running_loop = asyncio._get_running_loop

# --- the trampoline (touched only on the thread that currently runs the loop) ----------
_runq: deque[tuple[Callback, Placeholder]] = deque()
_in_trampoline = False


def _run_callbacks(callbacks: list[Callback], ph: Placeholder) -> None:
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


def tune_gc() -> None:
    """Make full cyclic-GC passes rarer: an actor system keeps a large, long-lived heap
    (agents, memories) that every full pass re-scans for nothing, which cost a third of the
    CPU of 10,000 agents in flight. Thresholds are only ever raised, never lowered; set
    AGENTCAST_GC=default to keep CPython's own."""
    if os.environ.get("AGENTCAST_GC", "").lower() in ("default", "off", "0"):
        return
    import gc

    t0, t1, t2 = gc.get_threshold()
    if t0 == 0:  # collection disabled by the program: leave it so
        return
    gc.set_threshold(max(t0, 5000), max(t1, 20), max(t2, 100))


class Runtime:
    """Owns the event loop, the reply thread pool, and the sync bridge."""

    def __init__(self, max_threads: int | None = None) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._drive_lock = threading.Lock()
        self._create_lock = threading.Lock()
        self._cv = threading.Condition(threading.Lock())
        self._pool: ThreadPoolExecutor | None = None
        self.max_threads = max_threads or int(os.environ.get("AGENTCAST_THREADS", "64"))
        self.busy = 0  # actors with work in their mailbox + spawned jobs not yet done
        self._idle: Placeholder | None = None
        self._sleepers = 0  # threads blocked in wait() without driving
        self._inbox: deque[tuple[Callable[..., Any], tuple[Any, ...]]] = deque()
        self._wake_pending = False
        self.exit_timeout: float | None = 300.0

    # --- the loop ---------------------------------------------------------------------
    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The loop agents run on: the caller's running loop in async code, else our own."""
        running = _get_running_loop()
        loop = self._loop
        if running is not None:
            if loop is not running:
                self._bind(running)
            return running
        if loop is None or loop.is_closed():
            with self._create_lock:  # threads starting at once must share one loop
                loop = self._loop
                if loop is None or loop.is_closed():
                    loop = self._loop = asyncio.new_event_loop()
        return loop

    def _bind(self, running: asyncio.AbstractEventLoop) -> None:
        old = self._loop
        if old is not None and not old.is_closed() and old.is_running():
            raise RuntimeError(
                "agentcast agents are already running on another event loop in another thread"
            )
        if old is not None and not old.is_closed() and self.busy:
            log.warning("moving agentcast to a new event loop while %d actor(s) are busy", self.busy)
        self._loop = running


    # --- running work on the loop -------------------------------------------------------
    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` on the loop's thread: now if we may, else as soon as it runs.

        Submissions from one thread run in the order they were made: those that had to
        wait sit in an inbox that is flushed before any later one runs directly.
        """
        running = _get_running_loop()
        if running is not None:  # on a loop's thread: ours (or the caller's, which we adopt)
            if running is not self._loop:
                self._bind(running)
            if self._inbox:
                self._flush_inbox()
            fn(*args)
            return
        loop = self._loop
        if loop is None or loop.is_closed():
            loop = self.loop
        if self._drive_lock.acquire(False):
            try:
                if not loop.is_running():  # nobody drives: this thread may act as the loop
                    if self._inbox:
                        self._flush_inbox()
                    fn(*args)
                    return
            finally:
                self._drive_lock.release()
                if self._sleepers:
                    self._notify()
        self._inbox.append((fn, args))
        if not self._wake_pending:
            self._wake_pending = True
            loop.call_soon_threadsafe(self._flush_inbox)

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
    def pool(self) -> ThreadPoolExecutor:
        pool = self._pool
        if pool is None:
            pool = self._pool = ThreadPoolExecutor(
                self.max_threads, thread_name_prefix="agentcast-reply"
            )
        return pool

    def spawn(self, coro: Coroutine[Any, Any, Any], owner: str = "task") -> Placeholder:
        """Run a coroutine on the loop; its result resolves the returned placeholder."""
        ph = Placeholder(owner, 0)
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
        await self._idle_placeholder()

    # --- the sync bridge ------------------------------------------------------------------
    def wait(self, ph: Placeholder, timeout: float | None = None) -> bool:
        """Block a plain thread until ``ph`` resolves, driving the loop when nobody else is."""
        if ph._done:
            return True
        loop = self.loop
        if _get_running_loop() is not None:
            raise PlaceholderReadError(
                f"placeholder {ph.seq_id} is not resolved yet and this thread runs the event "
                "loop, so blocking would stall every agent: use `await placeholder` (or "
                "`await ac.gather(...)`) in async code"
            )
        registered = False
        deadline = None if timeout is None else loop.time() + timeout
        while not ph._done:
            if deadline is not None and loop.time() >= deadline:
                return False
            if not loop.is_running() and self._drive_lock.acquire(False):
                try:
                    if not ph._done and not loop.is_running():
                        self._drive(loop, ph, deadline)
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
                            self._cv.wait(0.05)
                        finally:
                            self._sleepers -= 1
        return True

    def _drive(self, loop: asyncio.AbstractEventLoop, ph: Placeholder, deadline: float | None) -> None:
        ph.add_done_callback(lambda _: loop.stop())
        handle = None
        if deadline is not None:
            handle = loop.call_at(deadline, loop.stop)
        try:
            loop.run_forever()
        finally:
            if handle is not None:
                handle.cancel()

    def _notify(self) -> None:
        with self._cv:
            self._cv.notify_all()

    # --- shutdown ------------------------------------------------------------------------
    def shutdown(self) -> None:
        """At exit: let every pending call finish (bounded by ``exit_timeout``)."""
        try:
            if self.busy > 0 and _get_running_loop() is None:
                loop = self._loop
                if loop is not None and not loop.is_closed() and not loop.is_running():
                    if not self.wait_all(timeout=self.exit_timeout):
                        log.warning("agentcast: gave up waiting for %d busy agent(s) at exit",
                                    self.busy)
            self._finish_leftover_tasks()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)

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
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))


_runtime = Runtime()
tune_gc()


def get_runtime() -> Runtime:
    return _runtime


def _sync_wait(ph: Placeholder) -> None:
    _runtime.wait(ph)


message._sync_wait = _sync_wait
message._run_callbacks = _run_callbacks
atexit.register(_runtime.shutdown)
