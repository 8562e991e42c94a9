"""The durable journal on PostgreSQL, for runs resumed on another machine.

The same records and the same tables as the run store's SQLite copy (``durable_calls``,
``durable_subcalls``, ``durable_inputs``, plus ``durable_runs``), written with one
autocommitted statement per record before the result is delivered, so that any machine that
reaches the database can resume the run. Each record costs a round trip to the server (a
few hundred microseconds on one machine): this is for runs whose calls take seconds, not for
10,000-hop microbenchmarks. Needs the ``sql`` extra (psycopg 3).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from pathlib import Path
from typing import Any

from agentcast.durable.journal import SCHEMA as TABLES
from agentcast.durable.journal import CallRecord, SubRecord, digest

# The run store's durable tables (plain TEXT/INTEGER: the same DDL on both engines), plus the
# run's seed, which the local journal keeps in its own first line.
SCHEMA = """
CREATE TABLE IF NOT EXISTS durable_runs (
  run_id TEXT PRIMARY KEY, seed BIGINT NOT NULL, created DOUBLE PRECISION NOT NULL,
  resumes INTEGER NOT NULL
);
""" + TABLES


def _connect(url: str) -> Any:
    try:
        import psycopg
    except ImportError as exc:
        from agentcast.exceptions import MissingExtraError

        raise MissingExtraError("sql", "psycopg", "a durable journal on PostgreSQL") from exc
    dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
    return psycopg.connect(dsn, autocommit=True)


class PgJournal:
    """A run's records in PostgreSQL; the interface of :class:`Journal` (``calls``,
    ``subcalls`` and ``inputs`` hold what a resume loaded, not what this process records)."""

    def __init__(self, url: str, run_id: str, directory: str | Path, *,
                 seed: int | None = None) -> None:
        self.url = url
        self.run_id = run_id
        self.dir = Path(directory)
        self._lock = threading.Lock()
        self._conn = _connect(url)
        self.calls: dict[tuple[str, int], CallRecord] = {}
        self.subcalls: dict[tuple[str, int, str, int], SubRecord] = {}
        self.inputs: dict[int, tuple[str, str]] = {}
        with self._conn.cursor() as cur:
            cur.execute(SCHEMA)
            cur.execute("SELECT seed, resumes FROM durable_runs WHERE run_id=%s", (run_id,))
            row = cur.fetchone()
            if row is None:
                self.seed = seed if seed is not None else int.from_bytes(
                    hashlib.blake2b(run_id.encode(), digest_size=8).digest(), "big") >> 1
                self.resumes = 0
                cur.execute("INSERT INTO durable_runs VALUES (%s,%s,%s,%s)",
                            (run_id, self.seed, time.time(), 0))
            else:
                self.seed, self.resumes = int(row[0]), int(row[1]) + 1
                cur.execute("UPDATE durable_runs SET resumes=%s WHERE run_id=%s",
                            (self.resumes, run_id))
                self._load(cur)

    @staticmethod
    def exists(url: str, run_id: str) -> bool:
        conn = _connect(url)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT to_regclass('durable_runs')")
                if cur.fetchone()[0] is None:
                    return False
                cur.execute("SELECT 1 FROM durable_runs WHERE run_id=%s", (run_id,))
                return cur.fetchone() is not None
        finally:
            conn.close()

    def _load(self, cur: Any) -> None:
        rid = self.run_id
        cur.execute("SELECT agent, seq, digest, input_pos, result, state FROM durable_calls "
                    "WHERE run_id=%s", (rid,))
        for agent, seq, dg, pos, result, state in cur.fetchall():
            self.calls[(agent, seq)] = CallRecord(agent, seq, dg, pos or 0, _load(result),
                                                  _load(state) or {})
            if pos:
                self.inputs[pos] = (f"call {agent}#{seq}", digest(["call", agent, seq]))
        cur.execute("SELECT agent, seq, kind, k, digest, done, result FROM durable_subcalls "
                    "WHERE run_id=%s", (rid,))
        for agent, seq, kind, k, dg, done, result in cur.fetchall():
            self.subcalls[(agent, seq, kind, k)] = SubRecord(dg, bool(done), _load(result))
        cur.execute("SELECT k, kind, digest FROM durable_inputs WHERE run_id=%s", (rid,))
        for k, what, dg in cur.fetchall():
            self.inputs[k] = (what, dg)

    def _execute(self, sql: str, args: tuple[Any, ...]) -> None:
        with self._lock, self._conn.cursor() as cur:
            cur.execute(sql, args)

    def write_call(self, agent: str, seq: int, dg: str, input_pos: int, result: Any,
                   state: dict[str, Any]) -> None:
        self.record_call(CallRecord(agent, seq, dg, input_pos, result, state))

    def record_call(self, rec: CallRecord) -> None:
        self._execute(
            "INSERT INTO durable_calls VALUES (%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (run_id, agent, "
            "seq) DO UPDATE SET digest=excluded.digest, input_pos=excluded.input_pos, "
            "result=excluded.result, state=excluded.state",
            (self.run_id, rec.agent, rec.seq, rec.digest, rec.input_pos, _dump(rec.result),
             _dump(rec.state)))

    def record_subcall(self, agent: str, seq: int, kind: str, k: int, dg: str, *,
                       done: bool, result: Any = None) -> None:
        self._execute(
            "INSERT INTO durable_subcalls VALUES (%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (run_id, "
            "agent, seq, kind, k) DO UPDATE SET digest=excluded.digest, done=excluded.done, "
            "result=excluded.result",
            (self.run_id, agent, seq, kind, k, dg, int(done), _dump(result)))

    def record_input(self, k: int, what: str, dg: str, content: Any) -> None:
        self._execute(
            "INSERT INTO durable_inputs VALUES (%s,%s,%s,%s,%s) ON CONFLICT (run_id, k) DO "
            "NOTHING", (self.run_id, k, what, dg, _dump(content)))

    def mirror(self, db_path: str | Path) -> None:
        """The records already live in PostgreSQL; the run store gets no copy."""

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


__all__ = ["PgJournal"]
