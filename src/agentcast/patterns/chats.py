"""Sequences of chats: each one carries the earlier ones' summaries over.

``initiate_chats(queue)`` runs the chats one after the other; chat *i* gets its own
``carryover`` plus the summaries of the chats before it (except those listed in
``finished_chat_indexes_to_exclude_from_carryover``), appended to its message as context.
``a_initiate_chats(queue)`` runs them concurrently: every chat has a ``chat_id`` and may list
``prerequisites`` (chat ids); a chat starts when its prerequisites are done and carries
their summaries over. Each queue entry holds ``initiate_chat``'s arguments plus
``sender`` and ``recipient``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from agentcast.exceptions import ChatConfigError
from agentcast.patterns.chat import (
    ChatResult,
    a_run_chat,
    check_summary_method,
    run_sync,
    warn_cache,
)

log = logging.getLogger("agentcast.patterns")
_OPTIONS = ("clear_history", "silent", "max_turns", "summary_method", "summary_args",
            "termination")
_QUEUE_ONLY = ("sender", "recipient", "message", "cache",
               "finished_chat_indexes_to_exclude_from_carryover", "prerequisites")


def _check(chat_queue: list[dict[str, Any]]) -> None:
    if not isinstance(chat_queue, list):
        raise ChatConfigError("chat_queue must be a list of dicts", field="chat_queue")
    seen: set[int] = set()
    for i, chat in enumerate(chat_queue):
        if not isinstance(chat, dict):
            raise ChatConfigError(f"chat #{i} must be a dict", field="chat_queue")
        for key in ("sender", "recipient"):
            if chat.get(key) is None:
                raise ChatConfigError(f"chat #{i} has no {key!r}", field=key)
        check_summary_method(chat.get("summary_method", "last_msg"))
        rid = id(chat["recipient"])
        if rid in seen and chat.get("clear_history", True):
            log.warning("%r is the recipient of several chats: its history with the sender is "
                        "cleared each time unless that chat sets clear_history=False",
                        chat["recipient"])
        seen.add(rid)


def _carryover(chat: dict[str, Any], earlier: list[str]) -> list[Any]:
    own = chat.get("carryover") or []
    own = [own] if isinstance(own, str) else list(own)
    return own + earlier


async def _run_one(chat: dict[str, Any], carryover: list[Any]) -> ChatResult:
    warn_cache(chat.get("cache"))
    options = {k: chat[k] for k in _OPTIONS if k in chat}
    context = {k: v for k, v in chat.items() if k not in _OPTIONS and k not in _QUEUE_ONLY}
    context["carryover"] = carryover
    return await a_run_chat(chat["sender"], chat["recipient"], chat.get("message"),
                            context=context, **options)


async def a_initiate_chats_in_order(chat_queue: list[dict[str, Any]]) -> list[ChatResult]:
    """The async form of ``initiate_chats``: one chat after the other."""
    _check(chat_queue)
    results: list[ChatResult] = []
    for chat in chat_queue:
        skip = set(chat.get("finished_chat_indexes_to_exclude_from_carryover") or ())
        earlier = [r.summary for i, r in enumerate(results) if i not in skip]
        results.append(await _run_one(chat, _carryover(chat, earlier)))
    return results


def initiate_chats(chat_queue: list[dict[str, Any]]) -> list[ChatResult]:
    """Run the chats one after the other (blocking); earlier summaries carry over."""
    result: list[ChatResult] = run_sync(a_initiate_chats_in_order(chat_queue))
    return result


def chat_order(chat_queue: list[dict[str, Any]]) -> list[Any]:
    """The chat ids in an order that respects the prerequisites (ValueError on a cycle or
    an unknown id)."""
    ids = [c.get("chat_id") for c in chat_queue]
    if any(i is None for i in ids):
        raise ChatConfigError("every chat of a_initiate_chats needs a 'chat_id'",
                              field="chat_id")
    if len(set(ids)) != len(ids):
        raise ChatConfigError(f"chat ids must be unique, got {ids}", field="chat_id")
    needs = {c["chat_id"]: list(c.get("prerequisites") or ()) for c in chat_queue}
    for cid, pre in needs.items():
        unknown = [p for p in pre if p not in needs]
        if unknown:
            raise ChatConfigError(f"chat {cid!r} has unknown prerequisites {unknown}",
                                  field="prerequisites")
    order: list[Any] = []
    done: set[Any] = set()
    while len(order) < len(ids):
        ready = [c for c in ids if c not in done and all(p in done for p in needs[c])]
        if not ready:
            left = [c for c in ids if c not in done]
            raise ChatConfigError(f"the prerequisites of chats {left} form a cycle",
                                  field="prerequisites")
        order.extend(ready)
        done.update(ready)
    return order


async def a_initiate_chats(chat_queue: list[dict[str, Any]]) -> dict[Any, ChatResult]:
    """Run the chats concurrently as their prerequisites allow; results by chat id."""
    _check(chat_queue)
    chat_order(chat_queue)
    by_id = {c["chat_id"]: c for c in chat_queue}
    tasks: dict[Any, asyncio.Task[ChatResult]] = {}

    async def run(cid: Any) -> ChatResult:
        chat = by_id[cid]
        pre = list(chat.get("prerequisites") or ())
        earlier = [(await tasks[p]).summary for p in pre]
        return await _run_one(chat, _carryover(chat, earlier))

    for cid in chat_order(chat_queue):
        tasks[cid] = asyncio.ensure_future(run(cid))
    return {cid: await task for cid, task in tasks.items()}


def nested_chats_reply(chat_queue: list[dict[str, Any]]) -> Any:
    """A reply function that runs ``chat_queue`` (AutoGen's ``register_nested_chats``): the
    replying agent is the sender unless a chat names one; the first chat without a message
    gets the last message received; a callable message is called with (recipient, messages,
    sender, config). The reply is the last chat's summary."""

    async def summary_from_nested_chats(recipient: Any, messages: list[Any] | None = None,
                                        sender: Any = None, config: Any = None
                                        ) -> tuple[bool, Any]:
        history = messages or []
        queue = []
        for i, chat in enumerate(chat_queue):
            current = dict(chat)
            current.setdefault("sender", recipient)
            message = current.get("message")
            if callable(message):
                message = message(recipient, history, sender, config)
            elif message is None and i == 0 and history:
                message = history[-1]["content"]
            current["message"] = message
            queue.append(current)
        if not queue:
            return False, None
        results = await a_initiate_chats_in_order(queue)
        return True, results[-1].summary

    return summary_from_nested_chats


__all__ = ["a_initiate_chats", "a_initiate_chats_in_order", "chat_order", "initiate_chats",
           "nested_chats_reply"]
