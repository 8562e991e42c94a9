"""Record and replay: what a durable run does around every agent call, model call and tool
call.

A call's id is stable across runs of the same program: the agent's name and its per-agent
call counter. Before a reply runs, the journal is asked for that id:

- **recorded** (and the input's fingerprint matches): the reply does not run. The agent's
  state change recorded with it (memory messages added, or the whole memory when it changed
  otherwise, and ``state_dict`` extras) is applied, and the recorded result is returned.
  No model call, no tool call, no cost.
- **not recorded**: the reply runs live. Model and tool calls inside it are journaled by
  their position within the call, so a call that was in flight at a crash re-runs with its
  finished model and tool calls answered from the record: model calls and read-only or
  idempotent tools are retried, a tool with side effects that started but has no result
  stops the run (``InFlightToolError``) instead of being run twice.
- **recorded with another input**: ``DivergenceError`` naming both versions.

Messages that enter from outside (a script's call of an agent, a hub's announcement or
broadcast) get a global position too; the resumed program must send the same ones in the
same order, so a program that calls another agent, or with another input, stops at the first
difference instead of mixing the record with live work.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import importlib
import logging
import random as _random
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentcast.durable.journal import (
    CallRecord,
    Journal,
    digest,
    msg_from_record,
    msg_record,
)
from agentcast.exceptions import DivergenceError, InFlightToolError
from agentcast.message import Msg
from agentcast.models import idempotency
from agentcast.runtime.placeholder import Placeholder

log = logging.getLogger("agentcast.durable")


@dataclass(slots=True)
class CallScope:
    """The agent call whose reply is running: its id and the positions of its sub-calls."""

    agent: str
    seq: int
    counters: dict[str, int] | None = None  # made by the first sub-call (most make none)
    rng: _random.Random | None = None
    nested: bool = False  # the reply called, told or broadcast to other agents

    def next(self, kind: str) -> int:
        counters = self.counters
        if counters is None:
            counters = self.counters = {}
        k = counters.get(kind, 0) + 1
        counters[kind] = k
        return k

    def count(self, kind: str) -> int:
        """How many ``kind`` sub-calls (model, tool) this call has made so far."""
        return self.counters.get(kind, 0) if self.counters else 0


_scope: contextvars.ContextVar[CallScope | None] = contextvars.ContextVar(
    "agentcast_durable_call", default=None)


def current_scope() -> CallScope | None:
    """The durable call running in this task or thread, if any."""
    return _scope.get()


# --- wire forms --------------------------------------------------------------------------
def msg_fingerprint(x: Any) -> Any:
    """What divergence is judged on: the parts of a message a program means (no id/time)."""
    if x is None:
        return None
    if isinstance(x, Msg):
        return [x.name, x.role, x.content, x.url, x.metadata or None]
    if isinstance(x, (list, tuple)):
        return [msg_fingerprint(v) for v in x]
    return ["raw", x]


_PLAIN = frozenset((str, int, float, bool, type(None)))


def _plain(m: Any) -> str | None:
    """A message with plain content and no attachments or metadata, as canonical text."""
    if m.__class__ is Msg and m.content.__class__ in _PLAIN and m.url is None \
            and not m.metadata:
        return f"{m.name!r}\x00{m.role!r}\x00{m.content!r}"
    return None


def input_digest(x: Any) -> str:
    """The fingerprint of a call's input or a model call's prompt, as :func:`msg_fingerprint`
    judges it.

    The common input (a message, or a list of them, with plain content and no attachments or
    metadata) is hashed from the ``repr`` of its parts (canonical for str, int, float, bool
    and None), several times faster than canonical JSON; its digest starts with "m" so a
    record written by the JSON rule (24 hex digits) is still compared by that rule
    (:func:`same_input`)."""
    text = _plain(x)
    if text is None and x.__class__ is list:
        parts = [_plain(m) for m in x]
        if None not in parts:
            text = "\x02" + "\x01".join(parts)  # type: ignore[arg-type]
    if text is not None:
        return "m" + hashlib.blake2b(text.encode("utf-8", "surrogatepass"),
                                     digest_size=12).hexdigest()
    return digest(msg_fingerprint(x))


def same_input(recorded: str, x: Any, now: str) -> bool:
    """Whether the recorded input fingerprint is that of ``x`` (whose digest is ``now``;
    "p<call id>" when ``x`` came as that call's placeholder)."""
    if recorded == now:
        return True
    if now[0] == "p" and recorded[0] != "p":  # recorded by content (an older journal)
        now = input_digest(x)
        if recorded == now:
            return True
    return len(recorded) == 24 and now[0] == "m" and recorded == digest(msg_fingerprint(x))


def encode_result(value: Any) -> Any:
    """A reply's value as the journal keeps it: a message (or a list of them) in the compact
    form of :func:`~agentcast.durable.journal.msg_record`, anything else as ``{"t": "raw"}``."""
    if value.__class__ is Msg:
        return msg_record(value)
    if value is None:
        return {"t": "none"}
    if isinstance(value, Msg):
        return msg_record(value)
    if isinstance(value, list) and all(isinstance(v, Msg) for v in value):
        return ("l", [msg_record(v) for v in value])
    return {"t": "raw", "v": value}


def with_input(state: dict[str, Any], given: Any) -> dict[str, Any]:
    """A call's recorded state change, with what an outside caller sent it when that was a
    value (the store's copy shows it); another call's placeholder is that call's record."""
    if given is None or given.__class__ is Placeholder:
        return state
    return {**state, "input": encode_result(given)}


def decode_result(data: Any) -> Any:
    if not isinstance(data, dict):  # a tagged tuple (a list once it went through JSON)
        if data[0] == "l":
            return [msg_from_record(v) for v in data[1]]
        return msg_from_record(data)
    t = data["t"]  # the dict forms (and a journal written before the compact form)
    if t == "none":
        return None
    if t == "msg":
        return Msg.from_dict(data["v"])
    if t == "list":
        return [Msg.from_dict(v) for v in data["v"]]
    return data["v"]


_OWN_STATE: dict[type, bool] = {}  # agent class -> whether it defines its own state_dict


def _state_extra(actor: Any) -> dict[str, Any] | None:
    """``state_dict`` entries besides memory, for agents that define their own state."""
    cls = type(actor)
    own = _OWN_STATE.get(cls)
    if own is None:
        from agentcast.agents.base import Agent

        own = _OWN_STATE[cls] = cls.state_dict is not Agent.state_dict
    if not own:
        return None
    state = dict(actor.state_dict())
    state.pop("memory", None)
    state.pop("calls", None)
    return state


class Durable:
    """The active durable run: its journal and the replay rules above."""

    def __init__(self, journal: Journal, *, in_flight: str = "stop") -> None:
        if in_flight not in ("stop", "rerun"):
            from agentcast.exceptions import ConfigError

            raise ConfigError(f"in_flight must be 'stop' or 'rerun', got {in_flight!r}",
                              field="in_flight")
        self.journal = journal
        self.in_flight = in_flight
        self.inputs = 0  # position of the last message from outside
        # outside calls not finished yet: their position and what was sent (a message from
        # the script is recorded with the call; another call's placeholder by that call's id)
        self._positions: dict[tuple[str, int], tuple[int, Any]] = {}
        self.replayed = 0
        self.live = 0
        self.rng = _random.Random(journal.seed)
        self._free: dict[str, int] = {}  # scopes opened outside agent calls, per name
        self.remote: Any = None  # calls to agents on Ray (agentcast.durable.remote)

    @contextlib.contextmanager
    def scope(self, name: str) -> Iterator[CallScope]:
        """A journaling scope for work that is not an agent call (a conversable agent's
        ``generate_reply``, a chat summary): its model and tool calls are journaled by
        position under ``name`` and the scope's own counter, and answered from the record
        when resumed; the work itself runs again (it is deterministic given those answers)."""
        self._free[name] = seq = self._free.get(name, 0) + 1
        scope = CallScope(name, seq)
        token = _scope.set(scope)
        try:
            yield scope
        finally:
            _scope.reset(token)

    # --- agent calls ---------------------------------------------------------------------
    def _before(self, actor: Any, x: Any, seq: int) -> tuple[CallRecord | None, str, Any]:
        entry = self._positions.get((actor.name, seq)) if self._positions else None
        if entry is not None and entry[1].__class__ is Placeholder:
            # sent another call's result: that call's id is the input's fingerprint (its
            # content is that call's record, or it runs live and so does this one)
            dg = "p" + entry[1].seq_id
        else:
            dg = input_digest(x)
        calls = self.journal.calls
        rec = calls.get((actor.name, seq)) if calls else None
        if rec is not None and not same_input(rec.digest, x, dg):
            self._positions.pop((actor.name, seq), None)
            raise DivergenceError(
                f"call {actor.name}#{seq} was recorded with another input",
                call=f"{actor.name}#{seq}", recorded=rec.digest, now=dg)
        mem = getattr(actor, "memory", None)
        snap = None
        if (rec is None or rec.state.get("nested")) and mem is not None:
            mark = getattr(mem, "mark", None)
            if mark is not None:
                snap = (mark(), None, getattr(actor, "sys_prompt", None))
            else:
                n = mem.size()
                snap = (n, mem.get(recent_n=1)[0] if n else None,
                        getattr(actor, "sys_prompt", None))
        return rec, dg, snap

    def _replay(self, actor: Any, rec: CallRecord) -> Any:
        state = rec.state
        if self._positions:
            self._positions.pop((actor.name, rec.seq), None)
        mem = getattr(actor, "memory", None)
        if mem is not None:
            if "memory" in state:
                mem.load(state["memory"])
            elif "base" in state:
                if mem.size() != state["base"]:
                    raise DivergenceError(
                        f"agent {actor.name!r} holds {mem.size()} messages before call "
                        f"{actor.name}#{rec.seq}; the record says {state['base']}",
                        call=f"{actor.name}#{rec.seq}", recorded=str(state["base"]),
                        now=str(mem.size()))
                mem.load([msg_from_record(m) for m in state.get("add", ())],
                         overwrite=False)
        if "sys_prompt" in state:
            actor.sys_prompt = state["sys_prompt"]
        if state.get("extra"):
            actor.load_state_dict(state["extra"])
        k = 1
        while (sub := self.journal.subcalls.get((actor.name, rec.seq, "model", k))) is not None:
            if sub.done:  # what the skipped reply spent still counts against budgets
                _restore_spend(actor.name, decode_model_response(sub.result),
                               sub.result.get("config"))
            k += 1
        self.replayed += 1
        return decode_result(rec.result)

    def _after(self, actor: Any, seq: int, dg: str, snap: Any, value: Any,
               nested: bool) -> None:
        state: dict[str, Any] = {"nested": True} if nested else {}
        mem = getattr(actor, "memory", None)
        if mem is not None and snap is not None:
            n0, last0, prompt0 = snap
            if last0 is None and n0.__class__ is tuple:  # a memory with mark/added_since
                added = mem.added_since(n0)
                if added is None:
                    state["memory"] = mem.export()
                elif added:
                    state["base"] = n0[0]
                    state["add"] = [msg_record(m) for m in added]
            else:
                n1 = mem.size()
                tail = mem.get(recent_n=n1 - n0 + 1) if n0 else mem.get()
                if n1 >= n0 and (n0 == 0 or tail[0] is last0):
                    state["base"] = n0
                    state["add"] = [msg_record(m) for m in (tail[1:] if n0 else tail)]
                else:
                    state["memory"] = mem.export()
            if getattr(actor, "sys_prompt", None) != prompt0:
                state["sys_prompt"] = actor.sys_prompt
        extra = _state_extra(actor)
        if extra:
            state["extra"] = extra
        name = actor.name
        pos, given = self.take_position(name, seq)
        self.journal.write_call(name, seq, dg, pos, encode_result(value),
                                with_input(state, given))
        self.live += 1

    async def run_async(self, actor: Any, x: Any, seq: int,
                        reply: Callable[[Any], Awaitable[Any]]) -> Any:
        """Run (or replay) one async reply; the result is journaled before it is returned."""
        rec, dg, snap = self._before(actor, x, seq)
        if rec is not None and not rec.state.get("nested"):
            return self._replay(actor, rec)
        scope = CallScope(actor.name, seq)
        token = _scope.set(scope)
        try:
            value = await reply(x)
            if value.__class__ is Placeholder:
                value = await value
        finally:
            _scope.reset(token)
        self._after(actor, seq, dg, snap, value, scope.nested)
        return value

    def run_sync(self, actor: Any, x: Any, seq: int, reply: Callable[[Any], Any]) -> Any:
        """The same for a plain ``def`` reply (runs in a worker thread)."""
        rec, dg, snap = self._before(actor, x, seq)
        if rec is not None and not rec.state.get("nested"):
            return self._replay(actor, rec)
        scope = CallScope(actor.name, seq)
        token = _scope.set(scope)
        try:
            value = reply(x)
            if value.__class__ is Placeholder:
                value = value.result()
        finally:
            _scope.reset(token)
        self._after(actor, seq, dg, snap, value, scope.nested)
        return value

    def remote_call(self, proxy: Any, x: Any) -> Any:
        """A call of an agent on Ray, journaled here: see :mod:`agentcast.durable.remote`."""
        from agentcast.durable.remote import call_remote_agent

        return call_remote_agent(self, proxy, x)

    def take_position(self, agent: str, seq: int) -> tuple[int, Any]:
        """The position of call ``agent#seq`` among messages from outside and what was sent
        ((0, None): none)."""
        entry = self._positions.pop((agent, seq), None) if self._positions else None
        return (0, None) if entry is None else entry

    # --- messages between agents and from outside -----------------------------------------
    def send(self, kind: str, target: str, x: Any, seq: int = 0) -> None:
        """An agent is called (``seq`` is the new call's number), told or broadcast to.

        Inside a reply, that makes the reply an orchestrator: on resume it re-runs (its own
        model and tool calls, and the calls it makes, answered from the record) so that its
        effects on other agents happen again. From outside any reply, the message entered the
        run: it gets the next position, which the resumed program must fill the same way.
        """
        scope = _scope.get()
        if scope is not None:
            scope.nested = True
            return
        self.inputs = k = self.inputs + 1
        if kind == "call":  # its input is judged when it runs; here, who is called
            inputs = self.journal.inputs
            recorded = inputs.get(k) if inputs else None
            if recorded is not None and recorded[1] != digest(["call", target, seq]):
                raise DivergenceError(
                    f"message #{k} from outside differs from the record",
                    call=f"input#{k}", recorded=recorded[0], now=f"call {target}#{seq}")
            self._positions[(target, seq)] = (k, x)  # written with the call's record
            return
        what = f"{kind} to {target}"
        fp = [kind, target, msg_fingerprint(_settled(x))]
        dg = digest(fp)
        recorded = self.journal.inputs.get(k)
        if recorded is not None and recorded[1] != dg:
            raise DivergenceError(
                f"message #{k} from outside differs from the record",
                call=f"input#{k}", recorded=recorded[0], now=what)
        if recorded is None:
            self.journal.record_input(k, what, dg, fp)

    # --- model and tool calls inside an agent call ----------------------------------------
    async def model_call(self, messages: Any, run: Callable[[], Awaitable[Any]], *,
                         config: str | None = None) -> Any:
        scope = _scope.get()
        if scope is None:
            return await run()
        k = scope.next("model")
        prompt = list(messages)
        dg = input_digest(prompt)
        subcalls = self.journal.subcalls
        rec = subcalls.get((scope.agent, scope.seq, "model", k)) if subcalls else None
        if rec is not None and rec.done:
            if not same_input(rec.digest, prompt, dg):
                raise DivergenceError(
                    f"model call {k} of {scope.agent}#{scope.seq} was recorded with another "
                    "prompt", call=f"{scope.agent}#{scope.seq}/model{k}",
                    recorded=rec.digest, now=dg)
            response = decode_model_response(rec.result)
            _restore_spend(scope.agent, response, config)
            return response
        # not recorded, or in flight at a crash: models are retried, under the key the
        # killed attempt sent, so a server that honours keys answers it without billing twice
        key = idempotency.idempotency_call_key(self.journal.run_id, scope.agent, scope.seq, k)
        with idempotency.bind_call_key(key):
            response = await run()
        self.journal.record_subcall(scope.agent, scope.seq, "model", k, dg, done=True,
                                    result=encode_model_response(response, config))
        return response

    async def tool_call(self, name: str, arguments: Any, *, safe_to_repeat: bool,
                        run: Callable[[], Awaitable[Any]]) -> Any:
        from agentcast.tools.response import ToolResponse, ToolStatus

        scope = _scope.get()
        if scope is None:
            return await run()
        k = scope.next("tool")
        dg = digest([name, arguments])
        key = (scope.agent, scope.seq, "tool", k)
        rec = self.journal.subcalls.get(key)
        if rec is not None:
            if rec.digest != dg:
                raise DivergenceError(
                    f"tool call {k} of {scope.agent}#{scope.seq} was recorded as another call",
                    call=f"{scope.agent}#{scope.seq}/tool{k}", recorded=rec.digest, now=dg)
            if rec.done:
                r = rec.result
                return ToolResponse(ToolStatus(r["status"]), r["content"], r.get("urls"))
            if not safe_to_repeat and self.in_flight != "rerun":
                return await self._ask_in_flight(scope, k, name, arguments, dg, run)
        if not safe_to_repeat:  # mark it started, so a crash in it is known on resume
            self.journal.record_subcall(scope.agent, scope.seq, "tool", k, dg, done=False)
        try:
            response = await run()
        except Exception as exc:  # it ran and failed: that is its outcome, replayed as such
            failed = ToolResponse.error(f"tool {name!r} failed: {type(exc).__name__}: {exc}")
            self.journal.record_subcall(scope.agent, scope.seq, "tool", k, dg, done=True,
                                        result=failed.to_dict())
            raise
        self.journal.record_subcall(scope.agent, scope.seq, "tool", k, dg, done=True,
                                    result=response.to_dict())
        return response

    def approvals_store(self) -> tuple[Path, str] | None:
        """Where this process files approval requests: None for the run of this process."""
        return None

    async def _ask_in_flight(self, scope: CallScope, k: int, name: str, arguments: Any,
                             dg: str, run: Callable[[], Awaitable[Any]]) -> Any:
        """A side-effecting tool that was in flight at the crash: the run stops and asks.

        The question is an approval request for this exact call (durable, in the run store,
        decided from Python, ``agentcast approvals`` or the studio): approved, the tool runs
        again, once, however often it is approved; denied, the model is told it did not run
        and why. Until then the run stops with :class:`InFlightToolError` naming the request.
        """
        from agentcast.durable.approvals import gated

        here = f"{scope.agent}#{scope.seq}"

        def pending(request_id: str) -> Exception:
            return InFlightToolError(name, arguments, here, request_id=request_id)

        response = await gated(name, arguments, agent=scope.agent, ttl=None, wait=0.0, run=run,
                               call=f"{here}/tool{k} (in flight when the run stopped: it "
                                    "may have acted; approve to run it again)",
                               pending=pending, store=self.approvals_store())
        self.journal.record_subcall(scope.agent, scope.seq, "tool", k, dg, done=True,
                                    result=response.to_dict())
        return response

    # --- randomness ----------------------------------------------------------------------
    def random(self) -> _random.Random:
        """The stream for the current scope: per agent call (so skipping a replayed call
        does not shift anyone else's draws), or the run's own outside any call."""
        scope = _scope.get()
        if scope is None:
            return self.rng
        if scope.rng is None:
            scope.rng = _random.Random(f"{self.journal.seed}/{scope.agent}#{scope.seq}")
        return scope.rng

    def close(self) -> None:
        self.journal.close()


async def journaled_model_call(model: Any, messages: Any, scope_name: str, **kwargs: Any
                               ) -> Any:
    """A model call made outside ``Agent.call_model`` (chat summaries, speaker selection):
    journaled in a durable run like any other, in a scope of its own when none is open."""
    from agentcast import hooks

    durable: Durable | None = hooks.durable
    if durable is None:
        return await model(messages, **kwargs)
    config = getattr(model, "config_name", None)
    if _scope.get() is not None:
        return await durable.model_call(messages, lambda: model(messages, **kwargs),
                                        config=config)
    with durable.scope(scope_name):
        return await durable.model_call(messages, lambda: model(messages, **kwargs),
                                        config=config)


def _restore_spend(agent: str, response: Any, config: str | None) -> None:
    """A replayed model call costs nothing now, but its spending counts against budgets."""
    from agentcast.observe.run import current_run

    run = current_run()
    if run is not None and run.monitor.budgets:
        run.monitor.restore(agent, response.model, config, response.usage.prompt_tokens,
                            response.usage.completion_tokens)


def _settled(x: Any) -> Any:
    """An input's value for fingerprinting; unresolved placeholders count by their call id."""
    if isinstance(x, Placeholder):
        return x.seq_id if not x.done() else x.result()
    if isinstance(x, (list, tuple)):
        return [_settled(v) for v in x]
    return x


# --- model responses -----------------------------------------------------------------------
def encode_model_response(r: Any, config: str | None = None) -> dict[str, Any]:
    parsed = r.parsed
    if hasattr(parsed, "model_dump"):
        cls = type(parsed)
        parsed = {"$pydantic": f"{cls.__module__}:{cls.__qualname__}",
                  "data": parsed.model_dump(mode="json")}
    return {"text": r.text, "model": r.model, "config": config, "parsed": parsed,
            "tool_calls": [{"id": c.id, "name": c.name, "arguments": c.arguments}
                           for c in r.tool_calls],
            "usage": [r.usage.prompt_tokens, r.usage.completion_tokens]}


def decode_model_response(d: dict[str, Any]) -> Any:
    from agentcast.models.base import ModelResponse, ToolCall, Usage

    parsed = d.get("parsed")
    if isinstance(parsed, dict) and "$pydantic" in parsed:
        module, _, qual = parsed["$pydantic"].partition(":")
        obj: Any = importlib.import_module(module)
        for part in qual.split("."):
            obj = getattr(obj, part)
        parsed = obj.model_validate(parsed["data"])
    # Replayed: usage is reported as it was, but nothing is billed again (no model_call event).
    return ModelResponse(text=d["text"], model=d.get("model", ""), parsed=parsed,
                         tool_calls=[ToolCall(**c) for c in d.get("tool_calls", [])],
                         usage=Usage(*d.get("usage", (0, 0))))


__all__ = ["CallScope", "Durable", "current_scope", "with_input"]
