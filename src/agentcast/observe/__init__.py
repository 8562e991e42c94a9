"""Observability: chat logs, the run store, usage/cost/budgets and tracing of a run.

Everything here listens to ``agentcast.hooks``; nothing in the core imports this package.
Names load lazily so that importing it costs little until a run starts.
"""

from __future__ import annotations

from agentcast._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "Budget": "agentcast.observe.monitor",
    "BudgetAlert": "agentcast.observe.monitor",
    "CHAT": "agentcast.observe.logging",
    "Monitor": "agentcast.observe.monitor",
    "Redactor": "agentcast.observe.redact",
    "Run": "agentcast.observe.run",
    "current_run": "agentcast.observe.run",
    "end_run": "agentcast.observe.run",
    "log_chat": "agentcast.observe.logging",
    "print_usage": "agentcast.observe.monitor",
    "start_run": "agentcast.observe.run",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports("agentcast.observe", globals(), _EXPORTS)
