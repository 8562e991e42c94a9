"""Two-agent chat: two agents auto-reply to each other until a termination condition holds.

The chat is one coroutine on the runtime's loop that calls the agents in turn, so it behaves
the same from a script (``initiate_chat`` blocks) and from async code
(``await initiate_chat_async(...)``); the sync form is a thin wrapper over the async one.
Agents see each other only through the messages they are called with; an agent ends the
chat by replying ``None`` (a user proxy does so when its human types ``exit`` or its
auto-reply cap is reached).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Union

from agentcast.exceptions import AgentCallError, BudgetExceeded, UsageError
from agentcast.message import Msg
from agentcast.patterns._support import (
    Interrupted,
    UsageTracker,
    as_msg,
    call_flexibly,
    wait_reply,
)
from agentcast.patterns.termination import (
    ChatState,
    FunctionTermination,
    TerminationCondition,
    combine,
    content_text,
)

DEFAULT_MAX_TURNS = 20  # nothing runs unbounded: a chat without max_turns stops here
SUMMARY_PROMPT = (
    "Summarize the takeaway from the conversation. Do not add any introductory phrases."
)
SummaryMethod = Union[str, Callable[..., Any], None]


@dataclass
class ChatResult:
    """What a chat produced: its messages, a summary, what it cost and why it stopped."""

    history: list[Msg] = field(default_factory=list)
    summary: str = ""
    usage: dict[str, Any] = field(default_factory=dict)
    cost: float = 0.0
    stop_reason: str = ""

    @property
    def chat_history(self) -> list[Msg]:
        """AutoGen's name for ``history``."""
        return self.history

    @property
    def total_tokens(self) -> int:
        return int(self.usage.get("total_tokens", 0))


def asks_on_termination(agent: Any) -> bool:
    """Agents with a human behind them decide themselves whether a termination msg ends it."""
    return getattr(agent, "human_input_mode", "NEVER") in ("ALWAYS", "TERMINATE")


def flag_termination(msg: Msg) -> Msg:
    """A copy (same id) marked so that a user proxy knows the chat would end here."""
    flagged = msg.copy()
    flagged.metadata["termination"] = True
    return flagged


def is_exit(msg: Msg) -> bool:
    content = msg.content
    return msg.role == "user" and isinstance(content, str) and \
        content.strip().lower() in ("exit", "quit")


async def initiate_chat_async(
    sender: Any,
    recipient: Any,
    message: Any = None,
    *,
    max_turns: int | None = None,
    is_termination_msg: Callable[[Msg], Any] | None = None,
    termination: TerminationCondition | None = None,
    summary_method: SummaryMethod = "last_msg",
    summary_prompt: str = SUMMARY_PROMPT,
) -> ChatResult:
    """Run a chat: ``sender`` says ``message`` to ``recipient``, then they take turns.

    ``message``: a string, a dict, a Msg, a callable ``(sender, recipient) -> str | Msg``, or
    None (the sender speaks first on its own). ``max_turns`` counts the recipient's replies
    (default ``DEFAULT_MAX_TURNS``). ``is_termination_msg(msg)`` ends the chat when it holds
    for a message (an agent with a human decides instead); ``termination`` adds composable
    conditions. ``summary_method``: "last_msg", "reflection_with_llm" or a callable taking
    the history (or sender, recipient, history). With a GroupChatManager as recipient the
    group chat runs (its own caps apply; ``termination`` is added to them).
    """
    run_group = getattr(recipient, "run_chat_async", None)
    if run_group is not None:  # a GroupChatManager: the chat is the group's
        if message is None:
            message = await sender()
        elif callable(message) and not isinstance(message, Msg):
            message = call_flexibly(message, sender, recipient)
        result: ChatResult = await run_group(message, sender, termination)
        return result
    cap = DEFAULT_MAX_TURNS if max_turns is None else max_turns
    if cap < 0:
        raise UsageError("max_turns must be >= 0")
    condition = combine(termination)
    if condition is not None:
        condition.reset()
    stop_msg = FunctionTermination(is_termination_msg) if is_termination_msg else None
    for agent in (sender, recipient):
        reset = getattr(agent, "reset_consecutive_auto_reply_counter", None)
        if callable(reset):
            reset()
    state = ChatState()
    stop_reason = ""
    with UsageTracker({sender.name, recipient.name}) as tracker:
        if message is None:
            first = await sender()
            if first is None:
                return ChatResult(stop_reason=f"{sender.name} had nothing to say")
        else:
            if callable(message) and not isinstance(message, Msg):
                message = call_flexibly(message, sender, recipient)
            first = as_msg(message, sender.name)
            sender.observe(first)  # the opener is part of the sender's own conversation
            if hasattr(sender, "speak"):
                sender.speak(first)
        state.messages.append(first)
        current: Msg = first
        speaker, other = recipient, sender
        turns = 0
        undelivered = True  # the speaker has not been given ``current`` yet
        while True:
            tracker.update(state)
            reason = condition.check(state) if condition is not None else None
            if reason is not None:
                stop_reason = reason
                break
            if turns >= cap:
                stop_reason = f"reached max_turns={cap}"
                break
            x = current
            if stop_msg is not None and stop_msg.check(state) is not None:
                if not asks_on_termination(speaker):
                    stop_reason = f"termination message from {current.name}"
                    break
                x = flag_termination(current)
            undelivered = False
            try:
                reply = await wait_reply(speaker(x), state, condition, tracker)
            except AgentCallError as exc:
                if isinstance(exc.original, BudgetExceeded):
                    stop_reason = f"budget exceeded: {exc.original}"
                    break
                raise
            if isinstance(reply, Interrupted):
                stop_reason = reply.reason
                break
            if reply is None or is_exit(reply):
                own_check = getattr(speaker, "is_termination_msg", None)
                stop_reason = f"termination message from {current.name}" \
                    if reply is None and callable(own_check) and own_check(current) \
                    else f"{speaker.name} ended the chat"
                break
            state.messages.append(reply)
            current = reply
            undelivered = True
            if speaker is recipient:
                turns += 1
            speaker, other = other, speaker
        if undelivered:
            speaker.observe(current)  # the last word reaches the other side, unanswered
        tracker.update(state)
        summary = await summarize(summary_method, sender, recipient, state.messages,
                                  summary_prompt)
        tracker.update(state)
        usage = tracker.as_dict()
    return ChatResult(list(state.messages), summary, usage, float(usage["cost"]), stop_reason)


def initiate_chat(sender: Any, recipient: Any, message: Any = None, **kwargs: Any) -> ChatResult:
    """Run a chat from a plain script (blocks until it ends). In async code use
    ``await initiate_chat_async(...)``; both take the same arguments."""
    result: ChatResult = run_sync(initiate_chat_async(sender, recipient, message, **kwargs))
    return result


def run_sync(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a chat coroutine on the agents' loop and wait for it (from a script or a thread)."""
    from agentcast.runtime.scheduler import get_runtime

    if _in_running_loop():
        coro.close()
        raise UsageError(
            "this call blocks, and this thread runs an event loop: use the async form "
            "(`await ac.initiate_chat_async(...)`, `await manager.run_chat_async(...)`)"
        )
    return get_runtime().spawn(coro, "chat").result()


def _in_running_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


# --- summaries --------------------------------------------------------------------------
_TERMINATE = re.compile(r"\s*\bTERMINATE\b\s*$")


def last_msg_summary(history: list[Msg]) -> str:
    """The last message's text, without a trailing TERMINATE."""
    if not history:
        return ""
    return _TERMINATE.sub("", content_text(history[-1])).strip()


def _model_owner(*agents: Any) -> Any:
    for agent in agents:
        if getattr(agent, "_model_ref", None) is not None or \
                getattr(agent, "_model", None) is not None:
            return agent
    return None


async def reflection_summary(history: list[Msg], agents: tuple[Any, ...],
                             prompt: str = SUMMARY_PROMPT) -> str:
    """Ask the first of ``agents`` that has a model to summarise the chat."""
    owner = _model_owner(*agents)
    if owner is None:
        return last_msg_summary(history)
    from agentcast.models.base import ChatModelBase

    model = owner.model
    lines = "\n".join(f"{m.name}: {content_text(m)}" for m in history)
    msgs = [Msg("system", prompt, role="system"), Msg("user", lines, role="user")]
    kwargs: dict[str, Any] = {"agent": owner.name} if isinstance(model, ChatModelBase) else {}
    response = await model(msgs, **kwargs)
    return str(response.text).strip()


async def summarize(method: SummaryMethod, sender: Any, recipient: Any, history: list[Msg],
                    prompt: str = SUMMARY_PROMPT) -> str:
    if method is None:
        return ""
    if method == "last_msg":
        return last_msg_summary(history)
    if method == "reflection_with_llm":
        try:
            return await reflection_summary(history, (sender, recipient), prompt)
        except BudgetExceeded:  # the chat may have stopped for exactly this reason
            return last_msg_summary(history)
    if callable(method):
        value = call_flexibly(method, sender, recipient, history)
        if asyncio.iscoroutine(value):
            value = await value
        return "" if value is None else str(value)
    raise UsageError(
        f"summary_method must be 'last_msg', 'reflection_with_llm' or a callable, got {method!r}"
    )


__all__ = ["DEFAULT_MAX_TURNS", "ChatResult", "initiate_chat", "initiate_chat_async",
           "last_msg_summary", "reflection_summary", "run_sync", "summarize"]
