"""Usage per agent and per chat, read from the monitor's own counts (AutoGen's accessors).

Inside a run the run's monitor counts (with the run's prices and budgets); outside any run,
the process monitor does, while a chat or a conversable agent's reply is in progress
(``counting()``), so the hook bus is quiet the rest of the time. A chat opens a ``MonitorScope`` for its
participants, so its numbers are a window on the same count, never a second counter.

AutoGen's summary shape is kept: ``{"total_cost": dollars, "<model>": {"cost",
"prompt_tokens", "completion_tokens", "total_tokens"}}``; agentcast has no response cache, so
"actual" (cache excluded) and "total" usage are the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from agentcast.observe.monitor import Monitor, Usage, process_counting, process_monitor


def usage_monitor() -> Monitor:
    """The monitor that counts now: the current run's, else the process monitor."""
    from agentcast.observe.run import current_run

    run = current_run()
    return run.monitor if run is not None else process_monitor()


def counting() -> AbstractContextManager[Monitor]:
    """Make sure model calls are counted while inside: the run's monitor always counts; the
    process monitor counts while some chat or conversable reply is in progress."""
    from agentcast.observe.run import current_run

    run = current_run()
    return nullcontext(run.monitor) if run is not None else process_counting()


def _as_summary(per_model: dict[str, Usage]) -> dict[str, Any]:
    out: dict[str, Any] = {"total_cost": float(sum((u.cost for u in per_model.values()), 0))}
    for model, u in sorted(per_model.items()):
        out[model] = {"cost": float(u.cost), "prompt_tokens": u.prompt_tokens,
                      "completion_tokens": u.completion_tokens,
                      "total_tokens": u.prompt_tokens + u.completion_tokens}
    return out


def agent_usage_summary(name: str, baseline: dict[str, Usage] | None = None
                        ) -> dict[str, Any] | None:
    """One agent's usage by model since ``baseline`` (None when it made no model call)."""
    per_model = usage_monitor().agent_usage(name)
    if baseline:
        for model, before in baseline.items():
            u = per_model.get(model)
            if u is not None:
                per_model[model] = Usage(u.calls - before.calls, u.errors - before.errors,
                                         u.prompt_tokens - before.prompt_tokens,
                                         u.completion_tokens - before.completion_tokens,
                                         u.cost - before.cost)
        per_model = {m: u for m, u in per_model.items() if u.calls}
    return _as_summary(per_model) if per_model else None


def agent_usage_snapshot(name: str) -> dict[str, Usage]:
    """The counts of ``name`` now (what a later summary is measured from after a reset)."""
    return usage_monitor().agent_usage(name)


def merge_summaries(summaries: Iterable[dict[str, Any] | None]) -> dict[str, Any]:
    """Sum usage summaries model by model (AutoGen's ``gather_usage_summary`` arithmetic)."""
    out: dict[str, Any] = {"total_cost": 0.0}
    for summary in summaries:
        if not summary:
            continue
        out["total_cost"] += summary.get("total_cost", 0.0)
        for model, u in summary.items():
            if model == "total_cost":
                continue
            into = out.setdefault(model, {"cost": 0.0, "prompt_tokens": 0,
                                          "completion_tokens": 0, "total_tokens": 0})
            for key in into:
                into[key] += u.get(key, 0)
    return out


__all__ = ["agent_usage_snapshot", "agent_usage_summary", "counting", "merge_summaries",
           "usage_monitor"]
