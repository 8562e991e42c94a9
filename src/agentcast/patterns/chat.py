"""Two-agent chat: a sender opens, then the two auto-reply until one of them stops.

The exchange is AutoGen's: a message is recorded on both sides; the receiver answers when
asked (``request_reply``) or when the chat set it up to (``reply_at_receive``); an answer of
None ends it. ``max_turns`` bounds the number of round trips (the sender speaks, the
recipient answers); without it the agents' own rules (termination messages, auto-reply
caps) end the chat, and a safety cap of ``CHAT_MESSAGE_LIMIT`` messages stops a pair of
agents that never would. The loop is iterative, one coroutine: the blocking form
(``initiate_chat``) runs it on the runtime's loop, the async form wherever it is awaited.

agentcast adds, under names of its own: ``termination=`` (composable conditions, polled
while an agent thinks), ``ChatResult.history`` (every message of the chat),
``ChatResult.usage`` (this chat's model calls, from a monitor scope) and ``stop_reason``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Union

from agentcast.exceptions import BudgetExceeded, ChatConfigError, UsageError
from agentcast.message import Msg
from agentcast.models.base import ChatModelBase
from agentcast.patterns._support import (
    CHAT_MESSAGE_LIMIT,
    ChatRun,
    Interrupted,
    current_chat,
    log,
)
from agentcast.patterns.messages import MessageLike, content_str
from agentcast.patterns.protocol import Conversable, as_conversable
from agentcast.patterns.replies import in_blocking_chat
from agentcast.patterns.termination import TerminationCondition, combine
from agentcast.patterns.usage import counting, merge_summaries

DEFAULT_SUMMARY_METHOD = "last_msg"
DEFAULT_SUMMARY_PROMPT = (
    "Sum up what this conversation settled, in a few plain sentences, with no preamble. "
    "If the request was not met, say so."
)
SummaryMethod = Union[str, Callable[..., Any], None]


@dataclass
class ChatResult:
    """What a chat produced. AutoGen's fields first; agentcast's extras after."""

    chat_id: Any = None
    #: the sender's history with the recipient (AutoGen's meaning)
    chat_history: list[Msg] = field(default_factory=list)
    summary: str = ""
    #: the participants' usage so far, AutoGen's shape (``gather_usage_summary``)
    cost: dict[str, Any] = field(default_factory=dict)
    #: what people typed for the sender during the chat
    human_input: list[str] = field(default_factory=list)
    #: every message of this chat, whoever said it (group chats included)
    history: list[Msg] = field(default_factory=list)
    #: this chat's model calls only (a monitor scope): calls, tokens, cost, by_agent, by_model
    usage: dict[str, Any] = field(default_factory=dict)
    stop_reason: str = ""

    @property
    def total_cost(self) -> float:
        """This chat's dollars (``usage["cost"]``)."""
        return float(self.usage.get("cost", 0.0))

    @property
    def total_tokens(self) -> int:
        """This chat's tokens (``usage["total_tokens"]``)."""
        return int(self.usage.get("total_tokens", 0))


async def exchange(sender: Conversable, message: MessageLike, recipient: Conversable,
                   request_reply: bool | None = None, silent: bool = False,
                   run: ChatRun | None = None) -> None:
    """Deliver ``message`` and let the two answer each other while they want to."""
    limit = run.limit if run is not None else CHAT_MESSAGE_LIMIT
    for _ in range(limit):
        msg = sender.record_sent(message, recipient, silent)
        recipient.record_received(msg, sender, silent)
        if run is not None and not run.add(msg):
            return
        if not recipient.wants_reply(sender, request_reply):
            return
        pending = recipient.a_generate_reply(sender=sender)
        reply = await (run.wait(pending) if run is not None else pending)
        if isinstance(reply, Interrupted):
            return
        if reply is None:
            if run is not None:
                run.stop(recipient.ended_because())
            return
        sender, recipient, message, request_reply = recipient, sender, reply, None
    if run is not None:
        run.check()
    else:
        log.warning("exchange between %s and %s stopped at the safety cap of %d messages",
                    sender.name, recipient.name, limit)


async def a_run_chat(sender: Any, recipient: Any, message: Any = None, *,
                     clear_history: bool = True, silent: bool = False,
                     max_turns: int | None = None,
                     summary_method: SummaryMethod = DEFAULT_SUMMARY_METHOD,
                     summary_args: dict[str, Any] | None = None,
                     termination: TerminationCondition | None = None,
                     context: dict[str, Any] | None = None) -> ChatResult:
    """The chat behind ``initiate_chat`` (see the module docstring)."""
    snd, rcp = as_conversable(sender), as_conversable(recipient)
    for key, advice in _NOT_CONTEXT.items():
        if context and key in context:
            raise ChatConfigError(f"{key} is not a chat argument: {advice}", field=key)
    if max_turns is not None and (not isinstance(max_turns, int) or max_turns < 0):
        raise ChatConfigError(f"max_turns must be a non-negative int or None, got {max_turns!r}",
                              field="max_turns")
    check_summary_method(summary_method)
    context = dict(context or {})
    condition = combine(termination)
    if condition is not None:
        condition.reset()
    names = {snd.name, rcp.name, *snd.usage_names(), *rcp.usage_names()}
    with counting() as monitor, monitor.scope(names) as scope:
        run = ChatRun(scope, condition)
        outer = current_chat.get()
        current_chat.set(run)
        try:
            bounded = max_turns is not None
            snd.prepare_chat(rcp, clear_history, reply_at_receive=not bounded)
            rcp.prepare_chat(snd, clear_history, reply_at_receive=not bounded)
            if callable(message) and not isinstance(message, Msg):
                first = message(sender, recipient, context)
                if asyncio.iscoroutine(first):
                    first = await first
            else:
                first = await snd.a_generate_init_message(message, context)
            if max_turns is None:
                if first is not None:
                    await exchange(snd, first, rcp, None, silent, run)
                else:
                    run.stop(f"{snd.name} had nothing to say")
            else:
                for turn in range(max_turns):
                    if turn > 0:
                        got = await run.wait(snd.a_generate_reply(sender=rcp))
                        if isinstance(got, Interrupted):
                            break
                        first = got
                    if first is None:
                        run.stop(snd.ended_because())
                        break
                    await exchange(snd, first, rcp, True, silent, run)
                    if run.stopped:
                        break
                else:
                    run.stop(f"reached max_turns={max_turns}")
            if not run.stopped:
                run.stop("no reply was due")
        finally:
            current_chat.set(outer)
            snd.end_chat()
            rcp.end_chat()
        summary = await summarize(summary_method, snd, rcp, summary_args or {}, run)
        run.sync_usage()
        usage = scope.as_dict()
    return ChatResult(
        chat_id=context.get("chat_id"), chat_history=list(snd.chat_messages.get(rcp, [])),
        summary=summary, cost=gather_usage_summary([snd, rcp]),
        human_input=list(snd.human_input), history=list(run.state.messages), usage=usage,
        stop_reason=run.stop_reason)


def gather_usage_summary(agents: Any) -> dict[str, dict[str, Any]]:
    """The usage of ``agents`` together, by model (AutoGen's shape). Without a response
    cache, the "including cached" and "excluding cached" halves are the same numbers."""
    merged = merge_summaries(as_conversable(a).get_total_usage() for a in agents)
    return {"usage_including_cached_inference": merged,
            "usage_excluding_cached_inference": {
                k: dict(v) if isinstance(v, dict) else v for k, v in merged.items()}}


# --- summaries --------------------------------------------------------------------------
def check_summary_method(method: SummaryMethod) -> None:
    if method is None or callable(method) or method in ("last_msg", "reflection_with_llm"):
        return
    raise ChatConfigError(
        f"summary_method must be 'last_msg', 'reflection_with_llm', a callable "
        f"(sender, recipient, summary_args) or None; got {method!r}", field="summary_method")


def last_msg_summary(last: Msg | None) -> str:
    """The last message's text with every "TERMINATE" taken out (AutoGen's last_msg)."""
    return content_str(last).replace("TERMINATE", "")


async def summarize(method: SummaryMethod, sender: Conversable, recipient: Conversable,
                    summary_args: dict[str, Any], run: ChatRun) -> str:
    """The chat's summary by ``method`` (see ``initiate_chat``)."""
    if method is None:
        return ""
    if method == "last_msg":
        history = sender.chat_messages.get(recipient) or run.state.messages
        return last_msg_summary(history[-1] if history else None)
    if method == "reflection_with_llm":
        try:
            return await reflection_summary(sender, recipient, summary_args,
                                            recipient.chat_messages_for_summary(sender))
        except BudgetExceeded:  # the chat may have stopped for exactly this reason
            return last_msg_summary(run.state.messages[-1] if run.state.messages else None)
    value = method(sender, recipient, summary_args)  # type: ignore[operator]
    if asyncio.iscoroutine(value):
        value = await value
    return "" if value is None else str(value)


async def reflection_summary(sender: Conversable, recipient: Conversable,
                             summary_args: dict[str, Any], history: list[Msg]) -> str:
    """Ask the recipient's model (else the sender's) to sum the chat up."""
    owner, model = recipient, recipient.summary_model()
    if model is None:
        owner, model = sender, sender.summary_model()
    if model is None:
        raise ChatConfigError(
            "summary_method='reflection_with_llm' needs a model on the recipient or the "
            "sender; give one of them a model or use 'last_msg'", field="summary_method")
    prompt = summary_args.get("summary_prompt") or DEFAULT_SUMMARY_PROMPT
    role = summary_args.get("summary_role") or "system"
    msgs = [Msg(m.name, content_str(m), "assistant" if m.name == owner.name else "user")
            for m in history]
    msgs.append(Msg(owner.name if role != "system" else "system", prompt, role))
    kwargs: dict[str, Any] = {"agent": owner.name} if isinstance(model, ChatModelBase) else {}
    from agentcast.durable.replay import journaled_model_call

    response = await journaled_model_call(model, msgs, f"{owner.name}/summary", **kwargs)
    return str(response.text)


# --- blocking entry points ----------------------------------------------------------------
def run_sync(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a chat coroutine on the agents' loop and wait for it (from a script or a thread)."""
    from agentcast.runtime.scheduler import get_runtime

    if _in_running_loop():
        coro.close()
        raise UsageError(
            "this call blocks, and this thread runs an event loop: use the async form "
            "(`await agent.a_initiate_chat(...)`, `await ac.initiate_chat_async(...)`)"
        )
    return get_runtime().spawn(_blocking(coro), "chat").result()


async def _blocking(coro: Coroutine[Any, Any, Any]) -> Any:
    token = in_blocking_chat.set(True)
    try:
        return await coro
    finally:
        in_blocking_chat.reset(token)


def _in_running_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


async def initiate_chat_async(sender: Any, recipient: Any, message: Any = None,
                              **kwargs: Any) -> ChatResult:
    """``sender.a_initiate_chat(recipient, message=message, ...)`` for any two agents (a
    plain Agent takes part through ``as_conversable``)."""
    options = {k: kwargs.pop(k) for k in list(kwargs) if k in _CHAT_OPTIONS}
    warn_cache(kwargs.pop("cache", None))
    return await a_run_chat(sender, recipient, message, context=kwargs, **options)


def initiate_chat(sender: Any, recipient: Any, message: Any = None, **kwargs: Any) -> ChatResult:
    """The blocking form of ``initiate_chat_async``, for scripts."""
    result: ChatResult = run_sync(initiate_chat_async(sender, recipient, message, **kwargs))
    return result


def warn_cache(cache: Any) -> None:
    """agentcast has no response cache: say so rather than ignore ``cache=`` silently."""
    if cache is not None:
        log.warning("cache=%r ignored: agentcast has no response cache (every call goes to "
                    "the model)", cache)


# Keywords that would otherwise pass silently into the context: say where they belong.
_NOT_CONTEXT = {
    "is_termination_msg": "give it to the agent (ConversableAgent(is_termination_msg=...)) or "
                          "pass termination=ac.FunctionTermination(fn) to the chat",
    "summary_prompt": "pass summary_args={'summary_prompt': ...}",
}

_CHAT_OPTIONS = frozenset({"clear_history", "silent", "max_turns", "summary_method",
                           "summary_args", "termination"})

__all__ = ["DEFAULT_SUMMARY_METHOD", "DEFAULT_SUMMARY_PROMPT", "ChatResult", "a_run_chat",
           "exchange", "gather_usage_summary", "initiate_chat", "initiate_chat_async",
           "last_msg_summary", "run_sync", "summarize", "warn_cache"]
