"""Reply functions and hooks: the pieces a ConversableAgent's reply is assembled from.

A conversable agent replies by walking an ordered list of reply functions. Each is
``f(recipient, messages=..., sender=..., config=...) -> (final, reply)``; the first one whose
trigger matches the sender and that says ``final=True`` gives the reply. Triggers are a
class (the sender is an instance), a name (the sender's name), an agent (that very agent),
a predicate on the sender, ``None`` (no sender, inside a list), or a list of these.

Hooks transform messages at three points: ``process_message_before_send`` (what an agent
is about to send), ``process_last_received_message`` (the text of the last message, for
this reply only) and ``process_all_messages_before_reply`` (the whole list, for this reply
only). Neither list nor hooks hold anything but plain callables, so they stay picklable
and the rules for ordering live here, in one place.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agentcast.exceptions import ChatConfigError

ReplyFunc = Callable[..., Any]
HOOK_POINTS = ("process_message_before_send", "process_last_received_message",
               "process_all_messages_before_reply")

# Set while a chat started from blocking code runs, so that async reply functions
# registered with ``ignore_async_in_sync_chat=True`` are skipped there, as in AutoGen.
in_blocking_chat: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "agentcast_blocking_chat", default=False)


@dataclass
class ReplyEntry:
    """One registered reply function, its trigger and its (resettable) config."""

    trigger: Any
    func: ReplyFunc
    config: Any = None
    init_config: Any = None
    reset_config: Callable[[Any], Any] | None = None
    ignore_async_in_sync_chat: bool = False
    is_async: bool = field(init=False)

    def __post_init__(self) -> None:
        self.is_async = inspect.iscoroutinefunction(self.func)

    def reset(self) -> None:
        """Back to the config given at registration (or through ``reset_config``)."""
        if self.reset_config is not None:
            self.reset_config(self.config)
        else:
            import copy

            self.config = copy.copy(self.init_config)


def check_trigger(trigger: Any, agent_type: type) -> None:
    """Refuse a trigger that can never be matched (ValueError naming the argument)."""
    allowed = isinstance(trigger, (type, str, list)) or callable(trigger) or \
        isinstance(trigger, agent_type)
    if not allowed:
        raise ChatConfigError(
            f"trigger must be an agent class, an agent name, an agent, a predicate on the "
            f"sender or a list of these; got {trigger!r}", field="trigger")
    if isinstance(trigger, list):
        for t in trigger:
            if t is not None:
                check_trigger(t, agent_type)


def matches(trigger: Any, sender: Any, agent_type: type) -> bool:
    """Whether ``sender`` sets off ``trigger`` (see the module docstring)."""
    if trigger is None:
        return sender is None
    if isinstance(trigger, list):
        return any(matches(t, sender, agent_type) for t in trigger)
    if isinstance(trigger, str):
        return sender is not None and sender.name == trigger
    if isinstance(trigger, type):
        return isinstance(sender, trigger)
    if isinstance(trigger, agent_type):
        return trigger is sender or trigger == sender
    if callable(trigger):
        result = trigger(sender)
        if not isinstance(result, bool):
            raise ChatConfigError(
                f"trigger {trigger!r} must return True or False, returned {result!r}",
                field="trigger")
        return result
    return False


async def call_reply(entry: ReplyEntry, recipient: Any, messages: list[Any],
                     sender: Any) -> tuple[bool, Any]:
    """Run one reply function; a blocking one runs in a worker thread so it may itself
    start chats with the blocking API."""
    if entry.is_async:
        result = await entry.func(recipient, messages=messages, sender=sender,
                                  config=entry.config)
    else:
        ctx = contextvars.copy_context()
        result = await asyncio.to_thread(ctx.run, _call_sync, entry, recipient, messages,
                                         sender)
    if not isinstance(result, tuple) or len(result) != 2:
        raise ChatConfigError(
            f"reply function {getattr(entry.func, '__name__', entry.func)!r} must return "
            f"(final, reply), returned {result!r}", field="reply_func")
    return bool(result[0]), result[1]


def _call_sync(entry: ReplyEntry, recipient: Any, messages: list[Any], sender: Any) -> Any:
    try:
        return entry.func(recipient, messages=messages, sender=sender, config=entry.config)
    except StopIteration as exc:  # cannot cross into a Future: the chat would wait forever
        raise RuntimeError(f"reply function {entry.func!r} raised StopIteration") from exc


def check_hook_point(point: str) -> None:
    if point not in HOOK_POINTS:
        raise ChatConfigError(
            f"{point!r} is not a hook point; the hook points are {list(HOOK_POINTS)}",
            field="hookable_method")


__all__ = ["HOOK_POINTS", "ReplyEntry", "ReplyFunc", "call_reply", "check_hook_point",
           "check_trigger", "in_blocking_chat", "matches"]
