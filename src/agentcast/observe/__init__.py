"""Observability: chat logs, the run store, usage/cost/budgets and tracing of a run.

Everything here listens to ``agentcast.hooks``; nothing in the core imports this package.
Names load lazily so that importing it costs little until a run starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentcast._lazy import lazy_exports

if TYPE_CHECKING:
    from agentcast.observe.logging import CHAT as CHAT
    from agentcast.observe.logging import ChatConsoleHandler as ChatConsoleHandler
    from agentcast.observe.logging import JsonLinesFormatter as JsonLinesFormatter
    from agentcast.observe.logging import LogSetup as LogSetup
    from agentcast.observe.logging import content_text as content_text
    from agentcast.observe.logging import log_chat as log_chat
    from agentcast.observe.logging import parse_level as parse_level
    from agentcast.observe.logging import setup_logging as setup_logging
    from agentcast.observe.monitor import Budget as Budget
    from agentcast.observe.monitor import BudgetAlert as BudgetAlert
    from agentcast.observe.monitor import Monitor as Monitor
    from agentcast.observe.monitor import MonitorScope as MonitorScope
    from agentcast.observe.monitor import Price as Price
    from agentcast.observe.monitor import PriceTable as PriceTable
    from agentcast.observe.monitor import Usage as Usage
    from agentcast.observe.monitor import as_budgets as as_budgets
    from agentcast.observe.monitor import cost_text as cost_text
    from agentcast.observe.monitor import estimate_tokens as estimate_tokens
    from agentcast.observe.monitor import estimate_tool_tokens as estimate_tool_tokens
    from agentcast.observe.monitor import format_usage as format_usage
    from agentcast.observe.monitor import print_usage as print_usage
    from agentcast.observe.monitor import process_counting as process_counting
    from agentcast.observe.monitor import process_monitor as process_monitor
    from agentcast.observe.monitor import tokens_text as tokens_text
    from agentcast.observe.query import agent_events as agent_events
    from agentcast.observe.query import get_run as get_run
    from agentcast.observe.query import list_runs as list_runs
    from agentcast.observe.query import messages as messages
    from agentcast.observe.query import model_calls as model_calls
    from agentcast.observe.query import resolve_run_id as resolve_run_id
    from agentcast.observe.query import tool_calls as tool_calls
    from agentcast.observe.query import usage as usage
    from agentcast.observe.redaction import RedactFilter as RedactFilter
    from agentcast.observe.redaction import Redactor as Redactor
    from agentcast.observe.redaction import default_redactor as default_redactor
    from agentcast.observe.redaction import redact as redact
    from agentcast.observe.run import Run as Run
    from agentcast.observe.run import check_run_id as check_run_id
    from agentcast.observe.run import current_run as current_run
    from agentcast.observe.run import end_run as end_run
    from agentcast.observe.run import last_run as last_run
    from agentcast.observe.run import new_run_id as new_run_id
    from agentcast.observe.run import start_run as start_run
    from agentcast.observe.run import valid_run_id as valid_run_id
    from agentcast.observe.store import RunStore as RunStore
    from agentcast.observe.store import connect as connect
    from agentcast.observe.store import error_text as error_text
    from agentcast.observe.tracing import Tracing as Tracing

# public name -> module that defines it (one line each; keep the three lists in step)
_EXPORTS: dict[str, str] = {
    "CHAT": "agentcast.observe.logging",
    "Budget": "agentcast.observe.monitor",
    "BudgetAlert": "agentcast.observe.monitor",
    "ChatConsoleHandler": "agentcast.observe.logging",
    "JsonLinesFormatter": "agentcast.observe.logging",
    "LogSetup": "agentcast.observe.logging",
    "Monitor": "agentcast.observe.monitor",
    "Price": "agentcast.observe.monitor",
    "PriceTable": "agentcast.observe.monitor",
    "RedactFilter": "agentcast.observe.redaction",
    "Redactor": "agentcast.observe.redaction",
    "Run": "agentcast.observe.run",
    "RunStore": "agentcast.observe.store",
    "Tracing": "agentcast.observe.tracing",
    "Usage": "agentcast.observe.monitor",
    "agent_events": "agentcast.observe.query",
    "as_budgets": "agentcast.observe.monitor",
    "connect": "agentcast.observe.store",
    "content_text": "agentcast.observe.logging",
    "current_run": "agentcast.observe.run",
    "default_redactor": "agentcast.observe.redaction",
    "end_run": "agentcast.observe.run",
    "error_text": "agentcast.observe.store",
    "estimate_tokens": "agentcast.observe.monitor",
    "format_usage": "agentcast.observe.monitor",
    "get_run": "agentcast.observe.query",
    "last_run": "agentcast.observe.run",
    "list_runs": "agentcast.observe.query",
    "log_chat": "agentcast.observe.logging",
    "messages": "agentcast.observe.query",
    "model_calls": "agentcast.observe.query",
    "new_run_id": "agentcast.observe.run",
    "parse_level": "agentcast.observe.logging",
    "print_usage": "agentcast.observe.monitor",
    "redact": "agentcast.observe.redaction",
    "resolve_run_id": "agentcast.observe.query",
    "setup_logging": "agentcast.observe.logging",
    "start_run": "agentcast.observe.run",
    "tool_calls": "agentcast.observe.query",
    "usage": "agentcast.observe.query",
    "estimate_tool_tokens": "agentcast.observe.monitor",
    "MonitorScope": "agentcast.observe.monitor",
    "process_monitor": "agentcast.observe.monitor",
    "process_counting": "agentcast.observe.monitor",
    "cost_text": "agentcast.observe.monitor",
    "tokens_text": "agentcast.observe.monitor",
    "valid_run_id": "agentcast.observe.run",
    "check_run_id": "agentcast.observe.run",
}

__all__ = [
    "CHAT",
    "Budget",
    "BudgetAlert",
    "ChatConsoleHandler",
    "JsonLinesFormatter",
    "LogSetup",
    "Monitor",
    "MonitorScope",
    "Price",
    "PriceTable",
    "RedactFilter",
    "Redactor",
    "Run",
    "RunStore",
    "Tracing",
    "Usage",
    "agent_events",
    "as_budgets",
    "check_run_id",
    "connect",
    "content_text",
    "cost_text",
    "current_run",
    "default_redactor",
    "end_run",
    "error_text",
    "estimate_tokens",
    "estimate_tool_tokens",
    "format_usage",
    "get_run",
    "last_run",
    "list_runs",
    "log_chat",
    "messages",
    "model_calls",
    "new_run_id",
    "parse_level",
    "print_usage",
    "process_counting",
    "process_monitor",
    "redact",
    "resolve_run_id",
    "setup_logging",
    "start_run",
    "tokens_text",
    "tool_calls",
    "usage",
    "valid_run_id",
]

__getattr__, __dir__ = lazy_exports("agentcast.observe", globals(), _EXPORTS)
