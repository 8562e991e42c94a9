"""The durable journal: every agent call's outcome, and every model and tool call inside it,
on disk before the result is delivered.

Why an append-only file mapped into memory, and not a database transaction per record: a
committed SQLite row costs ~20 µs (far more while the run store's writer thread holds the
lock), several times a whole agent hop; even a plain ``write(2)`` releases the GIL and waits
to get it back from busy threads (~100 µs measured under the run store). Copying a JSON line
into a shared file mapping costs well under a microsecond and holds the GIL throughout; the
pages belong to the kernel's page cache the moment the copy is done, so a record survives
the process being killed at any point (only a power loss can take the last records;
``fsync=True`` flushes each record to disk, at a disk flush per record). A line torn by a
crash is ignored on load: its result was never delivered, because delivery waits for the
copy. The run store's SQLite tables ``durable_*`` are a queryable
copy, written when the run closes and when it is resumed.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FILE_NAME = "journal.log"
CHUNK = 4 << 20  # the mapping grows by this much at a time

SCHEMA = """
CREATE TABLE IF NOT EXISTS durable_calls (
  run_id TEXT NOT NULL, agent TEXT NOT NULL, seq INTEGER NOT NULL, digest TEXT NOT NULL,
  input_pos INTEGER, result TEXT, state TEXT, PRIMARY KEY (run_id, agent, seq)
);
CREATE TABLE IF NOT EXISTS durable_subcalls (
  run_id TEXT NOT NULL, agent TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL,
  k INTEGER NOT NULL, digest TEXT NOT NULL, done INTEGER NOT NULL, result TEXT,
  PRIMARY KEY (run_id, agent, seq, kind, k)
);
CREATE TABLE IF NOT EXISTS durable_inputs (
  run_id TEXT NOT NULL, k INTEGER NOT NULL, kind TEXT NOT NULL, digest TEXT NOT NULL,
  content TEXT, PRIMARY KEY (run_id, k)
);
"""


def digest(value: Any) -> str:
    """A short, stable fingerprint of a JSON-able value (what divergence is judged on)."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


@dataclass(frozen=True, slots=True)
class CallRecord:
    """A finished agent call: its input's digest, result and what it changed in the agent.

    ``input_pos`` is the call's position among messages from outside (0 when an agent made
    the call)."""

    agent: str
    seq: int
    digest: str
    input_pos: int
    result: Any
    state: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SubRecord:
    """A model or tool call made inside an agent call: started, and maybe finished."""

    digest: str
    done: bool
    result: Any


class Journal:
    """Append-only records of one run in ``<run dir>/journal.log``; loaded whole on resume."""

    def __init__(self, directory: str | Path, run_id: str, *, seed: int | None = None,
                 fsync: bool = False) -> None:
        self.dir = Path(directory)
        self.path = self.dir / FILE_NAME
        self.run_id = run_id
        self.fsync = fsync
        self.calls: dict[tuple[str, int], CallRecord] = {}
        self.subcalls: dict[tuple[str, int, str, int], SubRecord] = {}
        self.inputs: dict[int, tuple[str, str]] = {}  # position -> (what, digest)
        self.seed: int | None = None
        self.resumes = 0
        self._lock = threading.Lock()
        if self.path.exists():
            self._load()
        self.dir.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        self._end = self._used  # append after what was loaded (a torn tail is overwritten)
        self._size = 0
        self._map: mmap.mmap | None = None
        self._grow(self._end + 1)
        if self.seed is None:
            self.seed = seed if seed is not None else int.from_bytes(
                hashlib.blake2b(run_id.encode(), digest_size=8).digest(), "big") >> 1
            self._write(["run", run_id, self.seed, time.time()])
        else:
            self._write(["resume", time.time()])

    @staticmethod
    def exists(directory: str | Path) -> bool:
        """Whether ``directory`` holds a durable record (what resume needs)."""
        return (Path(directory) / FILE_NAME).is_file()

    _used = 0

    def _load(self) -> None:
        with open(self.path, "rb") as f:
            data = f.read()
        end = data.find(b"\x00")  # the unused rest of the last mapping
        data = data if end < 0 else data[:end]
        cut = data.rfind(b"\n") + 1  # a torn last line is dropped and later overwritten
        self._used = cut
        for line in data[:cut].split(b"\n"):
            if not line:
                continue
            try:
                rec = json.loads(line)
            except ValueError:  # torn by a crash mid-write: never delivered, so never was
                continue
            tag = rec[0]
            if tag == "c":
                _, agent, seq, dg, pos, result, state = rec
                self.calls[(agent, seq)] = CallRecord(agent, seq, dg, pos, result, state)
                if pos:
                    self.inputs[pos] = (f"call {agent}#{seq}", digest(["call", agent, seq]))
            elif tag == "s":
                _, agent, seq, kind, k, dg, done, result = rec
                self.subcalls[(agent, seq, kind, k)] = SubRecord(dg, bool(done), result)
            elif tag == "i":
                _, k, what, dg, _content = rec
                self.inputs[k] = (what, dg)
            elif tag == "run":
                self.seed = int(rec[2])
            elif tag == "resume":
                self.resumes += 1

    def _grow(self, need: int) -> None:
        on_disk = os.fstat(self._fd).st_size
        size = self._size
        while size < need:
            size += CHUNK
        if self._map is not None:
            self._map.close()
        os.ftruncate(self._fd, size)
        self._map = mmap.mmap(self._fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        dirty = min(on_disk, size)
        if self._end < dirty:  # a torn line (or a crashed run's zero tail) after the records
            self._map[self._end:dirty] = bytes(dirty - self._end)
        self._size = size

    def _write(self, rec: list[Any]) -> None:
        data = json.dumps(rec, ensure_ascii=False, default=str).encode("utf-8") + b"\n"
        with self._lock:  # def-replies record from worker threads
            start = self._end
            end = start + len(data)
            if end >= self._size:
                self._grow(end + 1)
            assert self._map is not None
            self._map[start:end] = data
            self._end = end
            if self.fsync:
                self._map.flush(start - start % mmap.PAGESIZE, end - start + start % mmap.PAGESIZE)

    # --- records (each on disk before it returns) ------------------------------------------
    def record_call(self, rec: CallRecord) -> None:
        self._write(["c", rec.agent, rec.seq, rec.digest, rec.input_pos, rec.result, rec.state])
        self.calls[(rec.agent, rec.seq)] = rec

    def record_subcall(self, agent: str, seq: int, kind: str, k: int, dg: str, *,
                       done: bool, result: Any = None) -> None:
        self._write(["s", agent, seq, kind, k, dg, int(done), result])
        self.subcalls[(agent, seq, kind, k)] = SubRecord(dg, done, result)

    def record_input(self, k: int, what: str, dg: str, content: Any) -> None:
        self._write(["i", k, what, dg, content])
        self.inputs[k] = (what, dg)

    # --- the queryable copy ----------------------------------------------------------------
    def mirror(self, db_path: str | Path) -> None:
        """Copy the records into the run store's ``durable_*`` tables (replacing them)."""
        conn = sqlite3.connect(str(db_path), timeout=30)
        try:
            conn.executescript(SCHEMA)
            rid = self.run_id
            with conn:
                for table in ("durable_calls", "durable_subcalls", "durable_inputs"):
                    conn.execute(f"DELETE FROM {table} WHERE run_id=?", (rid,))
                conn.executemany(
                    "INSERT INTO durable_calls VALUES (?,?,?,?,?,?,?)",
                    [(rid, r.agent, r.seq, r.digest, r.input_pos, _dump(r.result),
                      _dump(r.state)) for r in self.calls.values()])
                conn.executemany(
                    "INSERT INTO durable_subcalls VALUES (?,?,?,?,?,?,?,?)",
                    [(rid, a, s, kind, k, r.digest, int(r.done), _dump(r.result))
                     for (a, s, kind, k), r in self.subcalls.items()])
                conn.executemany(
                    "INSERT INTO durable_inputs VALUES (?,?,?,?,?)",
                    [(rid, k, what, dg, None) for k, (what, dg) in self.inputs.items()])
        finally:
            conn.close()

    def close(self) -> None:
        with self._lock:
            if self._fd < 0:
                return
            if self._map is not None:
                self._map.close()
                self._map = None
            os.ftruncate(self._fd, self._end)  # a closed journal has no zero tail
            os.close(self._fd)
            self._fd = -1


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


__all__ = ["FILE_NAME", "CallRecord", "Journal", "SubRecord", "digest"]
