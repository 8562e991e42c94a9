"""Read API over run stores, for the CLI and the studio. Plain dicts out; never writes.

Each function takes ``run_dir`` (the directory holding ``<run_id>/store.db``). A run id may
be given as any unique prefix. Safe to call while the run is still being written (WAL).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from agentcast.observe.store import DB_NAME

RunDir = str | Path


def _loads(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


@contextmanager
def _open(run_id: str, run_dir: RunDir) -> Iterator[Any]:
    import sqlite3

    path = Path(run_dir) / resolve_run_id(run_id, run_dir) / DB_NAME
    conn = sqlite3.connect(str(path), timeout=10)
    conn.row_factory = sqlite3.Row
    try:
        yield conn
    finally:
        conn.close()


def resolve_run_id(run_id: str, run_dir: RunDir = "runs") -> str:
    """The full id of the run named by ``run_id`` or a unique prefix of it."""
    root = Path(run_dir)
    if (root / run_id / DB_NAME).exists():
        return run_id
    matches = sorted(p.name for p in root.glob(f"{run_id}*") if (p / DB_NAME).exists()) \
        if root.is_dir() else []
    if len(matches) == 1:
        return matches[0]
    why = "matches several runs: " + ", ".join(matches) if matches else "is not a run"
    raise KeyError(f"{run_id!r} {why} in {str(root)!r}")


def _status(row: Any) -> str:
    status = str(row["status"])
    if status == "running" and row["pid"]:
        import socket

        if row["host"] == socket.gethostname():
            try:
                os.kill(int(row["pid"]), 0)
            except ProcessLookupError:
                return "crashed"
            except (PermissionError, OSError):
                pass
    return status


def _usage(conn: Any, where: str = "", params: tuple[Any, ...] = ()) -> dict[str, Any]:
    import sqlite3

    head = ("SELECT COUNT(*), SUM(error IS NOT NULL), COALESCE(SUM(prompt_tokens),0), "
            "COALESCE(SUM(completion_tokens),0), COALESCE(SUM(cost),0), SUM(cost IS NULL)")
    try:
        r = conn.execute(f"{head}, COALESCE(SUM(estimated),0) FROM model_calls {where}",
                         params).fetchone()
    except sqlite3.OperationalError:  # a run recorded before token estimates were marked
        r = (*conn.execute(f"{head} FROM model_calls {where}", params).fetchone(), 0)
    return {"calls": r[0], "errors": r[1] or 0, "prompt_tokens": r[2], "completion_tokens": r[3],
            "total_tokens": r[2] + r[3], "cost": float(r[4]), "unpriced_calls": r[5] or 0,
            "estimated_calls": r[6] or 0}


def _run_summary(conn: Any) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM runs LIMIT 1").fetchone()
    if row is None:
        return None
    out = {k: row[k] for k in row.keys() if k != "config"}
    out["config"] = _loads(row["config"])
    out["status"] = _status(row)
    out["messages"] = conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
    out["usage"] = _usage(conn)
    return out


def list_runs(run_dir: RunDir = "runs") -> list[dict[str, Any]]:
    """Every run under ``run_dir``, newest first, with message count and usage totals."""
    import sqlite3

    root = Path(run_dir)
    out = []
    for db in root.glob(f"*/{DB_NAME}") if root.is_dir() else []:
        try:
            conn = sqlite3.connect(str(db), timeout=10)
            conn.row_factory = sqlite3.Row
            try:
                summary = _run_summary(conn)
            finally:
                conn.close()
        except sqlite3.Error:
            continue
        if summary is not None:
            out.append(summary)
    return sorted(out, key=lambda r: r["started"], reverse=True)


def get_run(run_id: str, run_dir: RunDir = "runs") -> dict[str, Any]:
    """One run's metadata, config (redacted), message count and usage totals."""
    with _open(run_id, run_dir) as conn:
        summary = _run_summary(conn)
    if summary is None:
        raise KeyError(f"run {run_id!r} has no metadata")
    return summary


def messages(run_id: str, agent: str | None = None, run_dir: RunDir = "runs") -> list[dict[str, Any]]:
    """Messages in the order they were recorded, each with its receivers.

    With ``agent``: the messages that agent sent or received.
    """
    sql = ("SELECT m.*, (SELECT json_group_array(receiver) FROM (SELECT DISTINCT receiver FROM "
           "deliveries d WHERE d.msg_id = m.msg_id ORDER BY d.id)) AS receivers FROM messages m")
    params: tuple[Any, ...] = ()
    if agent is not None:
        sql += (" WHERE m.sender = ? OR EXISTS (SELECT 1 FROM deliveries d "
                "WHERE d.msg_id = m.msg_id AND d.receiver = ?)")
        params = (agent, agent)
    with _open(run_id, run_dir) as conn:
        rows = conn.execute(sql + " ORDER BY m.id", params).fetchall()
    out = []
    for r in rows:
        d = dict(r)
        for key in ("content", "url", "metadata", "input_ids", "receivers"):
            d[key] = _loads(d[key])
        out.append(d)
    return out


def _rows(run_id: str, run_dir: RunDir, table: str, json_cols: tuple[str, ...] = (),
          **filters: Any) -> list[dict[str, Any]]:
    where = [f"{k} = ?" for k, v in filters.items() if v is not None]
    params = tuple(v for v in filters.values() if v is not None)
    sql = f"SELECT * FROM {table}" + (" WHERE " + " AND ".join(where) if where else "")
    with _open(run_id, run_dir) as conn:
        rows = [dict(r) for r in conn.execute(sql + " ORDER BY id", params).fetchall()]
    for d in rows:
        for key in json_cols:
            d[key] = _loads(d[key])
    return rows


def model_calls(run_id: str, agent: str | None = None, model: str | None = None,
                run_dir: RunDir = "runs") -> list[dict[str, Any]]:
    """Model calls: model, tokens, cost ($, None when unpriced), latency, retries, error."""
    return _rows(run_id, run_dir, "model_calls", agent=agent, model=model)


def tool_calls(run_id: str, agent: str | None = None, run_dir: RunDir = "runs") -> list[dict[str, Any]]:
    """Tool calls: name, arguments (redacted), status, duration, error."""
    return _rows(run_id, run_dir, "tool_calls", ("arguments",), agent=agent)


def agent_events(run_id: str, agent: str | None = None, run_dir: RunDir = "runs") -> list[dict[str, Any]]:
    """Other recorded events: reply errors, pipeline steps, whatever agents reported."""
    return _rows(run_id, run_dir, "agent_events", ("detail",), agent=agent)


def usage(run_id: str, run_dir: RunDir = "runs") -> dict[str, Any]:
    """Usage and cost in total, per model and per agent (same shape as Monitor.usage)."""
    with _open(run_id, run_dir) as conn:
        out: dict[str, Any] = {"total": _usage(conn), "by_model": {}, "by_agent": {}}
        for col, key in (("model", "by_model"), ("agent", "by_agent")):
            names = [r[0] for r in conn.execute(
                f"SELECT DISTINCT {col} FROM model_calls WHERE {col} IS NOT NULL ORDER BY {col}")]
            for name in names:
                out[key][name] = _usage(conn, f"WHERE {col} = ?", (name,))
    return out


__all__ = ["agent_events", "get_run", "list_runs", "messages", "model_calls",
           "resolve_run_id", "tool_calls", "usage"]
