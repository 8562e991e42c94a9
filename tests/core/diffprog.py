"""Random small agent programs, a sequential reference interpreter, and runners for each style.

Why: the runtime is correct only if every interleaving it chooses gives the result of the
plain, one-step-at-a-time reading of the program that DESIGN.md "Semantics that tests pin
down" describes. A program here is a flat list of operations (calls, observes, pipelines,
hub enter/add/delete/broadcast/exit, memory and result reads). :func:`reference` runs it
sequentially on plain values; :func:`run_script`, :func:`run_async` and :func:`run_mixed`
run it on the real runtime. Both produce an *observation log* (every read in program order,
then every result and every memory) that must be equal.

Agents whose calls happen later than the line that asks for them (bodies of if/else,
for-loop and while-loop pipelines, which run once their input is there) are *owned* by that
one pipeline: they are in no hub and nothing else calls them, and their memories are read
only at the end. Otherwise the order of their calls relative to the script's would be a
real race, not a runtime bug.

``NEEDS_EXPLICIT_SETTLE`` (in test_differential) decides whether a script's read from
outside is preceded by ``ac.wait_all()`` (and a hand-over between styles by a settle): the
current runtime needs it, the intended one does not. Async code reads memory after
``await ac.wait_all_async()`` either way (the awaitable form of an ordered read; switch it to
the runtime's per-agent awaitable form once there is one).
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from typing import Any

import agentcast as ac
from agentcast import Agent, Msg
from agentcast.exceptions import AgentCallError

SETTLE_TIMEOUT = 60.0  # seconds any one settle may take before the run is reported stuck
READ_TIMEOUT = 10.0  # seconds an awaited read may take before the run is reported stuck

# --- the agents ----------------------------------------------------------------------------


def _inputs(x: Any) -> list[Any]:
    if x is None:
        return []
    if isinstance(x, list):
        return [m for m in x if m is not None]
    return [x]


def step(name: str, k: int, fail_mod: int | None, none_mod: int | None,
         contents: list[Any], memory_len: int) -> tuple[str, Any]:
    """What a reply does, as a pure function: ("ok", value) | ("none", None) | ("fail", text).

    The value depends on the memory's length after the input was stored, so any change in
    the order of observes and calls shows up in the results, not only in the memories.
    """
    v = (k + 3 * sum(c for c in contents if isinstance(c, int)) + 7 * memory_len) % 1009
    if fail_mod and v % fail_mod == 0:
        return "fail", f"{name} fails on {v}"
    if none_mod and v % none_mod == 1:
        return "none", None
    return "ok", v


class _Core:
    def __init__(self, name: str, k: int = 1, delay: float = 0.0,
                 fail_mod: int | None = None, none_mod: int | None = None) -> None:
        Agent.__init__(self, name)  # type: ignore[arg-type]
        self.k, self.delay, self.fail_mod, self.none_mod = k, delay, fail_mod, none_mod

    def _compute(self, x: Any) -> Msg | None:
        self.memory.add(x)  # type: ignore[attr-defined]
        kind, value = step(self.name, self.k, self.fail_mod, self.none_mod,  # type: ignore[attr-defined]
                           [m.content for m in _inputs(x)], len(self.memory))  # type: ignore[attr-defined]
        if kind == "fail":
            raise ValueError(value)
        if kind == "none":
            return None
        out = Msg(self.name, value)  # type: ignore[attr-defined]
        self.memory.add(out)  # type: ignore[attr-defined]
        return out


class AsyncStep(_Core, Agent):
    """``async def reply``; waits with ``asyncio.sleep`` when it has a delay."""

    async def reply(self, x: Any = None) -> Msg | None:
        if self.delay:
            await asyncio.sleep(self.delay)
        return self._compute(x)


class SyncStep(_Core, Agent):
    """Plain ``def reply`` (blocking user code); waits with ``time.sleep``."""

    def reply(self, x: Any = None) -> Msg | None:  # type: ignore[override]
        if self.delay:
            time.sleep(self.delay)
        return self._compute(x)


# --- programs ------------------------------------------------------------------------------
@dataclass
class AgentSpec:
    name: str
    sync: bool
    k: int
    delay: float
    fail_mod: int | None
    none_mod: int | None
    owned: bool = False
    dist: bool = False

    def make(self) -> Agent:
        cls = SyncStep if self.sync else AsyncStep
        return cls(self.name, self.k, self.delay, self.fail_mod, self.none_mod)

    def source(self) -> str:
        cls = "SyncStep" if self.sync else "AsyncStep"
        return (f"{self.name} = {cls}({self.name!r}, k={self.k}, delay={self.delay}, "
                f"fail_mod={self.fail_mod}, none_mod={self.none_mod})"
                + (".to_dist(host=host)" if self.dist else ""))


@dataclass
class Program:
    seed: int
    agents: list[AgentSpec]
    ops: list[tuple[Any, ...]]
    nslots: int = 0
    mixed_at: int = -1  # run_mixed: ops before this index run as a script, the rest async

    def source(self) -> str:
        """The program as the Python a user would write (script style)."""
        lines = [f"# seed {self.seed}"] + [a.source() for a in self.agents]
        for i, op in enumerate(self.ops):
            if i == self.mixed_at:
                lines.append("# --- from here on inside asyncio.run(main()) ---")
            lines.append(_op_source(op))
        return "\n".join(lines)


def _inp_source(inp: Any) -> str:
    tag = inp[0]
    if tag == "msg":
        return f"Msg('user', {inp[1]})"
    if tag == "slot":
        return f"s{inp[1]}"
    if tag == "none":
        return "None"
    return "[" + ", ".join(_inp_source(v) for v in inp[1]) + "]"


def _body_source(body: list[str]) -> str:
    return body[0] if len(body) == 1 else "[" + ", ".join(body) + "]"


def _op_source(op: tuple[Any, ...]) -> str:
    kind = op[0]
    if kind == "call":
        return f"s{op[1]} = {op[2]}({_inp_source(op[3])})"
    if kind == "observe":
        return f"{op[1]}.observe({_inp_source(op[2])})"
    if kind == "seq":
        return f"s{op[1]} = ac.sequential_pipeline([{', '.join(op[2])}], {_inp_source(op[3])})"
    if kind == "fanout":
        slots = ", ".join(f"s{s}" for s in op[1])
        return f"[{slots}] = ac.fanout_pipeline([{', '.join(op[2])}], {_inp_source(op[3])})"
    if kind == "ifelse":
        other = _body_source(op[3]) if op[3] else "None"
        return (f"s{op[1]} = ac.if_else_pipeline(is_even, {_body_source(op[2])}, {other}, "
                f"{_inp_source(op[4])})")
    if kind == "forloop":
        return (f"s{op[1]} = ac.for_loop_pipeline({_body_source(op[2])}, {op[3]}, "
                f"break_on_mod3, {_inp_source(op[4])})")
    if kind == "while":
        return (f"s{op[1]} = ac.while_loop_pipeline({_body_source(op[2])}, "
                f"lambda i, x: i < {op[3]} and x is not None, {_inp_source(op[4])})")
    if kind == "hub_enter":
        ann = f", announcement=Msg('host', {op[3]})" if op[3] is not None else ""
        return f"hub{op[1]} = ac.msghub([{', '.join(op[2])}]{ann}); hub{op[1]}.__enter__()"
    if kind == "hub_add":
        return f"hub{op[1]}.add([{', '.join(op[2])}])"
    if kind == "hub_delete":
        return f"hub{op[1]}.delete([{', '.join(op[2])}])"
    if kind == "hub_broadcast":
        return f"hub{op[1]}.broadcast(Msg('host', {op[2]}))"
    if kind == "hub_exit":
        return f"hub{op[1]}.__exit__(None, None, None)"
    if kind == "read_mem":
        return f"read({op[1]}.memory.get())"
    if kind == "read":
        return f"read(s{op[1]})"
    raise AssertionError(op)


def is_even(x: Any) -> bool:
    return x is not None and isinstance(x.content, int) and x.content % 2 == 0


def break_on_mod3(x: Any) -> bool:
    return x is None or x.content % 3 == 0


def _while_cond(n: int) -> Any:
    return lambda i, x: i < n and x is not None


def generate(seed: int, *, max_ops: int = 14, max_delay: float = 0.004,
             dist_fraction: float = 0.0) -> Program:
    """A random program; the same seed always gives the same program."""
    rng = random.Random(seed)
    agents: list[AgentSpec] = []

    def new_agent(owned: bool) -> str:
        name = f"{'o' if owned else 'a'}{len(agents)}"
        agents.append(AgentSpec(
            name, sync=rng.random() < 0.4, k=rng.randint(1, 50),
            delay=rng.choice([0.0, 0.0, 0.0, max_delay / 4, max_delay]),
            fail_mod=rng.choice([None, None, None, 7, 13]), none_mod=rng.choice([None, None, None, 11]),
            owned=owned))
        return name

    shared = [new_agent(False) for _ in range(rng.randint(2, 5))]
    ops: list[tuple[Any, ...]] = []
    slots: list[int] = []
    nslot = [0]
    hubs: list[tuple[int, set[str]]] = []  # open hubs (id, members), innermost last
    nhub = [0]

    def slot() -> int:
        nslot[0] += 1
        return nslot[0] - 1

    def single_input() -> tuple[Any, ...]:
        r = rng.random()
        if slots and r < 0.5:
            return ("slot", rng.choice(slots))
        if r < 0.9:
            return ("msg", rng.randint(0, 99))
        return ("none",)

    def any_input() -> tuple[Any, ...]:
        if rng.random() < 0.15:
            return ("list", [single_input() for _ in range(rng.randint(1, 3))])
        return single_input()

    def body() -> list[str]:
        return [new_agent(True) for _ in range(rng.randint(1, 2))]

    for _ in range(rng.randint(3, max_ops)):
        r = rng.random()
        if r < 0.30:
            s = slot()
            ops.append(("call", s, rng.choice(shared), any_input()))
            slots.append(s)
        elif r < 0.38:
            ops.append(("observe", rng.choice(shared), any_input()))
        elif r < 0.45:
            s = slot()
            ops.append(("seq", s, rng.sample(shared, rng.randint(1, min(3, len(shared)))),
                        any_input()))
            slots.append(s)
        elif r < 0.51:
            chosen = rng.sample(shared, rng.randint(1, min(3, len(shared))))
            out = [slot() for _ in chosen]
            ops.append(("fanout", out, chosen, any_input()))
            slots.extend(out)
        elif r < 0.56:
            s = slot()
            ops.append(("ifelse", s, body(), body() if rng.random() < 0.6 else None,
                        single_input()))
            slots.append(s)
        elif r < 0.60:
            s = slot()
            ops.append(("forloop", s, body(), rng.randint(0, 4), single_input()))
            slots.append(s)
        elif r < 0.63:
            s = slot()
            ops.append(("while", s, body(), rng.randint(0, 3), single_input()))
            slots.append(s)
        elif r < 0.72 and len(hubs) < 2:
            members = set(rng.sample(shared, rng.randint(1, len(shared))))
            ann = rng.randint(100, 199) if rng.random() < 0.5 else None
            ops.append(("hub_enter", nhub[0], sorted(members), ann))
            hubs.append((nhub[0], members))
            nhub[0] += 1
        elif r < 0.80 and hubs:
            hub_id, members = rng.choice(hubs)
            what = rng.random()
            if what < 0.35:
                pick = rng.sample(shared, rng.randint(1, 2))
                ops.append(("hub_add", hub_id, pick))
                members.update(pick)
            elif what < 0.65:
                pick = rng.sample(shared, rng.randint(1, 2))
                ops.append(("hub_delete", hub_id, pick))
                members.difference_update(pick)
            else:
                ops.append(("hub_broadcast", hub_id, rng.randint(200, 299)))
        elif r < 0.84 and hubs:
            hub_id, _ = hubs.pop()
            ops.append(("hub_exit", hub_id))
        elif r < 0.93:
            ops.append(("read_mem", rng.choice(shared)))
        elif slots:
            ops.append(("read", rng.choice(slots)))
    while hubs:
        ops.append(("hub_exit", hubs.pop()[0]))
    prog = Program(seed, agents, ops, nslot[0])
    prog.mixed_at = rng.randint(1, len(ops)) if ops else 0
    if dist_fraction:
        pick = random.Random(seed * 7919 + 1)
        for spec in agents:
            spec.dist = pick.random() < dist_fraction
    return prog


# --- observation values ----------------------------------------------------------------------
# A message is ("M", name, content); a failure ("E", agent, text); None is None.
Value = Any


def msg_value(m: Any) -> Value:
    return None if m is None else ("M", m.name, m.content)


def error_value(exc: BaseException) -> Value:
    if isinstance(exc, AgentCallError):
        return ("E", exc.agent, str(exc.original))
    return ("X", type(exc).__name__, str(exc))  # never expected: an untyped error


def memory_value(items: list[Msg]) -> list[Value]:
    return [(m.name, m.content) for m in items]


# --- the reference interpreter ----------------------------------------------------------------
@dataclass
class _Ref:
    prog: Program
    mem: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)
    hubs: dict[int, list[str]] = field(default_factory=dict)  # open hubs' members, join order
    hub_order: list[int] = field(default_factory=list)
    slots: dict[int, Value] = field(default_factory=dict)
    log: list[tuple[str, Any]] = field(default_factory=list)

    def spec(self, name: str) -> AgentSpec:
        return next(a for a in self.prog.agents if a.name == name)

    def value(self, inp: tuple[Any, ...]) -> Any:
        tag = inp[0]
        if tag == "msg":
            return ("M", "user", inp[1])
        if tag == "slot":
            return self.slots[inp[1]]
        if tag == "none":
            return None
        return [self.value(v) for v in inp[1]]

    @staticmethod
    def settle_input(x: Any) -> tuple[Any, Value | None]:
        """(input the reply sees, upstream failure): the actor's unwrap rules."""
        if isinstance(x, list):
            for v in x:
                if v is not None and v[0] == "E":
                    return None, v
            return [v for v in x if v is not None], None
        if x is not None and x[0] == "E":
            return None, x
        return x, None

    def observe(self, name: str, x: Any) -> None:
        x, failed = self.settle_input(x)
        if failed is not None or x is None:
            return
        items = x if isinstance(x, list) else [x]
        self.mem[name].extend((m[1], m[2]) for m in items)

    def call(self, name: str, x: Any) -> Value:
        x, failed = self.settle_input(x)
        if failed is not None:
            result = failed
        else:
            spec = self.spec(name)
            mem = self.mem[name]
            items = [] if x is None else (x if isinstance(x, list) else [x])
            mem.extend((m[1], m[2]) for m in items)
            kind, v = step(name, spec.k, spec.fail_mod, spec.none_mod,
                           [m[2] for m in items], len(mem))
            if kind == "fail":
                result = ("E", name, v)
            elif kind == "none":
                result = None
            else:
                result = ("M", name, v)
                mem.append((name, v))
        seen = {name}
        speaking = [h for h in self.hub_order if name in self.hubs[h]]
        for h in speaking:
            for other in self.hubs[h]:
                if other not in seen:
                    seen.add(other)
                    self.observe(other, result)
        return result

    def run_body(self, body: list[str], x: Any) -> Value:
        for name in body:
            x = self.call(name, x)
        return x

    def run(self) -> list[tuple[str, Any]]:
        for a in self.prog.agents:
            self.mem[a.name] = []
        for op in self.prog.ops:
            self.apply(op)
        for s in range(self.prog.nslots):
            if s in self.slots:
                self.log.append((f"result s{s}", self.slots[s]))
        for a in self.prog.agents:
            self.log.append((f"memory {a.name}", self.mem[a.name]))
        return self.log

    def apply(self, op: tuple[Any, ...]) -> None:
        kind = op[0]
        if kind == "call":
            self.slots[op[1]] = self.call(op[2], self.value(op[3]))
        elif kind == "observe":
            self.observe(op[1], self.value(op[2]))
        elif kind == "seq":
            x = self.value(op[3])
            for name in op[2]:
                x = self.call(name, x)
            self.slots[op[1]] = x
        elif kind == "fanout":
            x = self.value(op[3])
            for s, name in zip(op[1], op[2], strict=True):
                self.slots[s] = self.call(name, x)
        elif kind in ("ifelse", "forloop", "while"):
            x = self.value(op[-1])
            if x is not None and x[0] == "E":
                self.slots[op[1]] = x
                return
            self.slots[op[1]] = self.deferred(op, x)
        elif kind == "hub_enter":
            self.hubs[op[1]] = []
            self.hub_order.append(op[1])
            self.join(op[1], op[2], op[3])
        elif kind == "hub_add":
            self.join(op[1], op[2], self.prog_announcement(op[1]))
        elif kind == "hub_delete":
            self.hubs[op[1]] = [a for a in self.hubs[op[1]] if a not in op[2]]
        elif kind == "hub_broadcast":
            for name in self.hubs[op[1]]:
                self.observe(name, ("M", "host", op[2]))
        elif kind == "hub_exit":
            del self.hubs[op[1]]
            self.hub_order.remove(op[1])
        elif kind == "read_mem":
            self.log.append((f"read {op[1]}.memory", list(self.mem[op[1]])))
        elif kind == "read":
            self.log.append((f"read s{op[1]}", self.slots[op[1]]))

    def prog_announcement(self, hub_id: int) -> int | None:
        op = next(o for o in self.prog.ops if o[0] == "hub_enter" and o[1] == hub_id)
        return op[3]  # type: ignore[no-any-return]

    def join(self, hub_id: int, names: list[str], ann: int | None) -> None:
        members = self.hubs[hub_id]
        for name in names:
            if name in members:
                continue
            members.append(name)
            if ann is not None:
                self.observe(name, ("M", "host", ann))

    def deferred(self, op: tuple[Any, ...], x: Value) -> Value:
        kind = op[0]
        if kind == "ifelse":
            if is_even(_RefMsg(x) if x is not None else None):
                return self.run_body(op[2], x)
            return self.run_body(op[3], x) if op[3] else x
        if kind == "forloop":
            for _ in range(op[3]):
                x = self.run_body(op[2], x)
                if x is not None and x[0] == "E":
                    return x
                if break_on_mod3(_RefMsg(x) if x is not None else None):
                    break
            return x
        i = 0
        while i < op[3] and x is not None:
            x = self.run_body(op[2], x)
            if x is not None and x[0] == "E":
                return x
            i += 1
        return x


class _RefMsg:
    """A reference value seen through the condition functions, which read ``.content``."""

    def __init__(self, v: Value) -> None:
        self.content = v[2]


def reference(prog: Program) -> list[tuple[str, Any]]:
    """The observation log of the sequential reading of ``prog``."""
    return _Ref(prog).run()


# --- running on the real runtime ----------------------------------------------------------------
class _Run:
    """State of one run: real agents, placeholders per slot, open hubs, the log."""

    def __init__(self, prog: Program, settle: bool, host: Any = None) -> None:
        self.prog = prog
        self.settle = settle
        self.agents: dict[str, Agent] = {}
        for spec in prog.agents:
            agent = spec.make()
            if spec.dist:
                agent = agent.to_dist(host=host)
            self.agents[spec.name] = agent
        self.slots: dict[int, Any] = {}
        self.hubs: dict[int, Any] = {}
        self.log: list[tuple[str, Any]] = []

    def value(self, inp: tuple[Any, ...]) -> Any:
        tag = inp[0]
        if tag == "msg":
            return Msg("user", inp[1], role="user")
        if tag == "slot":
            return self.slots[inp[1]]
        if tag == "none":
            return None
        return [self.value(v) for v in inp[1]]

    def body(self, names: list[str]) -> Any:
        ops = [self.agents[n] for n in names]
        return ops[0] if len(ops) == 1 else ops

    def send(self, op: tuple[Any, ...]) -> bool:
        """Do one operation that sends work; False when it is a read (the caller reads)."""
        kind, a = op[0], self.agents
        if kind == "call":
            self.slots[op[1]] = a[op[2]](self.value(op[3]))
        elif kind == "observe":
            a[op[1]].observe(self.value(op[2]))
        elif kind == "seq":
            self.slots[op[1]] = ac.sequential_pipeline([a[n] for n in op[2]], self.value(op[3]))
        elif kind == "fanout":
            outs = ac.fanout_pipeline([a[n] for n in op[2]], self.value(op[3]))
            for s, ph in zip(op[1], outs, strict=True):
                self.slots[s] = ph
        elif kind == "ifelse":
            other = self.body(op[3]) if op[3] else None
            self.slots[op[1]] = ac.if_else_pipeline(is_even, self.body(op[2]), other,
                                                    self.value(op[4]))
        elif kind == "forloop":
            self.slots[op[1]] = ac.for_loop_pipeline(self.body(op[2]), op[3], break_on_mod3,
                                                     self.value(op[4]))
        elif kind == "while":
            self.slots[op[1]] = ac.while_loop_pipeline(self.body(op[2]), _while_cond(op[3]),
                                                       self.value(op[4]))
        elif kind == "hub_enter":
            ann = Msg("host", op[3]) if op[3] is not None else None
            hub = self.hubs[op[1]] = ac.msghub([a[n] for n in op[2]], announcement=ann)
            hub.__enter__()
        elif kind == "hub_add":
            self.hubs[op[1]].add([a[n] for n in op[2]])
        elif kind == "hub_delete":
            self.hubs[op[1]].delete([a[n] for n in op[2]])
        elif kind == "hub_broadcast":
            self.hubs[op[1]].broadcast(Msg("host", op[2]))
        elif kind == "hub_exit":
            self.hubs.pop(op[1]).__exit__(None, None, None)
        else:
            return False
        return True

    # script style
    def read_sync(self, op: tuple[Any, ...]) -> None:
        if op[0] == "read_mem":
            if self.settle:
                settle_sync()
            self.log.append((f"read {op[1]}.memory",
                             memory_value(self.agents[op[1]].memory.get())))
        else:
            self.log.append((f"read s{op[1]}", read_slot_sync(self.slots[op[1]])))

    def finish_sync(self) -> list[tuple[str, Any]]:
        settle_sync()  # the end of the program: bounded, says so when stuck
        for s in range(self.prog.nslots):
            if s in self.slots:
                self.log.append((f"result s{s}", read_slot_sync(self.slots[s])))
        for name, agent in self.agents.items():
            self.log.append((f"memory {name}", memory_value(agent.memory.get())))
        return self.log

    # async style
    async def read_async(self, op: tuple[Any, ...]) -> None:
        if op[0] == "read_mem":
            # the awaitable form (see the module docstring)
            await asyncio.wait_for(ac.wait_all_async(), SETTLE_TIMEOUT)
            self.log.append((f"read {op[1]}.memory",
                             memory_value(self.agents[op[1]].memory.get())))
        else:
            self.log.append((f"read s{op[1]}", await read_slot_async(self.slots[op[1]])))


def settle_sync() -> None:
    if not ac.wait_all(timeout=SETTLE_TIMEOUT):
        raise AssertionError(f"the agents did not settle within {SETTLE_TIMEOUT} s")


def read_slot_sync(ph: Any) -> Value:
    if hasattr(ph, "result") and not _wait_bounded(ph, READ_TIMEOUT):
        return ("STUCK", f"{ph!r} still unresolved after {READ_TIMEOUT} s")
    try:
        return msg_value(ph.result() if hasattr(ph, "result") else ph)
    except Exception as exc:  # the failure is what gets compared
        return error_value(exc)


async def read_slot_async(ph: Any) -> Value:
    try:
        if hasattr(ph, "result"):
            return msg_value(await asyncio.wait_for(_awaited(ph), READ_TIMEOUT))
        return msg_value(ph)
    except Exception as exc:  # the failure is what gets compared
        return error_value(exc)


def _wait_bounded(ph: Any, timeout: float) -> bool:
    """Wait like a plain read, but give up after ``timeout`` (a stuck run must be reported
    with its seed, not hang the suite). Uses the runtime's bounded wait where it has one."""
    from agentcast.runtime import scheduler

    wait = getattr(scheduler.get_runtime(), "wait", None)
    if wait is None:
        return True  # no bounded form: the plain read below blocks
    return bool(wait(ph, timeout=timeout))


async def _awaited(ph: Any) -> Any:
    return await ph


def run_script(prog: Program, *, settle: bool, host: Any = None) -> list[tuple[str, Any]]:
    """Run ``prog`` as a plain script (reads block) in the calling thread."""
    run = _Run(prog, settle, host)
    for op in prog.ops:
        if not run.send(op):
            run.read_sync(op)
    return run.finish_sync()


def run_async(prog: Program) -> list[tuple[str, Any]]:
    """Run ``prog`` inside ``asyncio.run`` (reads are awaits)."""

    async def main() -> list[tuple[str, Any]]:
        run = _Run(prog, True)
        for op in prog.ops:
            if not run.send(op):
                await run.read_async(op)
        await asyncio.wait_for(ac.wait_all_async(), SETTLE_TIMEOUT)
        for s in range(prog.nslots):
            if s in run.slots:
                run.log.append((f"result s{s}", await read_slot_async(run.slots[s])))
        for name, agent in run.agents.items():
            run.log.append((f"memory {name}", memory_value(agent.memory.get())))
        return run.log

    return asyncio.run(main())


def run_mixed(prog: Program, *, settle: bool) -> list[tuple[str, Any]]:
    """The first ops as a script, the rest inside ``asyncio.run``, then the reads as a script
    again: calls left unread by one style must be finished by the next."""
    run = _Run(prog, settle)
    cut = prog.mixed_at
    for op in prog.ops[:cut]:
        if not run.send(op):
            run.read_sync(op)
    if settle:
        settle_sync()

    async def rest() -> None:
        for op in prog.ops[cut:]:
            if not run.send(op):
                await run.read_async(op)
        if settle:
            await asyncio.wait_for(ac.wait_all_async(), SETTLE_TIMEOUT)

    asyncio.run(rest())
    return run.finish_sync()


def stuck(log: Any) -> bool:
    """True when a read in ``log`` gave up waiting (the runtime may be unusable after it)."""
    return isinstance(log, BaseException) or any(
        isinstance(v, tuple) and v[:1] == ("STUCK",) for _, v in log)


def first_difference(expected: list[tuple[str, Any]], got: list[tuple[str, Any]]) -> str:
    for i, (e, g) in enumerate(zip(expected, got, strict=False)):
        if e != g:
            return f"at #{i}: expected {e!r}\n          got {g!r}"
    return f"logs differ in length: expected {len(expected)} entries, got {len(got)}"


def shrink(prog: Program, fails: Any) -> Program:
    """A smaller program that still ``fails`` (greedy: drop ops that are not needed).

    Dropping an op that produced a slot turns later uses of that slot into ``None``.
    """

    def without(p: Program, i: int) -> Program:
        op = p.ops[i]
        gone: set[int] = set()
        if op[0] in ("call", "seq", "ifelse", "forloop", "while"):
            gone = {op[1]}
        elif op[0] == "fanout":
            gone = set(op[1])
        elif op[0] == "hub_enter":
            return p  # hubs are dropped with their exit, below
        ops = []
        for j, o in enumerate(p.ops):
            if j == i:
                continue
            o = _replace_slots(o, gone)
            if o is not None:
                ops.append(o)
        if op[0] == "hub_exit":
            ops = [o for o in ops if not (o[0].startswith("hub_") and o[1] == op[1])]
        return Program(p.seed, p.agents, ops, p.nslots, min(p.mixed_at, len(ops)))

    changed = True
    while changed:
        changed = False
        for i in range(len(prog.ops) - 1, -1, -1):
            if i >= len(prog.ops):
                continue
            smaller = without(prog, i)
            if smaller is not prog and fails(smaller):
                prog, changed = smaller, True
    used = {n for op in prog.ops for n in _names(op)}
    prog.agents = [a for a in prog.agents if a.name in used]
    return prog


def _replace_inp(inp: Any, gone: set[int]) -> Any:
    if inp[0] == "slot" and inp[1] in gone:
        return ("none",)
    if inp[0] == "list":
        return ("list", [_replace_inp(v, gone) for v in inp[1]])
    return inp


def _replace_slots(op: tuple[Any, ...], gone: set[int]) -> tuple[Any, ...] | None:
    if not gone:
        return op
    kind = op[0]
    if kind == "read":
        return None if op[1] in gone else op
    if kind in ("call", "seq", "fanout"):
        return (*op[:3], _replace_inp(op[3], gone))
    if kind == "observe":
        return (op[0], op[1], _replace_inp(op[2], gone))
    if kind in ("ifelse", "forloop", "while"):
        return (*op[:-1], _replace_inp(op[-1], gone))
    return op


def _names(op: tuple[Any, ...]) -> list[str]:
    kind = op[0]
    if kind == "call":
        return [op[2]]
    if kind in ("observe", "read_mem"):
        return [op[1]]
    if kind in ("seq", "fanout", "hub_enter", "hub_add", "hub_delete"):
        return list(op[2])
    if kind in ("ifelse",):
        return list(op[2]) + list(op[3] or [])
    if kind in ("forloop", "while"):
        return list(op[2])
    return []


def run_threads(progs: list[Program], *, settle: bool,
                timeout: float = 120.0) -> list[list[tuple[str, Any]] | BaseException]:
    """Run each program as a script in a thread of its own, all at once."""
    import threading

    out: list[list[tuple[str, Any]] | BaseException] = [
        TimeoutError(f"still running after {timeout} s")] * len(progs)
    barrier = threading.Barrier(len(progs))

    def work(i: int) -> None:
        try:
            barrier.wait(timeout)
            out[i] = run_script(progs[i], settle=settle)
        except BaseException as exc:  # reported with the program's seed
            out[i] = exc

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(len(progs))]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    return out
