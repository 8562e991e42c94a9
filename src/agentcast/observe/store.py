"""The run store: one SQLite database per run (``runs/<run_id>/store.db``, WAL mode).

Agents never wait for it. ``put`` appends the raw event to a deque (no I/O, no
serialisation); a writer thread wakes every ``flush_interval`` seconds, or as soon as
``batch_size`` events are queued, turns them into rows (redacted) and writes each batch in
one transaction. So a crash loses at most the events of the last flush interval plus the
batch being committed (see docs/observability.md). The read side is in ``query.py``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from agentcast.observe.redaction import Redactor, default_redactor

log = logging.getLogger("agentcast.store")

DB_NAME = "store.db"
SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY, name TEXT, started REAL NOT NULL, ended REAL,
  status TEXT NOT NULL, pid INTEGER, host TEXT, schema_version INTEGER, config TEXT
);
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY, msg_id TEXT NOT NULL UNIQUE, seq_id TEXT, sender TEXT NOT NULL,
  role TEXT, content TEXT, url TEXT, metadata TEXT, timestamp REAL,
  started REAL, ended REAL, input_ids TEXT, recorded REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
  id INTEGER PRIMARY KEY, msg_id TEXT NOT NULL, receiver TEXT NOT NULL, ts REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_msg ON deliveries(msg_id);
CREATE INDEX IF NOT EXISTS deliveries_receiver ON deliveries(receiver);
CREATE TABLE IF NOT EXISTS model_calls (
  id INTEGER PRIMARY KEY, ts REAL NOT NULL, agent TEXT, model TEXT, config_name TEXT,
  prompt_tokens INTEGER, completion_tokens INTEGER, cost REAL, latency REAL, retries INTEGER,
  error TEXT, n_messages INTEGER, response TEXT, estimated INTEGER
);
CREATE TABLE IF NOT EXISTS tool_calls (
  id INTEGER PRIMARY KEY, ts REAL NOT NULL, agent TEXT, name TEXT, arguments TEXT,
  status TEXT, duration REAL, error TEXT
);
CREATE TABLE IF NOT EXISTS agent_events (
  id INTEGER PRIMARY KEY, ts REAL NOT NULL, agent TEXT, event TEXT, detail TEXT
);
"""

_MSG_COLS = "msg_id, seq_id, sender, role, content, url, metadata, timestamp, started, ended, " \
            "input_ids, recorded"
_INSERT_REPLY = (
    f"INSERT INTO messages ({_MSG_COLS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) "
    "ON CONFLICT(msg_id) DO UPDATE SET seq_id=excluded.seq_id, started=excluded.started, "
    "ended=excluded.ended, input_ids=excluded.input_ids"
)
_INSERT_SEEN = f"INSERT OR IGNORE INTO messages ({_MSG_COLS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
_INSERT = {
    "delivery": "INSERT INTO deliveries (msg_id, receiver, ts) VALUES (?,?,?)",
    "model_call": "INSERT INTO model_calls (ts, agent, model, config_name, prompt_tokens, "
    "completion_tokens, cost, latency, retries, error, n_messages, response, estimated) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
    "tool_call": "INSERT INTO tool_calls (ts, agent, name, arguments, status, duration, error) "
    "VALUES (?,?,?,?,?,?,?)",
    "event": "INSERT INTO agent_events (ts, agent, event, detail) VALUES (?,?,?,?)",
}


def connect(path: str | Path) -> Any:
    """Open a run database in WAL mode (readers never block the writer)."""
    import sqlite3

    conn = sqlite3.connect(str(path), timeout=10, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")  # a committed batch survives a process crash
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


def error_text(error: Any) -> str | None:
    if error is None:
        return None
    if isinstance(error, BaseException):
        return f"{type(error).__name__}: {error}"
    return str(error)


class RunStore:
    """Records one run's events in SQLite from a background thread, in batches."""

    def __init__(self, path: str | Path, run_id: str, *, name: str | None = None,
                 config: Mapping[str, Any] | None = None, redactor: Redactor | None = None,
                 flush_interval: float = 0.05, batch_size: int = 500,
                 before_batch: Callable[[], None] | None = None) -> None:
        self.path = Path(path)
        self.run_id = run_id
        self.redactor = redactor or default_redactor()
        self.flush_interval = flush_interval
        self.batch_size = batch_size
        self.before_batch = before_batch
        self._queue: deque[tuple[Any, ...]] = deque()
        self._wake = threading.Event()
        self._stop = False
        self._written: set[str] = set()  # message ids already written (writer thread only)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = connect(self.path)
        self._conn.executescript(SCHEMA)
        columns = {r[1] for r in self._conn.execute("PRAGMA table_info(model_calls)")}
        if "estimated" not in columns:  # a store written before estimates were marked
            self._conn.execute("ALTER TABLE model_calls ADD COLUMN estimated INTEGER")
        import os
        import socket

        self._conn.execute(
            "INSERT OR REPLACE INTO runs (run_id, name, started, ended, status, pid, host, "
            "schema_version, config) VALUES (?,?,?,?,?,?,?,?,?)",
            (run_id, name, time.time(), None, "running", os.getpid(), socket.gethostname(),
             SCHEMA_VERSION, self._json(dict(config or {}))))
        self._conn.commit()
        self._thread = threading.Thread(target=self._loop, name=f"agentcast-store-{run_id}",
                                        daemon=True)
        self._thread.start()

    # -- hot path: no I/O, no serialisation --------------------------------------------
    def put(self, kind: str, data: Mapping[str, Any], cost: Any = None) -> None:
        """Queue one hook event; returns at once."""
        q = self._queue
        q.append((kind, data, cost, time.time()))
        if len(q) >= self.batch_size:
            self._wake.set()

    @property
    def pending(self) -> int:
        """Events queued but not yet committed: what a crash right now would lose."""
        return len(self._queue)

    # -- writer thread ---------------------------------------------------------------------
    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued so far is committed (for readers of a live run)."""
        done = threading.Event()
        self._queue.append(("__flush__", done, None, 0.0))
        self._wake.set()
        return done.wait(timeout) if self._thread.is_alive() else False

    def _loop(self) -> None:
        while True:
            self._wake.wait(self.flush_interval)
            self._wake.clear()
            stopping = self._stop
            try:
                while self._queue:
                    self._write_batch()
            except Exception:  # the store must never take the run down
                log.exception("run store: writing a batch failed; the batch is dropped")
            if stopping:
                return

    def _write_batch(self) -> None:
        q = self._queue
        items = [q.popleft() for _ in range(min(len(q), self.batch_size))]
        waiters = []
        if self.before_batch is not None:
            self.before_batch()
        rows: dict[str, list[tuple[Any, ...]]] = {}  # statement -> params, in first-seen order
        for item in items:
            if item[0] == "__flush__":
                waiters.append(item[1])
                continue
            try:
                for sql, params in self._rows(*item):
                    rows.setdefault(sql, []).append(params)
            except Exception:
                log.exception("run store: cannot record a %r event", item[0])
        conn = self._conn
        try:
            with conn:  # one transaction per batch
                for sql, many in rows.items():
                    conn.executemany(sql, many)
        finally:
            for w in waiters:
                w.set()

    def _remember(self, msg_id: str) -> None:
        if len(self._written) >= 100_000:  # bounded: forgetting only costs a redundant insert
            self._written.clear()
        self._written.add(msg_id)

    def _json(self, value: Any) -> str | None:
        if value is None:
            return None
        return json.dumps(self.redactor.value(value), ensure_ascii=False, default=str)

    def _text(self, value: Any) -> str | None:
        return None if value is None else self.redactor.text(str(value))

    def _msg_row(self, msg: Any, ts: float, seq_id: str | None = None, started: Any = None,
                 ended: Any = None, inputs: Any = None) -> tuple[Any, ...]:
        md = getattr(msg, "_metadata", None)
        return (str(getattr(msg, "id", "") or f"anon-{id(msg)}"), seq_id,
                str(getattr(msg, "name", "?")), getattr(msg, "role", None),
                self._json(getattr(msg, "content", None)), self._json(getattr(msg, "url", None)),
                self._json(md) if md else None, getattr(msg, "timestamp", None),
                started, ended, json.dumps(inputs) if inputs is not None else None, ts)

    def _rows(self, kind: str, data: Any, cost: Any, ts: float) -> list[tuple[str, tuple[Any, ...]]]:
        agent = data.get("agent")
        if kind == "observe":
            msgs = data.get("msg")
            rows: list[tuple[str, tuple[Any, ...]]] = []
            for msg in msgs if isinstance(msgs, (list, tuple)) else [msgs]:
                if msg is None:
                    continue
                msg_id = str(getattr(msg, "id", "") or f"anon-{id(msg)}")
                if msg_id not in self._written:  # a broadcast: serialise once, not per receiver
                    self._remember(msg_id)
                    rows.append((_INSERT_SEEN, self._msg_row(msg, ts)))
                rows.append((_INSERT["delivery"], (msg_id, str(agent), ts)))
            return rows
        if kind == "reply":
            out = []
            msg, err = data.get("msg"), data.get("error")
            inputs = data.get("input")
            given = [m for m in (inputs if isinstance(inputs, (list, tuple)) else [inputs])
                     if m is not None]
            ids = [getattr(m, "id", None) for m in given]
            for m in given:  # a message from outside (a script's input): stored before its reply
                mid = getattr(m, "id", None)
                if mid is not None and str(mid) not in self._written:
                    self._remember(str(mid))
                    out.append((_INSERT_SEEN, self._msg_row(m, ts)))
            if msg is not None and err is None:
                self._remember(str(getattr(msg, "id", "") or f"anon-{id(msg)}"))
                out.append((_INSERT_REPLY, self._msg_row(msg, ts, data.get("seq_id"),
                                                         data.get("started"), data.get("ended"),
                                                         ids)))
            if err is not None:
                detail = {"seq_id": data.get("seq_id"), "error": error_text(err)}
                out.append((_INSERT["event"], (ts, agent, "reply_error", self._json(detail))))
            return out
        if kind == "model_call":
            usage = data.get("usage")
            resp = data.get("response")
            return [(_INSERT["model_call"], (
                ts, agent, data.get("model"), data.get("config_name"),
                int(getattr(usage, "prompt_tokens", 0) or 0),
                int(getattr(usage, "completion_tokens", 0) or 0),
                float(cost) if cost is not None else None, data.get("latency"),
                data.get("retries"), self._text(error_text(data.get("error"))),
                len(data.get("messages") or ()), self._text(getattr(resp, "text", None) or None),
                int(bool(getattr(usage, "estimated", False))),
            ))]
        if kind == "tool_call":
            return [(_INSERT["tool_call"], (
                ts, agent, data.get("name"), self._json(data.get("arguments")),
                self._text(data.get("status")), data.get("duration"),
                self._text(error_text(data.get("error")))))]
        if kind == "agent_event":
            return [(_INSERT["event"], (ts, agent, data.get("event"),
                                        self._json(data.get("detail"))))]
        detail = {k: v for k, v in data.items() if k != "agent"}
        return [(_INSERT["event"], (ts, agent, kind, self._json(detail)))]

    def close(self, status: str = "finished") -> None:
        """Write what is queued, mark the run ended, close the database."""
        self._stop = True
        self._wake.set()
        self._thread.join(timeout=30)
        try:
            while self._queue:
                self._write_batch()
            with self._conn:
                self._conn.execute("UPDATE runs SET ended=?, status=? WHERE run_id=?",
                                   (time.time(), status, self.run_id))
        finally:
            self._conn.close()


__all__ = ["DB_NAME", "SCHEMA", "RunStore", "connect"]
