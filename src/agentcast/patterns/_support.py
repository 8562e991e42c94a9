"""What every chat pattern needs: usage counting, interruptible waits, asking a human.

Usage is counted from the ``model_call`` events of the hook bus, filtered by the names of the
chat's agents, so a chat knows its own tokens and dollars whether or not a run (and its
monitor) is active; prices come from the run's monitor when there is one (the user's
overrides), else from the built-in price list.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from agentcast import hooks
from agentcast.message import Msg, Placeholder
from agentcast.patterns.termination import ChatState, TerminationCondition

POLL_SECONDS = 0.05


@dataclass
class _Count:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"calls": self.calls, "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens,
                "total_tokens": self.prompt_tokens + self.completion_tokens,
                "cost": self.cost}


@dataclass
class UsageTracker:
    """Counts the model calls of the named agents while it is entered."""

    names: set[str]
    total: _Count = field(default_factory=_Count)
    by_agent: dict[str, _Count] = field(default_factory=dict)
    _unsubscribe: Callable[[], None] | None = None
    _prices: Any = None

    def __enter__(self) -> UsageTracker:
        self._unsubscribe = hooks.subscribe(self._on_event)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_event(self, kind: str, data: dict[str, Any]) -> None:
        if kind != "model_call" or data.get("agent") not in self.names:
            return
        usage = data.get("usage")
        prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion = int(getattr(usage, "completion_tokens", 0) or 0)
        cost = self._cost(str(data.get("model") or ""), data.get("config_name"), prompt,
                          completion)
        for count in (self.total, self.by_agent.setdefault(str(data["agent"]), _Count())):
            count.calls += 1
            count.prompt_tokens += prompt
            count.completion_tokens += completion
            count.cost += cost

    def _cost(self, model: str, config: Any, prompt: int, completion: int) -> float:
        try:
            from agentcast.observe.monitor import PriceTable
            from agentcast.observe.run import current_run
        except ImportError:  # pragma: no cover - observe is part of the package
            return 0.0
        run = current_run()
        table = run.monitor.prices if run is not None else self._prices
        if table is None:
            table = self._prices = PriceTable()
        price = table.lookup(model, config)
        return float(price.cost(prompt, completion)) if price is not None else 0.0

    def update(self, state: ChatState) -> None:
        """Copy the counts into the chat state that termination conditions read."""
        state.prompt_tokens = self.total.prompt_tokens
        state.completion_tokens = self.total.completion_tokens
        state.cost = self.total.cost

    def as_dict(self) -> dict[str, Any]:
        out = self.total.as_dict()
        out["by_agent"] = {k: v.as_dict() for k, v in sorted(self.by_agent.items())}
        return out


@dataclass
class Interrupted:
    """A wait ended because a termination condition fired, not because the reply came."""

    reason: str


async def wait_reply(ph: Any, state: ChatState, condition: TerminationCondition | None,
                     tracker: UsageTracker | None = None) -> Any:
    """The reply behind ``ph``; if the condition can interrupt, poll it while waiting."""
    if not isinstance(ph, Placeholder):
        return ph
    if condition is None or not condition.interrupts or ph.done():
        return await ph
    fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def wake(_: Placeholder) -> None:
        if not fut.done():
            fut.set_result(None)

    ph.add_done_callback(wake)
    while not fut.done():
        await asyncio.wait({fut}, timeout=POLL_SECONDS)
        if fut.done():
            break
        if tracker is not None:
            tracker.update(state)
        reason = condition.check(state)
        if reason is not None:
            return Interrupted(reason)
    return ph.result()


def last_message(x: Msg | list[Msg] | None) -> Msg | None:
    if isinstance(x, list):
        return x[-1] if x else None
    return x


def as_msg(message: Any, name: str, role: str = "user") -> Msg:
    """A chat message from a string, a dict or a Msg."""
    if isinstance(message, Msg):
        return message
    if isinstance(message, dict):
        return Msg(message.get("name", name), message.get("content"),
                   message.get("role", role))
    return Msg(name, message, role)


def call_flexibly(fn: Callable[..., Any], *args: Any) -> Any:
    """Call ``fn`` with as many of ``args`` as it takes (1..n), for user callbacks."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return fn(*args)
    if any(p.kind == p.VAR_POSITIONAL for p in params):
        return fn(*args)
    n = sum(1 for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))
    return fn(*args[-n:]) if n else fn()


def ask_human(agent: Any, x: Any, prompt: str,
              input_func: Callable[[str], Any] | None = None) -> str:
    """Ask a person through UserAgent's input mechanism, so the studio can answer too.

    ``input_func`` (or the agent's) wins; else the process-wide input provider
    (``set_input_provider``); else the terminal. End of input counts as ``exit``. Runs in a
    worker thread; an async function or provider is run to completion there.
    """
    from agentcast.agents import user

    func = input_func or getattr(agent, "input_func", None)
    if func is None and user._provider is not None and agent is not None:
        got = user.settle(user._provider(agent, x, prompt))
        text = got[0] if isinstance(got, tuple) else got
        return str(text).strip()
    read = func or input
    try:
        return str(user.settle(read(prompt))).strip()
    except EOFError:
        return "exit"


async def ask_human_async(agent: Any, x: Any, prompt: str,
                          input_func: Callable[[str], Any] | None = None) -> str:
    """``ask_human`` from async code: an ``async`` input function is awaited on this loop
    (where the application's own loop-bound objects live); anything else runs in a thread,
    so that a person typing never stalls other agents."""
    from agentcast.agents.user import is_async_callable

    func = input_func or getattr(agent, "input_func", None)
    if func is not None and is_async_callable(func):
        try:
            return str(await func(prompt)).strip()
        except EOFError:
            return "exit"
    return await asyncio.to_thread(ask_human, agent, x, prompt, input_func)


def names_of(agents: Iterable[Any]) -> set[str]:
    return {a.name for a in agents}


__all__ = ["Interrupted", "UsageTracker", "as_msg", "ask_human", "ask_human_async", "call_flexibly",
           "last_message", "wait_reply"]
