"""Which methods of an agent can be called on its distributed proxy, and how.

AgentScope 0.x made every public method of a distributed agent callable from the caller's
process: plain methods block until the remote result is there, methods marked with
``@async_func`` return at once with a placeholder whose ``result()`` is the value. The same
here; the marks are plain attributes, so the agent class is unchanged when it runs locally.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

ASYNC = "async"
SYNC = "sync"
_MARK = "_agentcast_remote"
# reach the agent through its mailbox (calls and observations), never as methods
MAILBOX_ONLY = frozenset({"reply", "observe", "observe_async"})


def async_func(func: F) -> F:
    """Mark a method: on a ``to_dist()`` agent, calling it returns a placeholder at once
    (``.result()`` waits for the value); locally it is an ordinary call."""
    setattr(func, _MARK, ASYNC)
    return func


def sync_func(func: F) -> F:
    """Mark a method as callable remotely and blocking. Public methods are that already;
    the mark also exposes a method whose name starts with an underscore."""
    setattr(func, _MARK, SYNC)
    return func


# to_dist of 10,000 agents of one class looks once; classes made at run time may go away
_cache: weakref.WeakKeyDictionary[type, Mapping[str, bool]] = weakref.WeakKeyDictionary()


def remote_callables(cls: type) -> Mapping[str, bool]:
    """``{name: returns_a_placeholder}`` for the methods of ``cls`` a proxy forwards:
    public functions, and underscored ones marked with ``async_func``/``sync_func``
    (dunder methods never; ``reply`` and ``observe`` go through the mailbox instead)."""
    cached = _cache.get(cls)
    if cached is not None:
        return cached
    out: dict[str, bool] = {}
    for name in dir(cls):
        if name.startswith("__") or name in MAILBOX_ONLY:
            continue
        member = inspect.getattr_static(cls, name, None)
        if isinstance(member, (staticmethod, classmethod)):
            member = member.__func__
        if not inspect.isfunction(member):
            continue
        mark = getattr(member, _MARK, None)
        if name.startswith("_") and mark is None:
            continue
        out[name] = mark == ASYNC
    table = _cache[cls] = MappingProxyType(out)
    return table


__all__ = ["ASYNC", "SYNC", "async_func", "remote_callables", "sync_func"]
