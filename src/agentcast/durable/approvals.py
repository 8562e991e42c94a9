"""Approvals: a tool marked ``requires_approval`` runs only after a person approved that
exact call, and at most once however often it is approved.

The request (tool, exact arguments and their hash, who asked, when, until when) is a row in
the run store, so the process may stop while it waits: a durable run is resumed (days later,
in another process) and finds the decision. The request id is derived from the run, the call
and the arguments' hash, so a resumed run asks for the same id, and other arguments make
another request: an approval never covers arguments it did not see. Executing is claimed
with one conditional UPDATE (approved -> executing), so two approvals, or two processes,
cannot run the tool twice; the result is stored with the request.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from agentcast import hooks
from agentcast.durable.journal import digest

SCHEMA = """
CREATE TABLE IF NOT EXISTS approvals (
  id TEXT PRIMARY KEY, run_id TEXT NOT NULL, tool TEXT NOT NULL, arguments TEXT NOT NULL,
  args_hash TEXT NOT NULL, agent TEXT, call TEXT, requested REAL NOT NULL, expires REAL,
  status TEXT NOT NULL, decided_by TEXT, decided REAL, reason TEXT, result TEXT
);
"""
DB_NAME = "store.db"
POLL = 0.25


def _connect(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(db), timeout=30, isolation_level=None)
    conn.execute("PRAGMA busy_timeout=30000")
    conn.executescript(SCHEMA)
    conn.row_factory = sqlite3.Row
    return conn


def request(db: Path, *, run_id: str, tool: str, arguments: Any, agent: str | None,
            call: str, ttl: float | None) -> dict[str, Any]:
    """The request for this exact call (made now if it does not exist yet)."""
    args_hash = digest([tool, arguments])
    rid = "ap-" + digest([run_id, call, args_hash])[:16]
    conn = _connect(db)
    try:
        now = time.time()
        conn.execute(
            "INSERT OR IGNORE INTO approvals (id, run_id, tool, arguments, args_hash, agent, "
            "call, requested, expires, status) VALUES (?,?,?,?,?,?,?,?,?,'pending')",
            (rid, run_id, tool, json.dumps(arguments, sort_keys=True, default=str), args_hash,
             agent, call, now, now + ttl if ttl else None))
        return _row(conn, rid)
    finally:
        conn.close()


def _row(conn: sqlite3.Connection, rid: str) -> dict[str, Any]:
    row = conn.execute("SELECT * FROM approvals WHERE id=?", (rid,)).fetchone()
    if row is None:
        raise KeyError(f"no approval request {rid!r}")
    out = dict(row)
    if out["status"] == "pending" and out["expires"] and out["expires"] < time.time():
        out["status"] = "expired"
    return out


def _find(run_dir: str | Path, rid: str) -> Path:
    for db in sorted(Path(run_dir).glob(f"*/{DB_NAME}")):
        conn = _connect(db)
        try:
            if conn.execute("SELECT 1 FROM approvals WHERE id=?", (rid,)).fetchone():
                return db
        finally:
            conn.close()
    raise KeyError(f"no approval request {rid!r} under {run_dir}")


def decide(rid: str, approve: bool, *, run_dir: str | Path = "runs", by: str = "",
           reason: str = "") -> dict[str, Any]:
    """Approve or deny a pending request. Deciding again changes nothing (the first decision
    stands); an expired request cannot be approved."""
    from agentcast.exceptions import ApprovalError

    db = _find(run_dir, rid)
    conn = _connect(db)
    try:
        row = _row(conn, rid)
        if row["status"] == "expired":
            raise ApprovalError(f"approval request {rid} expired; the run will ask again "
                                "when resumed")
        conn.execute(
            "UPDATE approvals SET status=?, decided_by=?, decided=?, reason=? "
            "WHERE id=? AND status='pending'",
            ("approved" if approve else "denied", by or None, time.time(), reason or None, rid))
        return _row(conn, rid)
    finally:
        conn.close()


def approve(rid: str, *, run_dir: str | Path = "runs", by: str = "", reason: str = ""
            ) -> dict[str, Any]:
    """Approve request ``rid`` (see ``agentcast approvals``)."""
    return decide(rid, True, run_dir=run_dir, by=by, reason=reason)


def deny(rid: str, *, run_dir: str | Path = "runs", by: str = "", reason: str = ""
         ) -> dict[str, Any]:
    """Deny request ``rid``; the model is told it was denied, and why."""
    return decide(rid, False, run_dir=run_dir, by=by, reason=reason)


def list_requests(run_dir: str | Path = "runs", status: str | None = None
                  ) -> list[dict[str, Any]]:
    """Every request under ``run_dir`` (``status``: pending, approved, denied, executed...)."""
    out: list[dict[str, Any]] = []
    for db in sorted(Path(run_dir).glob(f"*/{DB_NAME}")):
        conn = _connect(db)
        try:
            ids = [r[0] for r in conn.execute("SELECT id FROM approvals ORDER BY requested")]
            out.extend(_row(conn, i) for i in ids)
        finally:
            conn.close()
    return [r for r in out if status is None or r["status"] == status]


async def gated(tool: str, arguments: Any, *, agent: str | None, ttl: float | None,
                wait: float, run: Callable[[], Awaitable[Any]], call: str | None = None,
                pending: Callable[[str], Exception] | None = None,
                store: tuple[Path, str] | None = None) -> Any:
    """Run ``run()`` once its exact call is approved; see the module docstring.

    ``call`` names what is asked (default: the tool call's position in the agent call);
    ``pending(request_id)`` is the error that stops the run while nobody has decided
    (default: :class:`~agentcast.exceptions.ApprovalPending`); ``store`` is the run store
    and run id to ask in (default: this process's run; a Ray host gives its driver's)."""
    from agentcast.durable.replay import current_scope
    from agentcast.exceptions import ApprovalPending, ConfigError, InFlightToolError
    from agentcast.observe.run import current_run
    from agentcast.tools.response import ToolResponse, ToolStatus

    if store is None and hooks.durable is not None:  # a Ray host asks in its driver's store
        store = hooks.durable.approvals_store()
    if store is None:
        run_ = current_run()
        if run_ is None or run_.dir is None:
            raise ConfigError(f"tool {tool!r} requires approval, which is recorded in the "
                              "run store: call ac.init(run_dir=..., durable=True) first",
                              field="requires_approval")
        store = (Path(run_.dir) / DB_NAME, run_.id)
    db, run_id = store
    scope = current_scope()
    if call is None:
        call = f"{scope.agent}#{scope.seq}/{tool}{scope.count('tool')}" if scope \
            else f"{agent}/{tool}"
    row = await asyncio.to_thread(request, db, run_id=run_id, tool=tool, arguments=arguments,
                                  agent=agent, call=call, ttl=ttl)
    deadline = time.monotonic() + wait
    while row["status"] == "pending" and time.monotonic() < deadline:
        await asyncio.sleep(POLL)
        row = await asyncio.to_thread(_read, db, row["id"])
    status = row["status"]
    if status == "pending":
        if pending is not None:
            raise pending(row["id"])
        raise ApprovalPending(row["id"], tool, arguments, run_id)
    if status == "expired":
        return ToolResponse.error(f"the request to run {tool!r} expired before anyone "
                                  "approved it")
    if status == "denied":
        who = f" by {row['decided_by']}" if row["decided_by"] else ""
        why = f": {row['reason']}" if row["reason"] else ""
        return ToolResponse.error(f"running {tool!r} was denied{who}{why}")
    if status in ("executed", "executing"):
        if row["result"] is None:  # claimed, never finished: it may have acted
            raise InFlightToolError(tool, arguments, call)
        r = json.loads(row["result"])
        return ToolResponse(ToolStatus(r["status"]), r["content"], r.get("urls"))
    if not await asyncio.to_thread(_claim, db, row["id"]):  # someone else runs it
        return await gated(tool, arguments, agent=agent, ttl=ttl, wait=wait, run=run,
                           call=call, pending=pending, store=store)
    response = await run()
    await asyncio.to_thread(_finish, db, row["id"], response.to_dict())
    return response


def _read(db: Path, rid: str) -> dict[str, Any]:
    conn = _connect(db)
    try:
        return _row(conn, rid)
    finally:
        conn.close()


def _claim(db: Path, rid: str) -> bool:
    conn = _connect(db)
    try:
        cur = conn.execute("UPDATE approvals SET status='executing' WHERE id=? AND "
                           "status='approved'", (rid,))
        return cur.rowcount == 1
    finally:
        conn.close()


def _finish(db: Path, rid: str, result: dict[str, Any]) -> None:
    conn = _connect(db)
    try:
        conn.execute("UPDATE approvals SET status='executed', result=? WHERE id=?",
                     (json.dumps(result, default=str), rid))
    finally:
        conn.close()


__all__ = ["approve", "decide", "deny", "gated", "list_requests", "request"]
