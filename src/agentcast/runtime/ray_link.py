"""The driver's side of one host: an ordered stream of mailbox entries, shipped in batches.

Why batches: a Ray call costs far more than a local hop, and a hub broadcast or a fanout to
thousands of agents in one host should cost one call, not thousands. Entries are kept in
the order they were enqueued; an entry whose input is a *local* placeholder that is not
ready yet holds back the later entries of its agent (ordering first), while inputs that are replies
of distributed agents travel as references and never hold anything back.

Faults: when the host process dies, the link waits for Ray to restart it, re-adds every
agent with its last state snapshot, and re-sends the batches that were in flight, once.
A batch that fails again, or outlives its timeout, fails its calls with a typed
:class:`~agentcast.exceptions.DistributedError` naming the agent.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import time
import weakref
from collections import deque
from typing import Any

from agentcast.exceptions import (
    AgentDiedError,
    DistributedError,
    DistributedTimeoutError,
    InvalidMessageError,
    ReplyDecodeError,
)
from agentcast.message import Msg, new_id
from agentcast.runtime.actor import CALL
from agentcast.runtime.placeholder import Placeholder
from agentcast.runtime.ray_host import ADD, Answer, Envelope, RefInput, unwire_error
from agentcast.runtime.scheduler import get_runtime

log = logging.getLogger("agentcast.ray")
LINKS: weakref.WeakSet[Link] = weakref.WeakSet()
_runtime = get_runtime()
_BLOCK = object()


class RemotePlaceholder(Placeholder):
    """A placeholder for a distributed agent's reply that knows where the reply will be."""

    __slots__ = ("_call_id", "_idx", "_link", "_ref")

    def __init__(self, owner: str = "", n: int = 0) -> None:
        super().__init__(owner, n)
        self._call_id: str | None = None
        self._ref: Any = None
        self._idx = 0
        self._link: Link | None = None


class _Failed:
    __slots__ = ("exc",)

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class _Batch:
    __slots__ = (
        "attempts",
        "entries",
        "finished",
        "meta",
        "res_ref",
        "seq",
        "st_ref",
        "started",
        "timer",
    )

    def __init__(self, seq: int, entries: list[Any], meta: list[Any]) -> None:
        self.seq, self.entries, self.meta = seq, entries, meta
        self.attempts = 0
        self.finished = False
        self.res_ref: Any = None
        self.st_ref: Any = None
        self.timer: Any = None
        self.started = time.time()


class Link:
    """One driver's ordered stream of entries to one host actor."""

    def __init__(self, handle: Any, *, timeout: float, max_restarts: int) -> None:
        LINKS.add(self)
        self.handle = handle
        self._run: Any = None
        self.timeout = timeout
        self.max_restarts = max_restarts
        self.agents: dict[str, Any] = {}
        self.stream = new_id()
        self.seq = 0
        self.pending: deque[tuple[int, Any, str | None, Any, Any]] = deque()
        self.inflight: dict[int, _Batch] = {}
        self.failed: list[_Batch] = []
        self.scheduled = False
        self.scheduled_on: Any = None
        self.recovering = False
        self.recoveries = 0
        self.dead: BaseException | None = None
        self.busy = False

    # --- enqueue (on the loop thread, or the thread that holds the drive) -------------
    def push(self, kind: int, proxy: Any, x: Any, ph: Any) -> None:
        call_id = None
        if isinstance(ph, RemotePlaceholder):
            call_id = ph._call_id = new_id()
            ph._link = self
        if self.dead is not None:
            if ph is not None:
                proxy._fail(ph, x, self._died(proxy, self.dead), time.time())
            return
        for p in _remote_inputs(x):  # replies of other hosts' unsent calls: send them now
            if p._ref is None and p._link is not None and p._link is not self:
                p._link.flush()
        self.pending.append((kind, proxy, call_id, x, ph))
        self._mark_busy()
        self._schedule()

    def _schedule(self) -> None:
        loop = _runtime.loop
        if not self.scheduled or self.scheduled_on is not loop:  # a new loop drops the old
            self.scheduled = True
            self.scheduled_on = loop
            loop.call_soon(self.flush)

    def flush(self) -> None:
        """Ship every entry that can go now as one batch."""
        self.scheduled = False
        if self.recovering:
            return
        entries: list[Any] = []
        meta: list[Any] = []
        in_batch: set[str] = set()
        pending = self.pending
        # An entry whose input is not there yet holds back the later entries of its own
        # agent only (mailbox order is per agent): holding back the whole host would
        # deadlock when that input itself needs a call to another agent of this host.
        held: deque[tuple[int, Any, str | None, Any, Any]] = deque()
        blocked: set[int] = set()
        while pending:
            entry = pending.popleft()
            kind, proxy, call_id, x, ph = entry
            if id(proxy) in blocked:
                held.append(entry)
                continue
            wire = _wire(x, in_batch)
            if wire is _BLOCK:
                blocked.add(id(proxy))
                held.append(entry)
                blocker = _blocker(x)
                if blocker is not None:
                    blocker.add_done_callback(lambda _: self._schedule())
                continue
            if isinstance(wire, _Failed):
                if ph is not None:
                    proxy._fail(ph, x, wire.exc, time.time())
                continue
            if isinstance(ph, RemotePlaceholder):
                ph._idx = len(entries)
                if call_id is not None:
                    in_batch.add(call_id)
            entries.append((kind, proxy._agent_id, call_id, wire))
            meta.append((kind, proxy, ph, x))
        self.pending = held
        if entries:
            self._send(_Batch(self.seq, entries, meta))
            self.seq += 1
        self._check_idle()

    def _send(self, batch: _Batch) -> None:
        keep = any(m[1].keep_state for m in batch.meta)
        if not _ray().is_initialized():  # never let a call start a new Ray by accident
            self._fail_batch(batch, "Ray is not running (it was shut down)")
            return
        try:
            if self._run is None:
                self._run = self.handle.run.options(num_returns=2)
            payload: Any = batch.entries
            if not any(_has_ref(e[3]) for e in payload):
                try:
                    payload = pickle.dumps(payload, protocol=5)
                except Exception:  # something only cloudpickle handles: let Ray do it
                    payload = batch.entries
            res_ref, st_ref = self._run.remote(self.stream, batch.seq, payload, keep)
        except Exception as exc:  # e.g. Ray shut down: fail, do not hang
            self._fail_batch(batch, f"cannot reach the agent host: {exc}")
            return
        batch.res_ref, batch.st_ref = res_ref, st_ref
        for _kind, _proxy, ph, _x in batch.meta:
            if isinstance(ph, RemotePlaceholder):
                ph._ref = res_ref
        self.inflight[batch.seq] = batch
        timeout = max((m[1].timeout or self.timeout) for m in batch.meta)
        batch.timer = _runtime.loop.call_later(timeout, self._on_timeout, batch, timeout)
        on_completed = getattr(res_ref, "_on_completed", None)
        if on_completed is not None:  # cheaper than .future(): no Future in between
            on_completed(lambda data: _runtime.submit(self._on_done, batch, data))
        else:  # pragma: no cover - older Ray
            res_ref.future().add_done_callback(
                lambda fut: _runtime.submit(self._on_done, batch, _outcome(fut)))

    # --- completion -----------------------------------------------------------------
    def _on_done(self, batch: _Batch, results: Any) -> None:
        if batch.finished:
            return
        if isinstance(results, BaseException):
            if isinstance(results, _ray().exceptions.RayActorError):
                self._lost(batch, results)
            else:  # anything else fails the batch's calls
                self._finish_batch(batch)
                self._fail_batch(batch, f"remote call failed: {results}")
            return
        if isinstance(results, bytes):
            try:
                results = decode_results(results)
            except Exception as exc:  # fail the calls now, not at their timeout
                self._finish_batch(batch)
                self._fail_batch(batch, f"its reply could not be decoded: "
                                        f"{type(exc).__name__}: {exc}")
                return
        self._finish_batch(batch)
        for i, (kind, proxy, ph, x) in enumerate(batch.meta):
            if kind == ADD or ph is None:
                if batch.st_ref is not None and proxy.keep_state:
                    proxy._state_ref = batch.st_ref
                continue
            status, value = results[i]
            if proxy.keep_state:
                proxy._state_ref = batch.st_ref
            env = None
            if isinstance(x, Envelope):
                env, x, note = x, x.x, None
                if status == "ok" and value.__class__ is Answer:
                    value, note = value.value, value.note
            bad = _bad_reply(value) if status == "ok" else None
            if bad is not None:
                proxy._fail(ph, x, ReplyDecodeError(
                    f"agent {proxy.name!r}: its reply to call {ph.seq_id} cannot be turned "
                    f"back into a Msg: {bad.error}", agent=proxy.name, field=bad.error.field),
                    batch.started)
            elif status == "ok":
                if env is not None:
                    try:
                        value = env.deliver(value, note)
                    except Exception as exc:  # e.g. the journal could not take it
                        proxy._fail(ph, x, exc, batch.started)
                        continue
                if kind == CALL:
                    proxy._finish(ph, x, value, batch.started)
                else:
                    ph.set_result(value)
            else:
                err = unwire_error(value)
                if not getattr(err, "agent", ""):
                    err = DistributedError(f"agent {proxy.name!r}: {err}", agent=proxy.name)
                proxy._fail(ph, x, err, batch.started)
        self._check_idle()

    def _finish_batch(self, batch: _Batch) -> None:
        batch.finished = True
        if batch.timer is not None:
            batch.timer.cancel()
        self.inflight.pop(batch.seq, None)

    def _on_timeout(self, batch: _Batch, timeout: float) -> None:
        if batch.finished:
            return
        self._finish_batch(batch)
        for _kind, proxy, ph, x in batch.meta:
            if ph is not None and not ph.done():
                proxy._fail(ph, x, DistributedTimeoutError(
                    f"agent {proxy.name!r} did not answer call {ph.seq_id} within {timeout:g} s",
                    agent=proxy.name), batch.started)
        self._check_idle()

    def _fail_batch(self, batch: _Batch, exc: str) -> None:
        for _kind, proxy, ph, x in batch.meta:
            if ph is not None and not ph.done():
                err = DistributedError(f"agent {proxy.name!r}: {exc}", agent=proxy.name)
                proxy._fail(ph, x, err, batch.started)
        self._check_idle()

    def _died(self, proxy: Any, exc: BaseException) -> AgentDiedError:
        return AgentDiedError(
            f"the process hosting agent {proxy.name!r} died and could not be recovered: {exc}",
            agent=proxy.name)

    # --- recovery -------------------------------------------------------------------
    def _lost(self, batch: _Batch, exc: BaseException) -> None:
        self._finish_batch(batch)
        if batch.attempts >= 1 or self.recoveries >= self.max_restarts:
            for _kind, proxy, ph, x in batch.meta:
                if ph is not None and not ph.done():
                    proxy._fail(ph, x, self._died(proxy, exc), batch.started)
            if self.recoveries >= self.max_restarts:
                self.dead = exc
            self._check_idle()
            return
        self.failed.append(batch)
        if not self.recovering:
            self.recovering = True
            self.recoveries += 1
            log.warning("agent host died (%s); restarting it with its agents' last state",
                        type(exc).__name__)
            _runtime.spawn(self._recover(), "ray-recover")

    async def _recover(self) -> None:
        try:
            deadline = time.monotonic() + self.timeout
            while self.inflight and time.monotonic() < deadline:  # let the others fail too
                await asyncio.sleep(0.05)
            if not await self._wait_alive(deadline):
                return
            states: dict[str, Any] = {}
            for agent_id, proxy in self.agents.items():
                ref = proxy._state_ref
                if ref is None:
                    continue
                try:
                    snapshot = await ref
                except Exception:  # no snapshot: start from the original
                    continue
                states[agent_id] = snapshot.get(agent_id)
            self.stream, self.seq = new_id(), 0
            owned = {i: p for i, p in self.agents.items() if p._blob is not None}  # not reconnected
            adds = [(ADD, agent_id, None, (proxy._blob, states.get(agent_id)))
                    for agent_id, proxy in owned.items()]
            add_meta = [(ADD, proxy, None, None) for proxy in owned.values()]
            if adds:
                self._send(_Batch(self.seq, adds, add_meta))
                self.seq += 1
            failed, self.failed = sorted(self.failed, key=lambda b: b.seq), []
            for old in failed:
                batch = _Batch(self.seq, old.entries, old.meta)
                batch.attempts = old.attempts + 1
                batch.started = old.started
                self._send(batch)
                self.seq += 1
        finally:
            self.recovering = False
            self._schedule()

    async def _wait_alive(self, deadline: float) -> bool:
        """Wait for Ray to restart the host; False (and the calls failed) if it will not."""
        ray = _ray()
        while True:
            try:
                await self.handle.pid.remote()
                return True
            except ray.exceptions.ActorUnavailableError as exc:  # restarting: wait
                if time.monotonic() > deadline:
                    return self._give_up(exc)
                await asyncio.sleep(0.2)
            except Exception as exc:  # dead for good
                return self._give_up(exc)

    def _give_up(self, exc: BaseException) -> bool:
        self.dead = exc
        failed, self.failed = self.failed, []
        for batch in failed:
            for _kind, proxy, ph, x in batch.meta:
                if ph is not None and not ph.done():
                    proxy._fail(ph, x, self._died(proxy, exc), batch.started)
        for _kind, proxy, _cid, x, ph in self.pending:
            if ph is not None and not ph.done():
                proxy._fail(ph, x, self._died(proxy, exc), time.time())
        self.pending.clear()
        return False

    def abandon(self, reason: str) -> None:
        """Fail everything outstanding (Ray is gone), so that nothing waits for it."""
        batches = [*self.inflight.values(), *self.failed]
        self.inflight.clear()
        self.failed = []
        for batch in batches:
            self._finish_batch(batch)
            self._fail_batch(batch, reason)
        pending, self.pending = list(self.pending), deque()
        for _kind, proxy, _cid, x, ph in pending:
            if ph is not None and not ph.done():
                proxy._fail(ph, x, DistributedError(f"agent {proxy.name!r}: {reason}",
                                                    agent=proxy.name), time.time())
        self.recovering = False
        self._check_idle()

    # --- idleness (the runtime waits for busy links at exit) --------------------------
    def _mark_busy(self) -> None:
        if not self.busy:
            self.busy = True
            _runtime.busy += 1

    def _check_idle(self) -> None:
        if self.busy and not (self.pending or self.inflight or self.recovering or self.failed):
            self.busy = False
            _runtime.release()


class BadReply:
    """Stands in for a reply message whose wire form did not decode (see decode_results)."""

    __slots__ = ("error",)

    def __init__(self, error: InvalidMessageError) -> None:
        self.error = error


def _decode_msg(data: Any) -> Any:
    try:
        return Msg.from_dict(data)
    except InvalidMessageError as exc:
        return BadReply(exc)


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module == "agentcast.message" and name == "_from_wire":
            return _decode_msg
        return super().find_class(module, name)


def decode_results(blob: bytes) -> Any:
    """A batch's replies; a message that does not decode becomes a :class:`BadReply`, so
    that only its own call fails (naming the field) and the others are delivered."""
    try:
        return pickle.loads(blob)
    except InvalidMessageError:
        import io

        return _Unpickler(io.BytesIO(blob)).load()


def _bad_reply(value: Any) -> BadReply | None:
    if isinstance(value, BadReply):
        return value
    if isinstance(value, list):
        return next((v for v in value if isinstance(v, BadReply)), None)
    return None


def _has_ref(x: Any) -> bool:
    return isinstance(x, RefInput) or (isinstance(x, list) and
                                       any(isinstance(v, RefInput) for v in x))


def _outcome(fut: Any) -> Any:
    try:
        return fut.result()
    except BaseException as exc:  # handed on as the batch's outcome
        return exc


def _ray() -> Any:
    import ray

    return ray


def _remote_inputs(x: Any) -> list[RemotePlaceholder]:
    if isinstance(x, RemotePlaceholder):
        return [x]
    if isinstance(x, list):
        return [v for v in x if isinstance(v, RemotePlaceholder)]
    return []


def _wire(x: Any, in_batch: set[str]) -> Any:
    """What goes over the wire for an input: a value, a RefInput, _Failed, or _BLOCK."""
    if isinstance(x, Envelope):  # settled first, then sealed (see Envelope)
        if _blocker(x) is not None:
            return _BLOCK
        value = _wire(x.x, in_batch)
        if isinstance(value, _Failed):
            return value
        try:
            return x.seal(value)
        except Exception as exc:  # e.g. a divergence from the durable record
            return _Failed(exc)
    if isinstance(x, Placeholder):
        if x._done:
            return _Failed(x._exc) if x._exc is not None else x._value
        if isinstance(x, RemotePlaceholder) and x._call_id is not None:
            if x._ref is not None:
                return RefInput(x._call_id, x._ref, x._idx)
            if x._call_id in in_batch:
                return RefInput(x._call_id, None, x._idx)
        return _BLOCK
    if isinstance(x, list) and any(isinstance(v, Placeholder) for v in x):
        out = []
        for v in x:
            w = _wire(v, in_batch)
            if w is _BLOCK or isinstance(w, _Failed):
                return w
            if w is not None:
                out.append(w)
        return out
    return x


def _blocker(x: Any) -> Placeholder | None:
    if isinstance(x, Envelope):  # waits for every input, remote replies included
        x = x.x
        if isinstance(x, list):
            return next((v for v in x if isinstance(v, Placeholder) and not v._done), None)
    if isinstance(x, Placeholder):
        return None if x._done else x
    if isinstance(x, list):
        for v in x:
            if isinstance(v, Placeholder) and not v._done and not (
                    isinstance(v, RemotePlaceholder) and v._ref is not None):
                return v
    return None
