"""The durable journal: every agent call's outcome, and every model and tool call inside it,
on disk before the result is delivered.

Why an append-only file mapped into memory, and not a database transaction per record: a
committed SQLite row costs ~20 µs (far more while the run store's writer thread holds the
lock), several times a whole agent hop; even a plain ``write(2)`` releases the GIL and waits
to get it back from busy threads (~100 µs measured under the run store). Copying a record
into a shared file mapping costs well under a microsecond and holds the GIL throughout; the
pages belong to the kernel's page cache the moment the copy is done, so a record survives
the process being killed at any point (only a power loss can take the last records;
``fsync=True`` flushes each record to disk, at a disk flush per record).

Why ``marshal`` and not JSON lines: the record is encoded on every agent hop, and ``marshal``
(values only: no code runs when a record is read back) encodes one in a third of JSON's time.
Each record is a 4-byte length and its bytes; the length is written *after* the bytes, so a
record cut short by a crash has length 0 and is ignored on load (its result was never
delivered, because delivery waits for the copy). Values ``marshal`` cannot take are stored
as their JSON form. A journal written by an older agentcast (JSON lines) is read and
rewritten in this form on resume. The run store's SQLite tables ``durable_*`` are a
queryable copy, written when the run closes and when it is resumed.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import mmap
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentcast.message import Msg

FILE_NAME = "journal.log"
CHUNK = 4 << 20  # the mapping grows by this much at a time
MAGIC = b"agentcast journal 2\n"  # then records: u32 length (little-endian), marshal bytes
_LEN = 4

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


def msg_record(m: Msg) -> tuple[Any, ...]:
    """A message as a record holds it: a tagged tuple, a third of its wire dict's encoding
    time and size (the dict's keys are not repeated in every record)."""
    return ("m", m.id, m.name, m.content, m.role, m.url, m.metadata or None, m.timestamp)


def msg_from_record(v: Any) -> Msg:
    """The message back from :func:`msg_record`'s form (a list after JSON) or a wire dict."""
    if isinstance(v, dict):
        return Msg.from_dict(v)
    _, mid, name, content, role, url, metadata, ts = v
    return Msg(name, content, role, url, metadata, id=mid, timestamp=ts)


def readable(value: Any) -> Any:
    """A recorded result or state with messages as wire dicts (for the queryable copy)."""
    if isinstance(value, (tuple, list)) and value and value[0] == "m" and len(value) == 8:
        return msg_from_record(value).to_dict()
    if isinstance(value, (tuple, list)) and len(value) == 2 and value[0] == "l":
        return [readable(v) for v in value[1]]
    if isinstance(value, dict) and ("add" in value or "input" in value):
        out = dict(value)
        if "add" in out:
            out["add"] = [readable(v) for v in out["add"]]
        if "input" in out:
            out["input"] = readable(out["input"])
        return out
    return value


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
        if self.path.is_symlink():  # it would write (and trust) whatever the link points to
            from agentcast.exceptions import ConfigError

            raise ConfigError(f"{self.path} is a symbolic link; a journal must be a plain "
                              "file of the run directory", field="run_dir")
        if self.path.exists():
            self._load()
        self.dir.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        self._end = self._used  # append after what was loaded (a torn tail is overwritten)
        self._size = 0
        self._map: mmap.mmap | None = None
        self._grow(self._end + _LEN)
        if self._end == 0:
            assert self._map is not None
            self._map[0:len(MAGIC)] = MAGIC
            self._end = len(MAGIC)
        if self.seed is None:
            self.seed = seed if seed is not None else int.from_bytes(
                hashlib.blake2b(run_id.encode(), digest_size=8).digest(), "big") >> 1
            self._write(["run", run_id, self.seed, time.time(), marshal.version])
        else:
            self._write(["resume", time.time()])

    @staticmethod
    def exists(directory: str | Path) -> bool:
        """Whether ``directory`` holds a durable record (what resume needs)."""
        return (Path(directory) / FILE_NAME).is_file()

    _used = 0

    @staticmethod
    def read_records(path: str | Path) -> Iterator[tuple[int, list[Any]]]:
        """Each complete record of the journal at ``path`` with its size in bytes, in order
        (a record cut short by a crash, and anything after it, is not one)."""
        with open(path, "rb") as f:
            data = f.read()
        if not data.startswith(MAGIC):
            yield from _read_v1(data)
            return
        pos, end = len(MAGIC), len(data)
        while pos + _LEN <= end:
            n = int.from_bytes(data[pos:pos + _LEN], "little")
            if n == 0 or pos + _LEN + n > end:
                return
            try:
                rec = marshal.loads(data[pos + _LEN:pos + _LEN + n])
            except (EOFError, ValueError, TypeError):
                return
            if rec.__class__ is tuple and rec and rec[0] == "j":  # stored as JSON
                rec = json.loads(rec[1])
            yield _LEN + n, rec
            pos += _LEN + n

    def _load(self) -> None:
        with open(self.path, "rb") as f:
            head = f.read(len(MAGIC))
        records = list(self.read_records(self.path))
        if head != MAGIC:  # an older journal: rewritten in this form before appending
            _rewrite(self.path, [rec for _, rec in records])
            records = list(self.read_records(self.path))
        self._used = len(MAGIC) + sum(size for size, _ in records)
        for _, rec in records:
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
                if len(rec) > 4 and rec[4] > marshal.version:
                    from agentcast.exceptions import ConfigError

                    raise ConfigError(
                        f"run {self.run_id!r} was recorded by a Python whose marshal format is "
                        f"{rec[4]} (this one reads up to {marshal.version}): resume it with "
                        "the Python that recorded it", field="resume")
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
        data = _encode(rec)
        n = len(data)
        with self._lock:  # def-replies record from worker threads
            start = self._end
            end = start + _LEN + n
            if end + _LEN > self._size:
                self._grow(end + _LEN)
            m = self._map
            assert m is not None
            m[start + _LEN:end] = data
            m[start:start + _LEN] = n.to_bytes(_LEN, "little")  # now the record exists
            self._end = end
            if self.fsync:
                m.flush(start - start % mmap.PAGESIZE, end - start + start % mmap.PAGESIZE)

    # --- records (each on disk before it returns) ------------------------------------------
    # What this process records is not kept in ``calls``/``subcalls``/``inputs``: those hold
    # the record a resume loaded, the only one ever looked up (a call id is used once per
    # process). Kept, they would grow with the run and every garbage collection would walk
    # them (measured: a third of a W1 hop).
    def record_call(self, rec: CallRecord) -> None:
        self.write_call(rec.agent, rec.seq, rec.digest, rec.input_pos, rec.result, rec.state)

    def write_call(self, agent: str, seq: int, dg: str, input_pos: int, result: Any,
                   state: dict[str, Any]) -> None:
        """:meth:`record_call` without building a :class:`CallRecord` (the per-hop path)."""
        self._write(["c", agent, seq, dg, input_pos, result, state])

    def record_subcall(self, agent: str, seq: int, kind: str, k: int, dg: str, *,
                       done: bool, result: Any = None) -> None:
        self._write(["s", agent, seq, kind, k, dg, int(done), result])

    def record_input(self, k: int, what: str, dg: str, content: Any) -> None:
        self._write(["i", k, what, dg, content])

    # --- the queryable copy ----------------------------------------------------------------
    def mirror(self, db_path: str | Path) -> None:
        """Copy the records into the run store's ``durable_*`` tables (replacing them)."""
        calls: dict[tuple[str, int], tuple[Any, ...]] = {}
        subcalls: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        inputs: dict[int, tuple[Any, ...]] = {}
        rid = self.run_id
        with self._lock:  # the file reads what the mapping holds (one page cache)
            records = [rec for _, rec in self.read_records(self.path)]
        for rec in records:  # a later record of the same id replaces an earlier one
            tag = rec[0]
            if tag == "c":
                _, agent, seq, dg, pos, result, state = rec
                calls[(agent, seq)] = (rid, agent, seq, dg, pos, _dump(readable(result)),
                                       _dump(readable(state)))
                if pos:  # a message from outside: its content when it was no call's result
                    given = state.get("input") if isinstance(state, dict) else None
                    inputs[pos] = (rid, pos, f"call {agent}#{seq}",
                                   digest(["call", agent, seq]),
                                   None if given is None else _dump(readable(given)))
            elif tag == "s":
                _, agent, seq, kind, k, dg, done, result = rec
                subcalls[(agent, seq, kind, k)] = (rid, agent, seq, kind, k, dg, int(done),
                                                   _dump(result))
            elif tag == "i":
                _, k, what, dg, content = rec
                inputs[k] = (rid, k, what, dg, _dump(content))
        conn = sqlite3.connect(str(db_path), timeout=30)
        try:
            conn.executescript(SCHEMA)
            with conn:
                for table in ("durable_calls", "durable_subcalls", "durable_inputs"):
                    conn.execute(f"DELETE FROM {table} WHERE run_id=?", (rid,))
                conn.executemany("INSERT INTO durable_calls VALUES (?,?,?,?,?,?,?)",
                                 list(calls.values()))
                conn.executemany("INSERT INTO durable_subcalls VALUES (?,?,?,?,?,?,?,?)",
                                 list(subcalls.values()))
                conn.executemany("INSERT INTO durable_inputs VALUES (?,?,?,?,?)",
                                 list(inputs.values()))
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


def _encode(rec: Any) -> bytes:
    try:
        return marshal.dumps(rec)
    except ValueError:  # a value marshal cannot take: kept as its JSON form
        return marshal.dumps(("j", json.dumps(rec, ensure_ascii=False, default=str)))


def _rewrite(path: Path, records: list[Any]) -> None:
    """Replace the journal at ``path`` with ``records`` in this format (all or nothing)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)  # a leftover of a crash mid-rewrite (or a planted link)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(MAGIC)
        for rec in records:
            data = _encode(rec)
            f.write(len(data).to_bytes(_LEN, "little") + data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _read_v1(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    """Records of a journal written as JSON lines (agentcast before journal format 2)."""
    end = data.find(b"\x00")  # the unused rest of the last mapping
    data = data if end < 0 else data[:end]
    for line in data[:data.rfind(b"\n") + 1].split(b"\n"):
        if line:
            try:
                yield len(line) + 1, json.loads(line)
            except ValueError:  # torn by a crash mid-write: never delivered, so never was
                continue


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


__all__ = ["FILE_NAME", "MAGIC", "CallRecord", "Journal", "SubRecord", "digest", "msg_from_record",
           "msg_record", "readable"]
