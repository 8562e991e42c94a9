"""Eager task start: run a coroutine's first step at once, as a real Task.

An instant reply then finishes without a trip through the event loop (one loop iteration
costs more than the whole hop budget). Python 3.12 has this built in (``eager_start``);
for 3.11 this backports it on the pure-Python Task, which is a real ``asyncio.Task`` in
every way that matters (``current_task()``, cancellation, timeouts, anyio cancel scopes).
"""

from __future__ import annotations

import asyncio
import contextvars
import sys
from collections.abc import Coroutine
from typing import Any

_get_running_loop = asyncio._get_running_loop


if sys.version_info >= (3, 12):

    def start_task(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, Any]) -> Any:
        if _get_running_loop() is loop:
            return asyncio.Task(coro, loop=loop, eager_start=True)  # type: ignore[call-arg]
        return loop.create_task(coro)

elif sys.version_info >= (3, 11):  # pragma: no cover - depends on the interpreter
    from asyncio import futures as _futures
    from asyncio import tasks as _tasks

    _PyTask: Any = _tasks._PyTask  # type: ignore[attr-defined]
    _PyFuture: Any = _futures._PyFuture  # type: ignore[attr-defined]
    _enter_task = _tasks._enter_task
    _leave_task = _tasks._leave_task
    _register_task = _tasks._register_task
    _current_task = _tasks.current_task

    class _EagerTask(_PyTask):  # type: ignore[misc,valid-type]
        # Defaults as class attributes: the task methods assign instance values on change.
        _name = "agentcast-task"
        _num_cancels_requested = 0
        _must_cancel = False
        _fut_waiter = None

        def __init__(self, coro: Coroutine[Any, Any, Any], loop: asyncio.AbstractEventLoop):
            # What Future.__init__ and Task.__init__ do, minus scheduling the first step.
            self._loop = loop
            self._callbacks: list[Any] = []
            if loop.get_debug():
                _PyFuture.__init__(self, loop=loop)
            self._coro = coro
            self._context = context = contextvars.copy_context()
            prev = _current_task(loop)
            if prev is not None:
                _leave_task(loop, prev)
            try:
                context.run(self._Task__step)
            finally:
                if prev is not None:
                    _enter_task(loop, prev)
            if not self.done():  # it suspended: now it is a long-lived task, list it
                _register_task(self)

    def start_task(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, Any]) -> Any:
        if _get_running_loop() is loop:
            return _EagerTask(coro, loop)
        return loop.create_task(coro)

else:  # pragma: no cover - Python 3.10

    def start_task(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, Any]) -> Any:
        return loop.create_task(coro)
