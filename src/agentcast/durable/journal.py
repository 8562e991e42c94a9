"""The durable journal: every agent call's outcome, and every model and tool call inside it,
written to the run store before the result is delivered.

Why a second connection to the run's ``store.db`` instead of the store's batched writer: the
store may lose its last 50 ms on a crash, which is fine for a log and fatal for a replay. The
journal commits each record synchronously (WAL, ``synchronous=NORMAL``: a committed record
survives the process being killed; only a power loss can take the last ones), so a result is
on disk before anyone can see it. Records are small and keyed by the stable call id (agent
name, per-agent counter); message content is stored once, as its wire form.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS durable_runs (
  run_id TEXT PRIMARY KEY, seed INTEGER NOT NULL, created REAL NOT NULL, resumes INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS durable_calls (
  run_id TEXT NOT NULL, agent TEXT NOT NULL, seq INTEGER NOT NULL, digest TEXT NOT NULL,
  ok INTEGER NOT NULL, result TEXT, state TEXT, ts REAL NOT NULL,
  PRIMARY KEY (run_id, agent, seq)
);
CREATE TABLE IF NOT EXISTS durable_subcalls (
  run_id TEXT NOT NULL, agent TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL,
  k INTEGER NOT NULL, digest TEXT NOT NULL, done INTEGER NOT NULL, result TEXT, ts REAL NOT NULL,
  PRIMARY KEY (run_id, agent, seq, kind, k)
);
CREATE TABLE IF NOT EXISTS durable_inputs (
  run_id TEXT NOT NULL, k INTEGER NOT NULL, kind TEXT NOT NULL, digest TEXT NOT NULL,
  content TEXT, ts REAL NOT NULL, PRIMARY KEY (run_id, k)
);
"""


def digest(value: Any) -> str:
    """A short, stable fingerprint of a JSON-able value (what divergence is judged on)."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


@dataclass(frozen=True, slots=True)
class CallRecord:
    """A finished agent call as recorded: its input's digest, outcome and state change."""

    agent: str
    seq: int
    digest: str
    ok: bool
    result: Any  # the wire form of the reply (or the error text when not ok)
    state: Any  # what the call changed in the agent (see replay.py)


@dataclass(frozen=True, slots=True)
class SubRecord:
    """A model or tool call made inside an agent call: started, and maybe finished."""

    digest: str
    done: bool
    result: Any


class Journal:
    """Synchronous, append-only records of one run, in the run store's SQLite file."""

    def __init__(self, path: str | Path, run_id: str, *, seed: int | None = None) -> None:
        self.path = Path(path)
        self.run_id = run_id
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: each execute is its own committed transaction.
        self._conn = sqlite3.connect(str(self.path), timeout=10, isolation_level=None,
                                     check_same_thread=False)
        self._lock = threading.Lock()  # def-replies record from pool threads
        c = self._conn
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("PRAGMA synchronous=NORMAL")
        c.execute("PRAGMA busy_timeout=10000")
        c.executescript(SCHEMA)
        row = c.execute("SELECT seed, resumes FROM durable_runs WHERE run_id=?",
                        (run_id,)).fetchone()
        if row is None:
            self.seed = seed if seed is not None else int.from_bytes(
                hashlib.blake2b(run_id.encode(), digest_size=8).digest(), "big") >> 1
            self.resumes = 0
            c.execute("INSERT INTO durable_runs VALUES (?,?,?,?)",
                      (run_id, self.seed, time.time(), 0))
        else:
            self.seed, self.resumes = int(row[0]), int(row[1]) + 1
            c.execute("UPDATE durable_runs SET resumes=? WHERE run_id=?", (self.resumes, run_id))
        self.calls: dict[tuple[str, int], CallRecord] = {}
        self.subcalls: dict[tuple[str, int, str, int], SubRecord] = {}
        self.inputs: dict[int, tuple[str, str]] = {}
        self._load()

    @staticmethod
    def exists(path: str | Path, run_id: str) -> bool:
        """Whether ``path`` holds a durable record of ``run_id`` (what resume needs)."""
        if not Path(path).exists():
            return False
        conn = sqlite3.connect(str(path), timeout=10)
        try:
            row = conn.execute("SELECT 1 FROM sqlite_master WHERE name='durable_runs'").fetchone()
            if row is None:
                return False
            return conn.execute("SELECT 1 FROM durable_runs WHERE run_id=?",
                                (run_id,)).fetchone() is not None
        finally:
            conn.close()

    def _load(self) -> None:
        c, rid = self._conn, self.run_id
        for agent, seq, dg, ok, result, state in c.execute(
                "SELECT agent, seq, digest, ok, result, state FROM durable_calls WHERE run_id=?",
                (rid,)):
            self.calls[(agent, seq)] = CallRecord(
                agent, seq, dg, bool(ok), json.loads(result) if result else None,
                json.loads(state) if state else {})
        for agent, seq, kind, k, dg, done, result in c.execute(
                "SELECT agent, seq, kind, k, digest, done, result FROM durable_subcalls "
                "WHERE run_id=?", (rid,)):
            self.subcalls[(agent, seq, kind, k)] = SubRecord(
                dg, bool(done), json.loads(result) if result else None)
        for k, kind, dg in c.execute(
                "SELECT k, kind, digest FROM durable_inputs WHERE run_id=?", (rid,)):
            self.inputs[k] = (kind, dg)

    # --- writes (each one committed before it returns) -----------------------------------
    def record_call(self, rec: CallRecord) -> None:
        row = (self.run_id, rec.agent, rec.seq, rec.digest, int(rec.ok),
               _dump(rec.result), _dump(rec.state), time.time())
        with self._lock:
            self._conn.execute("INSERT OR REPLACE INTO durable_calls VALUES (?,?,?,?,?,?,?,?)",
                               row)
            self.calls[(rec.agent, rec.seq)] = rec

    def record_subcall(self, agent: str, seq: int, kind: str, k: int, dg: str, *,
                       done: bool, result: Any = None) -> None:
        row = (self.run_id, agent, seq, kind, k, dg, int(done), _dump(result), time.time())
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO durable_subcalls VALUES (?,?,?,?,?,?,?,?,?)", row)
            self.subcalls[(agent, seq, kind, k)] = SubRecord(dg, done, result)

    def record_input(self, k: int, kind: str, dg: str, content: Any) -> None:
        with self._lock:
            self._conn.execute("INSERT OR REPLACE INTO durable_inputs VALUES (?,?,?,?,?,?)",
                               (self.run_id, k, kind, dg, _dump(content), time.time()))
            self.inputs[k] = (kind, dg)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


__all__ = ["CallRecord", "Journal", "SubRecord", "digest"]
