"""Durable runs with agents on Ray: the driver journals their calls; their hosts journal the
model and tool calls made inside them.

A call of a :class:`~agentcast.agents.distributed.DistributedAgent` in a durable run goes out
wrapped in a :class:`DurableCall` (an :class:`~agentcast.runtime.ray_host.Envelope`, the only
thing the Ray link knows about). It keeps the in-process rules of
:mod:`agentcast.durable.replay`:

- **Same ids.** The driver numbers the call (``name#seq``, the proxy's call counter) and gives
  it its position among messages from outside, exactly as for an in-process agent.
- **Recorded before delivery.** In a durable run the link sends a call only once its inputs
  are settled on the driver: a reply of another agent on Ray passes through the driver (no
  object-store reference from host to host; one more hop, paid only in durable runs). The
  host runs the reply under a host-side :class:`HostDurable`, which computes the agent's
  state change exactly as in process (memory messages added, or the whole memory,
  ``sys_prompt``, ``state_dict`` extras), writes the call's record to its own file (below)
  and sends it back with the reply; the driver writes it into the run's journal before it
  resolves the placeholder. So no agent sees a result that is not on disk: not the driver's
  callers, nor another agent of the same host that observes the reply by reference (a hub).
- **Replay without the reply.** On resume, the driver checks a recorded call's input
  fingerprint as soon as the input is settled (``DivergenceError`` otherwise) and sends the
  recorded state change and result instead of the call: nothing runs the reply, no request
  reaches a model. The host applies the state change *in the agent's mailbox order*, so the
  remote agent's memory and state are those of the record before its first live call, and
  observes (re-run by the program) land between the same calls as before. The placeholder
  resolves when the host has applied it (one Ray round trip, batched with the others): an
  agent that holds another number of messages than the record says fails this very call
  with ``DivergenceError``, never a later one.
- **Inside a live call.** Model and tool calls made by the remote reply are journaled by the
  host, keyed by the driver's call id, in a file of its own: ``<run dir>/hosts/<session>-
  <pid>-<random>.log`` (one ``write(2)`` of one JSON line per record, on an ``O_APPEND``
  descriptor; the page cache keeps it when any process is killed). A host loads every host
  file of the run when it opens its own, so a call in flight at a crash, of the driver or of
  the host, replays its finished model calls, retries the unfinished one (under the same
  idempotency key) and stops and asks at a side-effect tool that started without a result:
  as in process, an approval request, filed in the run directory's store (which a host
  reaches, as it reaches the host files), named by the ``InFlightToolError``.

Why a file per host process and not records shipped back with the reply: a sub-call's record
must exist before the reply ends, while the driver may already be dead; and why not the
driver's ``journal.log``: one writer per file needs no lock across processes, and a host
never reads a record the driver has half written. The host also writes the call's own record
(``c``) before it answers: if the driver dies between the host's answer and its own record,
the resumed driver takes the call from the host file instead of running it again. Files
sort by the driver session that opened them (a nanosecond stamp); a later session's record
wins, and the driver's own journal wins over any host file. Ray ends a driver's hosts when
the driver dies (actors share their owner's fate), so no earlier host writes after a resume
has read the files.

Limits: calls that a remote reply makes to other agents are not journaled on their own (the
calling reply is marked as an orchestrator and re-runs on resume, its own model and tool
calls answered from the record); the run store's ``durable_*`` copy is read from
``journal.log``, so the sub-calls of Ray agents are only in the host files; the hosts must
reach the run directory's file system (one machine, or a shared mount), also with a
PostgreSQL journal.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from agentcast import hooks
from agentcast.durable.journal import CallRecord, SubRecord
from agentcast.durable.replay import (
    Durable,
    current_scope,
    input_digest,
    same_input,
    with_input,
)
from agentcast.exceptions import DivergenceError
from agentcast.runtime.ray_host import Answer, Envelope

HOSTS = "hosts"  # the run directory's folder of host journals
_host_lock = threading.Lock()
Run = tuple[str, str, int, str, str]  # run dir, run id, seed, in-flight policy, session


# --- the driver ------------------------------------------------------------------------------
class Remote:
    """The driver's side: the run as hosts see it, and records taken from host files."""

    def __init__(self, durable: Durable) -> None:
        journal = durable.journal
        seed = int(journal.seed) if journal.seed is not None else 0
        self.run: Run = (str(Path(journal.dir).resolve()), journal.run_id, seed,
                         durable.in_flight, f"{time.time_ns():020d}")
        self.from_hosts: set[tuple[str, int]] = set()  # finished in a host, not in journal.log
        self.merge(journal)

    def merge(self, journal: Any) -> None:
        """Add the host files' records that the journal lacks (in memory: what resume and
        the run store's copy see). The journal's own records win."""
        calls, subs = read_host_records(Path(self.run[0]))
        for key, rec in calls.items():
            if key not in journal.calls:
                journal.calls[key] = rec
                self.from_hosts.add(key)
        for skey, sub in subs.items():
            old = journal.subcalls.get(skey)
            if old is None or (sub.done and not old.done):
                journal.subcalls[skey] = sub


def call_remote_agent(durable: Durable, proxy: Any, x: Any) -> Any:
    """``proxy(x)`` in a durable run: numbered and positioned here, answered from the record
    when it has the call, else sent to the host wrapped in a :class:`DurableCall`."""
    from agentcast.runtime.ray_link import RemotePlaceholder
    from agentcast.runtime.scheduler import get_runtime

    remote: Remote = durable.remote
    if remote is None:
        with _host_lock:  # one session per driver run, whichever thread calls first
            if durable.remote is None:
                durable.remote = Remote(durable)
            remote = durable.remote
    proxy._calls = n = proxy._calls + 1
    ph = RemotePlaceholder(proxy.name, n)
    ph.producer = proxy
    durable.send("call", proxy.name, x, n)
    env = DurableCall(x, n, remote.run)
    env.driver = (durable, proxy, ph, durable.journal.calls.get((proxy.name, n)))
    get_runtime().submit(proxy._enqueue_call, env, ph)  # hubs see it as any call
    return ph


class DurableCall(Envelope):
    """A call of an agent on Ray in a durable run (see the module docstring).

    On the wire: the settled input, the driver's call number, the run, the input's
    fingerprint and, for a replayed call, the recorded state change instead of a live run.
    """

    __slots__ = ("dg", "driver", "note", "replay", "result", "run", "seq")

    def __init__(self, x: Any, seq: int, run: Run, dg: str = "",
                 replay: dict[str, Any] | None = None, result: Any = None) -> None:
        super().__init__(x)
        self.seq, self.run, self.dg, self.replay, self.result = seq, run, dg, replay, result
        self.note: Any = None  # set in the host: (result, state) for the driver's record
        self.driver: Any = None  # on the driver: (durable, proxy, placeholder, record)

    def __reduce__(self) -> Any:
        return (_arrive, (self.x, self.seq, self.run, self.dg, self.replay, self.result))

    # --- on the driver, when the inputs are settled -------------------------------------
    def seal(self, value: Any) -> DurableCall:
        durable, proxy, _ph, rec = self.driver
        name, seq = proxy.name, self.seq
        dg = self.dg = input_digest(value)  # the rule the host's own record uses
        if rec is not None and not same_input(rec.digest, value, dg):
            durable.take_position(name, seq)
            raise DivergenceError(f"call {name}#{seq} was recorded with another input",
                                  call=f"{name}#{seq}", recorded=rec.digest, now=dg)
        if rec is None or rec.state.get("nested"):
            return DurableCall(value, seq, self.run, dg)
        pos, given = durable.take_position(name, seq)
        if (name, seq) in durable.remote.from_hosts:  # the driver died before recording it
            durable.remote.from_hosts.discard((name, seq))
            durable.journal.record_call(CallRecord(name, seq, rec.digest, pos, rec.result,
                                                   with_input(rec.state, given)))
        durable.replayed += 1
        # The host applies the recorded state change in mailbox order and answers with the
        # recorded result; the placeholder resolves then (one round trip, no model), so an
        # agent that cannot take the state (DivergenceError) fails this very call.
        return DurableCall(None, seq, self.run, dg, rec.state, rec.result)

    def deliver(self, value: Any, note: Any) -> Any:
        """The host's reply: its record goes into the journal before anyone sees it."""
        if self.driver is None or note is None:
            return value
        durable, proxy, _ph, _rec = self.driver
        result, state = note
        name, seq = proxy.name, self.seq
        pos, given = durable.take_position(name, seq)
        durable.journal.record_call(CallRecord(name, seq, self.dg, pos, result,
                                               with_input(state, given)))
        durable.remote.from_hosts.discard((name, seq))
        durable.live += 1
        return value

    # --- in the host ---------------------------------------------------------------------
    def answer(self, value: Any) -> Any:
        return value if self.note is None else Answer(value, self.note)


def _arrive(x: Any, seq: int, run: Run, dg: str, replay: dict[str, Any] | None,
            result: Any) -> DurableCall:
    """A call unpickled in its host: the host journals under this run from now on."""
    host_durable(run)
    return DurableCall(x, seq, run, dg, replay, result)


# --- the host ------------------------------------------------------------------------------


def host_durable(run: Run) -> Durable:
    """The durable run of this host process for ``run`` (opened on its first call)."""
    with _host_lock:
        current = hooks.durable
        if isinstance(current, HostDurable) and current.session == run[4]:
            return current
        if current is not None and not isinstance(current, HostDurable):
            return current  # the driver's own process (Ray's local mode): nothing to do
        # A new driver session (a resume, here in the same process). The previous one's
        # file stays open: a reply of that session still running keeps recording into it.
        durable = HostDurable(run)
        hooks.durable = durable
        return durable


class HostDurable(Durable):
    """The rules of :class:`~agentcast.durable.replay.Durable` inside a Ray host, for calls
    the driver sent in a :class:`DurableCall`; other calls run as they would anyway."""

    def __init__(self, run: Run) -> None:
        directory, run_id, seed, in_flight, session = run
        self.records = HostJournal(directory, run_id, seed, session)
        super().__init__(self.records, in_flight=in_flight)  # type: ignore[arg-type]
        self.session = session

    def remote_call(self, proxy: Any, x: Any) -> Any:
        return None  # a call made inside a host is part of its caller's reply

    def send(self, kind: str, target: str, x: Any, seq: int = 0) -> None:
        scope = current_scope()
        if scope is not None:  # the reply calls other agents: it re-runs on resume
            scope.nested = True

    def approvals_store(self) -> tuple[Path, str] | None:
        """A side-effect tool in flight at a crash, in a host, asks in the driver's run store
        (hosts reach the run directory: see the module docstring)."""
        from agentcast.durable.approvals import DB_NAME

        return (Path(self.records.dir) / DB_NAME, self.records.run_id)

    def _recorded(self, actor: Any, env: DurableCall) -> Any:
        assert env.replay is not None
        return self._replay(actor, CallRecord(actor.name, env.seq, env.dg, 0, env.result,
                                              env.replay))

    async def run_async(self, actor: Any, x: Any, seq: int,
                        reply: Callable[[Any], Awaitable[Any]]) -> Any:
        if x.__class__ is not DurableCall:
            return await reply(x)
        if x.replay is not None:
            return self._recorded(actor, x)
        value = await super().run_async(actor, x.x, x.seq, reply)
        x.note = self.records.take(actor.name, x.seq)
        return value

    def run_sync(self, actor: Any, x: Any, seq: int, reply: Callable[[Any], Any]) -> Any:
        if x.__class__ is not DurableCall:
            return reply(x)
        if x.replay is not None:
            return self._recorded(actor, x)
        value = super().run_sync(actor, x.x, x.seq, reply)
        x.note = self.records.take(actor.name, x.seq)
        return value


class HostJournal:
    """One host process's records: ``<run dir>/hosts/<session>-<pid>-<random>.log``.

    It has the journal's interface as :class:`Durable` uses it. ``calls`` stays empty (the
    driver decides what is replayed); ``subcalls`` holds every host file's model and tool
    calls, so a call in flight at a crash answers its finished ones from the record.
    """

    def __init__(self, directory: str, run_id: str, seed: int, session: str) -> None:
        self.dir = Path(directory)
        self.run_id = run_id
        self.seed = seed
        self.calls: dict[tuple[str, int], CallRecord] = {}
        self.inputs: dict[int, tuple[str, str]] = {}
        _, self.subcalls = read_host_records(self.dir)
        folder = self.dir / HOSTS
        if folder.is_symlink():  # it would write (and trust) whatever the link points to
            from agentcast.exceptions import ConfigError

            raise ConfigError(f"{folder} is a symbolic link; the host journals must be in "
                              "the run directory", field="run_dir")
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{session}-{os.getpid()}-{os.urandom(4).hex()}.log"
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND
                           | os.O_NOFOLLOW, 0o600)
        self._lock = threading.Lock()
        self._notes: dict[tuple[str, int], tuple[Any, dict[str, Any]]] = {}

    def _write(self, rec: list[Any]) -> None:
        data = json.dumps(rec, ensure_ascii=False, default=str).encode("utf-8") + b"\n"
        with self._lock:  # def-replies record from worker threads
            if self._fd >= 0:
                os.write(self._fd, data)

    def record_call(self, rec: CallRecord) -> None:
        self.write_call(rec.agent, rec.seq, rec.digest, 0, rec.result, rec.state)

    def write_call(self, agent: str, seq: int, dg: str, input_pos: int, result: Any,
                   state: dict[str, Any]) -> None:
        self._write(["c", agent, seq, dg, 0, result, state])
        self._notes[(agent, seq)] = (result, state)

    def take(self, agent: str, seq: int) -> tuple[Any, dict[str, Any]] | None:
        """The record of a call that just finished here, for the driver."""
        return self._notes.pop((agent, seq), None)

    def record_subcall(self, agent: str, seq: int, kind: str, k: int, dg: str, *,
                       done: bool, result: Any = None) -> None:
        self._write(["s", agent, seq, kind, k, dg, int(done), result])
        self.subcalls[(agent, seq, kind, k)] = SubRecord(dg, done, result)

    def record_input(self, k: int, what: str, dg: str, content: Any) -> None:
        """Messages from outside are the driver's to position."""

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


def read_host_records(directory: Path) -> tuple[dict[tuple[str, int], CallRecord],
                                                 dict[tuple[str, int, str, int], SubRecord]]:
    """Every host file's call and sub-call records, later sessions winning; a line torn by
    a crash is skipped (its call never answered)."""
    calls: dict[tuple[str, int], CallRecord] = {}
    subs: dict[tuple[str, int, str, int], SubRecord] = {}
    folder = directory / HOSTS
    if not folder.is_dir() or folder.is_symlink():
        return calls, subs
    for path in sorted(folder.glob("*.log")):
        if path.is_symlink():  # never trust what a link points to
            continue
        for line in path.read_bytes().split(b"\n"):
            try:
                rec = json.loads(line) if line else None
            except ValueError:
                continue
            if not isinstance(rec, list) or not rec:
                continue
            if rec[0] == "c":
                _, agent, seq, dg, _pos, result, state = rec
                calls[(agent, seq)] = CallRecord(agent, seq, dg, 0, result, state)
            elif rec[0] == "s":
                _, agent, seq, kind, k, dg, done, result = rec
                old = subs.get((agent, seq, kind, k))
                if old is None or done or not old.done:
                    subs[(agent, seq, kind, k)] = SubRecord(dg, bool(done), result)
    return calls, subs


__all__ = ["HOSTS", "DurableCall", "HostDurable", "HostJournal", "Remote", "call_remote_agent",
           "host_durable", "read_host_records"]
