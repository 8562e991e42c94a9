"""Durable runs: every agent call's result journaled before delivery; a crashed run resumes
with no completed call repeated. See docs/durable.md for exactly what is replayed, what is
re-run and what stops.

``ac.init(durable=True)`` starts one; ``ac.init(resume="RUN_ID")`` (or ``agentcast resume
RUN_ID script.py``, which sets ``AGENTCAST_RESUME``) re-runs the same program against the
record of that run and goes on live from the first call that has no result. Modules:
``journal`` (the append-only record), ``replay`` (what a call does in a durable run),
``session`` (start/stop), ``approvals`` (requests a person decides), ``budgets`` (what a
refused call does), ``rand`` (``ac.random``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentcast._lazy import lazy_exports

if TYPE_CHECKING:
    from agentcast.durable.approvals import approve as approve
    from agentcast.durable.approvals import decide as decide
    from agentcast.durable.approvals import deny as deny
    from agentcast.durable.approvals import gated as gated
    from agentcast.durable.approvals import list_requests as list_requests
    from agentcast.durable.approvals import request as request
    from agentcast.durable.budgets import call_with_budget_actions as call_with_budget_actions
    from agentcast.durable.journal import CallRecord as CallRecord
    from agentcast.durable.journal import Journal as Journal
    from agentcast.durable.journal import SubRecord as SubRecord
    from agentcast.durable.journal import digest as digest
    from agentcast.durable.journal import msg_from_record as msg_from_record
    from agentcast.durable.journal import msg_record as msg_record
    from agentcast.durable.journal import readable as readable
    from agentcast.durable.pg_journal import PgJournal as PgJournal
    from agentcast.durable.rand import RunRandom as RunRandom
    from agentcast.durable.remote import DurableCall as DurableCall
    from agentcast.durable.remote import HostDurable as HostDurable
    from agentcast.durable.remote import HostJournal as HostJournal
    from agentcast.durable.remote import Remote as Remote
    from agentcast.durable.remote import call_remote_agent as call_remote_agent
    from agentcast.durable.remote import host_durable as host_durable
    from agentcast.durable.remote import read_host_records as read_host_records
    from agentcast.durable.replay import CallScope as CallScope
    from agentcast.durable.replay import Durable as Durable
    from agentcast.durable.replay import current_scope as current_scope
    from agentcast.durable.replay import decode_model_response as decode_model_response
    from agentcast.durable.replay import decode_result as decode_result
    from agentcast.durable.replay import encode_model_response as encode_model_response
    from agentcast.durable.replay import encode_result as encode_result
    from agentcast.durable.replay import input_digest as input_digest
    from agentcast.durable.replay import journaled_model_call as journaled_model_call
    from agentcast.durable.replay import msg_fingerprint as msg_fingerprint
    from agentcast.durable.replay import same_input as same_input
    from agentcast.durable.replay import with_input as with_input
    from agentcast.durable.session import RESUME_ENV as RESUME_ENV
    from agentcast.durable.session import active as active
    from agentcast.durable.session import check_resumable as check_resumable
    from agentcast.durable.session import resume_from_env as resume_from_env
    from agentcast.durable.session import start as start
    from agentcast.durable.session import stop as stop

# public name -> module that defines it (one line each; keep the three lists in step)
_EXPORTS: dict[str, str] = {
    "Durable": "agentcast.durable.replay",
    "Journal": "agentcast.durable.journal",
    "RESUME_ENV": "agentcast.durable.session",
    "RunRandom": "agentcast.durable.rand",
    "active": "agentcast.durable.session",
    "approve": "agentcast.durable.approvals",
    "decide": "agentcast.durable.approvals",
    "deny": "agentcast.durable.approvals",
    "list_requests": "agentcast.durable.approvals",
    "resume_from_env": "agentcast.durable.session",
    "start": "agentcast.durable.session",
    "stop": "agentcast.durable.session",
    "request": "agentcast.durable.approvals",
    "gated": "agentcast.durable.approvals",
    "call_with_budget_actions": "agentcast.durable.budgets",
    "digest": "agentcast.durable.journal",
    "CallRecord": "agentcast.durable.journal",
    "SubRecord": "agentcast.durable.journal",
    "CallScope": "agentcast.durable.replay",
    "current_scope": "agentcast.durable.replay",
    "msg_fingerprint": "agentcast.durable.replay",
    "encode_result": "agentcast.durable.replay",
    "decode_result": "agentcast.durable.replay",
    "encode_model_response": "agentcast.durable.replay",
    "decode_model_response": "agentcast.durable.replay",
    "journaled_model_call": "agentcast.durable.replay",
    "PgJournal": "agentcast.durable.pg_journal",
    "msg_record": "agentcast.durable.journal",
    "msg_from_record": "agentcast.durable.journal",
    "readable": "agentcast.durable.journal",
    "Remote": "agentcast.durable.remote",
    "call_remote_agent": "agentcast.durable.remote",
    "DurableCall": "agentcast.durable.remote",
    "host_durable": "agentcast.durable.remote",
    "HostDurable": "agentcast.durable.remote",
    "HostJournal": "agentcast.durable.remote",
    "read_host_records": "agentcast.durable.remote",
    "input_digest": "agentcast.durable.replay",
    "same_input": "agentcast.durable.replay",
    "check_resumable": "agentcast.durable.session",
    "with_input": "agentcast.durable.replay",
}

__all__ = [
    "RESUME_ENV",
    "CallRecord",
    "CallScope",
    "Durable",
    "DurableCall",
    "HostDurable",
    "HostJournal",
    "Journal",
    "PgJournal",
    "Remote",
    "RunRandom",
    "SubRecord",
    "active",
    "approve",
    "call_remote_agent",
    "call_with_budget_actions",
    "check_resumable",
    "current_scope",
    "decide",
    "decode_model_response",
    "decode_result",
    "deny",
    "digest",
    "encode_model_response",
    "encode_result",
    "gated",
    "host_durable",
    "input_digest",
    "journaled_model_call",
    "list_requests",
    "msg_fingerprint",
    "msg_from_record",
    "msg_record",
    "read_host_records",
    "readable",
    "request",
    "resume_from_env",
    "same_input",
    "start",
    "stop",
    "with_input",
]

__getattr__, __dir__ = lazy_exports("agentcast.durable", globals(), _EXPORTS)
