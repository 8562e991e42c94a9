"""Budgets that act: what an agent's model call does when a budget refuses it.

The monitor refuses a call *before* it is made (its worst case is reserved atomically); the
budget's ``on_exceed`` then decides: ``stop`` raises ``BudgetExceeded``; ``fallback`` makes
the same call on the budget's cheaper model (whose own budgets still apply); ``approve``
asks a person, durably, as a tool marked ``requires_approval`` does — the run pauses with
``ApprovalPending`` and, once approved, that one call's worth of spending is let past the
budget. Every decision is emitted as a ``budget`` agent event (the run store and the studio
show it) with the reason.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from agentcast import hooks
from agentcast.exceptions import BudgetExceeded


def _decided(agent: str | None, action: str, exc: BudgetExceeded, **detail: Any) -> None:
    if hooks.listeners:
        hooks.emit("agent_event", {"agent": agent, "event": "budget", "detail": {
            "action": action, "budget": getattr(exc, "scope", None), "reason": str(exc),
            "ts": time.time(), **detail}})


async def call_with_budget_actions(agent: str | None, model: Any,
                                   call: Callable[[Any], Awaitable[Any]]) -> Any:
    """``call(model)``, and what the refusing budget says to do when it is refused."""
    try:
        return await call(model)
    except BudgetExceeded as exc:
        budget = getattr(exc, "budget", None)
        action = getattr(budget, "on_exceed", "stop")
        if action == "fallback":
            from agentcast.models.registry import get_model

            cheaper = get_model(budget.fallback)  # type: ignore[union-attr]
            _decided(agent, "fallback", exc, model=getattr(model, "config_name", None),
                     to=getattr(cheaper, "config_name", str(budget.fallback)))  # type: ignore[union-attr]
            return await call(cheaper)
        if action == "approve":
            await _approved(agent, exc)
            return await call(model)
        _decided(agent, "stop", exc)
        raise


_granted: set[str] = set()  # approval ids whose grant this process has applied


async def _approved(agent: str | None, exc: BudgetExceeded) -> None:
    """Find (or ask for) a person's approval of spending past the budget, then grant it.

    Unlike a tool, a grant is applied again in every process that resumes the run: the
    budget's spending so far is rebuilt there from the record, and so must its grants be.
    """
    import asyncio
    from pathlib import Path

    from agentcast.durable import approvals
    from agentcast.durable.replay import current_scope
    from agentcast.exceptions import ApprovalPending, ConfigError
    from agentcast.observe.run import current_run

    run = current_run()
    if run is None or run.dir is None:
        raise ConfigError("Budget(on_exceed='approve') records its requests in the run store: "
                          "call ac.init(run_dir=..., durable=True)", field="on_exceed")
    need = exc.need  # type: ignore[attr-defined]
    scope = str(getattr(exc, "scope", "run"))
    here = current_scope()
    call = f"{here.agent}#{here.seq}/model{here.count('model')}" if here \
        else f"{agent}/budget"
    # The approval is for this call of this agent past this budget; what it will cost is an
    # estimate that may differ a little in a resumed process, so it is shown, not bound.
    arguments = {"budget": scope, "call": call}
    row = await asyncio.to_thread(
        approvals.request, Path(run.dir) / approvals.DB_NAME, run_id=run.id,
        tool=f"budget:{scope}", arguments=arguments, agent=agent, call=call, ttl=None)
    status = row["status"]
    if status == "pending":
        _decided(agent, "approval requested", exc, request=row["id"])
        raise ApprovalPending(row["id"], f"budget:{scope}",
                              {**arguments, "estimated_tokens": need[1]}, run.id)
    if status not in ("approved", "executed", "executing"):
        _decided(agent, "stop", exc, request=row["id"], approval=status)
        raise exc
    if row["id"] not in _granted:
        _granted.add(row["id"])
        run.monitor.grant(need)
    _decided(agent, "approved", exc, request=row["id"], by=row["decided_by"])
