"""The process side of ``to_dist``: a Ray actor that hosts many agents on its own loop.

Why one host for many agents: the paper's agent server hosts many agents in one process, so
64,000 agents do not need 64,000 processes. Inside the host, every agent is an ordinary
agentcast actor with its own mailbox on the Ray actor's event loop, so the ordering and
parallelism rules of DESIGN.md hold there exactly as they do locally.

The driver sends *batches* (one Ray call per host per loop tick). Each batch carries its
stream id and a sequence number; the host applies batches of one stream strictly in order,
whatever order Ray delivers them in. This module imports Ray only inside functions, so that
its classes can be pickled into worker processes cheaply.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import os
import pickle
from collections import OrderedDict
from typing import Any

from agentcast.message import Msg
from agentcast.runtime.actor import CALL, OBSERVE
from agentcast.runtime.placeholder import Placeholder
from agentcast.runtime.scheduler import TASK, get_runtime

ADD = 2
REMOVE = 3
STATE = 4
METHOD = 6  # (name, args, kwargs): call a method of the agent (``@async_func`` and plain)
IDLE_POLL = 0.002  # seconds between looks at a busy agent before a state read or a method
IDLE_WAIT = 600.0  # the longest a state read or a method waits for the agent to go idle
KEEP_RECENT = 4096  # finished calls a later batch may still name by call id


class RefInput:
    """An input that is another remote call's reply: its call id and the batch ref holding it.

    ``ref`` is None when the producing call is in the same stream: the host then finds it by
    call id. Otherwise the host awaits the ref, so the value goes actor to actor.
    """

    __slots__ = ("call_id", "idx", "ref")

    def __init__(self, call_id: str, ref: Any, idx: int) -> None:
        self.call_id, self.ref, self.idx = call_id, ref, idx

    def __reduce__(self) -> Any:
        return (RefInput, (self.call_id, self.ref, self.idx))


class Envelope:
    """An input that travels settled and wrapped: the durable journal wraps calls to
    distributed agents in one (:mod:`agentcast.durable.remote`). The runtime knows only
    these hooks, so it imports nothing above it.

    On the driver, the link waits until every placeholder in ``x`` is resolved (no
    :class:`RefInput`: the value passes through the driver) and sends ``seal(value)``
    instead; in the host, the reply is sent back as ``answer(value)``; back on the driver,
    ``deliver(value, note)`` runs before the caller sees the value.
    """

    __slots__ = ("x",)

    def __init__(self, x: Any) -> None:
        self.x = x

    def seal(self, value: Any) -> Any:  # pragma: no cover - overridden
        return value

    def answer(self, value: Any) -> Any:
        return value

    def deliver(self, value: Any, note: Any) -> Any:
        return value


class Answer:
    """A reply with a note for the driver (what :meth:`Envelope.answer` may send back)."""

    __slots__ = ("note", "value")

    def __init__(self, value: Any, note: Any) -> None:
        self.value, self.note = value, note

    def __reduce__(self) -> Any:
        return (Answer, (self.value, self.note))


def wire_error(exc: BaseException) -> tuple[str, str, BaseException]:
    """An error as (agent, seq_id, original), with the original made picklable."""
    agent = getattr(exc, "agent", "") or ""
    seq_id = getattr(exc, "seq_id", "") or ""
    original = getattr(exc, "original", None) if seq_id else None
    original = original if isinstance(original, BaseException) else exc
    try:
        original = pickle.loads(pickle.dumps(original))
    except Exception:  # an unpicklable error still has to cross
        original = RuntimeError(f"{type(original).__name__}: {original}")
    return agent, seq_id, original


def unwire_error(err: tuple[str, str, BaseException]) -> BaseException:
    from agentcast.exceptions import AgentCallError

    agent, seq_id, original = err
    if agent:
        return AgentCallError(agent, seq_id, original)
    return original


class AgentHostActor:
    """Hosts agents; ``run`` applies one batch of mailbox entries and returns its replies."""

    def __init__(self, label: str = "") -> None:
        from agentcast.message import _reset_id_prefix

        _reset_id_prefix()
        os.environ.setdefault("AGENTCAST_QUIET", "1")
        self.label = label
        self.agents: dict[Any, Any] = {}  # agent id (str) -> agent
        self.broken: dict[int, str] = {}
        self.calls: OrderedDict[str, Placeholder] = OrderedDict()
        self.next_seq: dict[str, int] = {}
        self.turns: dict[tuple[str, int], asyncio.Future[None]] = {}

    def pid(self) -> int:
        return os.getpid()

    def node_id(self) -> str:
        import ray

        return str(ray.get_runtime_context().get_node_id())

    async def state(self, agent_id: int) -> dict[str, Any]:
        agent = self.agents[agent_id]
        return dict(agent.state_dict())

    # --- management (the agent server's client calls these) ---------------------------
    async def ping(self) -> str:
        return self.label

    async def agent_list(self) -> list[dict[str, Any]]:
        """One entry per hosted agent: id, name, class, system prompt, model, and the
        methods callable remotely (name -> returns a placeholder)."""
        from agentcast.runtime.remote_methods import remote_callables

        out = []
        for agent_id, agent in self.agents.items():
            model = getattr(agent, "_model_ref", None)
            out.append({"agent_id": agent_id, "name": agent.name, "type": type(agent).__name__,
                        "sys_prompt": getattr(agent, "sys_prompt", None),
                        "model": model if isinstance(model, str) else
                        getattr(model, "config_name", None),
                        "methods": dict(remote_callables(type(agent)))})
        return out

    async def remove_agents(self, agent_ids: list[str] | None = None) -> list[str]:
        """Forget the given agents (all when None); returns the ids that were hosted."""
        ids = list(self.agents) if agent_ids is None else agent_ids
        return [i for i in ids if self.agents.pop(i, None) is not None]

    async def memory_of(self, agent_id: str) -> list[dict[str, Any]] | None:
        agent = self.agents.get(agent_id)
        if agent is None:
            raise LookupError(f"agent {agent_id!r} is not hosted here")
        await _wait_idle(agent)
        memory = getattr(agent, "memory", None)
        return None if memory is None else list(memory.export())

    async def server_info(self) -> dict[str, Any]:
        """Process facts: pid, the server's name as id, CPU seconds used, peak memory (MB)."""
        import resource

        times = os.times()
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return {"pid": os.getpid(), "id": self.label, "agents": len(self.agents),
                "cpu": times.user + times.system, "mem": peak_kb / 1024}

    async def load_model_configs(self, configs: Any) -> list[str]:
        from agentcast.models.registry import load_model_configs

        return load_model_configs(configs)

    async def create_agent(self, agent_id: str, factory: bytes, args: tuple[Any, ...],
                           kwargs: dict[str, Any]) -> dict[str, Any]:
        """Build an agent here from a pickled class (or factory) and its arguments."""
        if agent_id in self.agents:
            raise ValueError(f"an agent with id {agent_id!r} is hosted here already")
        agent = _loads(factory)(*args, **kwargs)
        self.agents[agent_id] = agent
        return {"agent_id": agent_id, "name": agent.name, "type": type(agent).__name__}

    async def run(self, stream: str, seq: int, entries: list[tuple[Any, ...]] | bytes,
                  keep_state: bool = True) -> tuple[list[Any] | bytes, dict[int, Any]]:
        """Apply ``entries`` in order after the stream's earlier batches; await the replies.

        Entries and replies travel pickled as one blob when they hold no object refs: one
        pickle call (with shared messages memoised) instead of one per message.
        """
        batch: list[tuple[Any, ...]] = (
            pickle.loads(entries) if isinstance(entries, bytes) else entries)
        expected = self.next_seq.get(stream, 0)
        if seq != expected:
            turn = asyncio.get_running_loop().create_future()
            self.turns[(stream, seq)] = turn
            await turn
        results: list[Any] = [None] * len(batch)
        waits: list[tuple[int, Placeholder]] = []
        touched: set[int] = set()
        try:
            for i, (kind, agent_id, call_id, x) in enumerate(batch):
                touched.add(agent_id)
                try:
                    self._apply(i, kind, agent_id, call_id, x, results, waits)
                except Exception as exc:  # one bad entry must not sink the batch
                    results[i] = ("err", ("", "", RuntimeError(
                        f"the host could not handle this entry: {type(exc).__name__}: {exc}")))
        finally:
            self.next_seq[stream] = seq + 1
            nxt = self.turns.pop((stream, seq + 1), None)
            if nxt is not None and not nxt.done():
                nxt.set_result(None)
        for i, ph in waits:
            try:
                value = await ph
            except BaseException as exc:  # sent back as the call's error
                results[i] = ("err", wire_error(exc))
            else:
                x = batch[i][3]
                results[i] = ("ok", x.answer(value) if isinstance(x, Envelope) else value)
        self._forget(len(waits))
        states: dict[int, Any] = {}
        if keep_state:
            for agent_id in touched:
                agent = self.agents.get(agent_id)
                if agent is not None and hasattr(agent, "state_dict"):
                    try:
                        states[agent_id] = agent.state_dict()
                    except Exception:  # no snapshot is better than no reply
                        pass
        try:
            return pickle.dumps(results, protocol=5), states
        except Exception:  # something in a reply only cloudpickle handles: let Ray do it
            return results, states

    def _apply(self, i: int, kind: int, agent_id: int, call_id: str | None, x: Any,
               results: list[Any], waits: list[tuple[int, Placeholder]]) -> None:
        if kind == ADD:
            blob, state = x
            try:
                agent = _loads(blob)
                if state:
                    agent.load_state_dict(state)
            except Exception as exc:  # e.g. its class is not importable in this process
                self.broken[agent_id] = (
                    f"the agent could not be loaded in its host process: "
                    f"{type(exc).__name__}: {exc} (is its module importable on that node?)")
                return
            self.broken.pop(agent_id, None)
            self.agents[agent_id] = agent
            return
        if kind == REMOVE:
            self.agents.pop(agent_id, None)
            return
        agent = self.agents.get(agent_id)
        if agent is None:
            if kind in (CALL, STATE):
                why = self.broken.get(agent_id, f"agent #{agent_id} is not hosted here")
                results[i] = ("err", ("", "", LookupError(why)))
            return
        if kind == STATE:
            ph = Placeholder(agent.name, 0, TASK)
            get_runtime().spawn(_state_when_idle(agent, ph), "state")
            waits.append((i, ph))
            return
        if kind == METHOD:
            ph = Placeholder(agent.name, 0)
            get_runtime().spawn(_method_when_idle(agent, x, ph), "method")
            waits.append((i, ph))
            return
        x = self._resolve(x)
        # This runs on Ray's event loop, not the runtime's: entries go in through submit.
        if kind == OBSERVE:
            get_runtime().submit(agent.enqueue, OBSERVE, x, None)
            return
        ph = agent(x)
        if call_id is not None:
            self.calls[call_id] = ph
        waits.append((i, ph))

    def _resolve(self, x: Any) -> Any:
        if isinstance(x, RefInput):
            ph = self.calls.get(x.call_id)
            if ph is not None:
                return ph
            ph = Placeholder("remote", 0, TASK)
            get_runtime().spawn(_fetch(x, ph), "fetch")
            return ph
        if isinstance(x, list) and any(isinstance(v, RefInput) for v in x):
            return [self._resolve(v) for v in x]
        return x

    def _forget(self, n: int) -> None:
        calls = self.calls
        while len(calls) > KEEP_RECENT + n:
            calls.popitem(last=False)
        while len(calls) > KEEP_RECENT and next(iter(calls.values())).done():
            calls.popitem(last=False)


async def _fetch(x: RefInput, ph: Placeholder) -> None:
    try:
        results = await x.ref
        if isinstance(results, bytes):
            results = pickle.loads(results)
        status, value = results[x.idx]
    except BaseException as exc:  # the consumer's call reports it
        ph.set_exception(exc)
        return
    if status == "ok":
        ph.set_result(value)
    else:
        ph.set_exception(unwire_error(value))


async def _wait_idle(agent: Any) -> None:
    """Until the agent has handled what was sent before (bounded by IDLE_WAIT)."""
    for _ in range(int(IDLE_WAIT / IDLE_POLL)):
        if not agent.busy:
            return
        await asyncio.sleep(IDLE_POLL)


async def _state_when_idle(agent: Any, ph: Placeholder) -> None:
    await _wait_idle(agent)
    try:
        ph.set_result(agent.state_dict())
    except Exception as exc:  # reported to the caller
        ph.set_exception(exc)


async def _method_when_idle(agent: Any, call: tuple[str, tuple[Any, ...], dict[str, Any]],
                            ph: Placeholder) -> None:
    """Run ``agent.<name>(*args, **kwargs)`` once the calls sent before it are handled: a
    coroutine function on the host's loop, a plain one in a thread (so a slow method does
    not stall the other agents). Methods may run alongside later replies, as in AgentScope."""
    from agentcast.exceptions import AgentCallError
    from agentcast.runtime.remote_methods import remote_callables

    name, args, kwargs = call
    await _wait_idle(agent)
    try:
        if name not in remote_callables(type(agent)):
            raise AttributeError(f"{type(agent).__name__} has no method {name!r} that may be "
                                 "called remotely")
        func = getattr(agent, name)
        if inspect.iscoroutinefunction(func):
            value = await func(*args, **kwargs)
        else:
            loop = asyncio.get_running_loop()
            value = await loop.run_in_executor(None, functools.partial(func, *args, **kwargs))
    except Exception as exc:  # the caller's placeholder raises it, naming agent and method
        ph.set_exception(AgentCallError(agent.name, f"{name}()", exc))
    else:
        ph.set_result(value)


def _loads(blob: bytes) -> Any:
    from ray import cloudpickle  # Ray ships its own copy

    return cloudpickle.loads(blob)


_pickler: list[Any] = []


def dumps_agent(agent: Any) -> bytes:
    """Pickle an agent by value where needed; thread locks are recreated on the other side."""
    import io

    buf = io.BytesIO()
    _pickler_class()(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(agent)
    return buf.getvalue()


def _pickler_class() -> Any:
    if not _pickler:
        import threading

        from ray import cloudpickle  # Ray ships its own copy

        lock_types = (type(threading.Lock()), type(threading.RLock()))

        class Pickler(cloudpickle.CloudPickler):  # type: ignore[misc]
            def reducer_override(self, obj: Any) -> Any:
                if isinstance(obj, lock_types):
                    rlock = "RLock" in type(obj).__name__
                    return (threading.RLock if rlock else threading.Lock, ())
                return super().reducer_override(obj)

        _pickler.append(Pickler)
    return _pickler[0]


__all__ = ["ADD", "METHOD", "REMOVE", "AgentHostActor", "Answer", "Envelope", "Msg", "RefInput",
           "dumps_agent"]
