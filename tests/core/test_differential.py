"""Differential test of the runtime: random programs against a sequential reference.

Each program (see diffprog.py) mixes instant and delayed, ``def`` and ``async def`` replies,
calls, observes, sequential / fanout / if-else / for / while pipelines, hubs with
add / delete / broadcast / announcement, memory and result reads, and replies that raise or
return None. Every read, every result and every memory must equal the plain sequential
reading of the program (DESIGN.md, "Semantics that tests pin down"), whatever style runs it:
a script, ``asyncio.run``, several threads at once, or a script that hands over to
``asyncio.run`` half way. The Ray subset is tests/distributed/test_differential_ray.py.

On a mismatch the test shrinks the program and prints it as the Python a user would write,
with the seed that regenerates it (``diffprog.generate(seed)``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from . import diffprog
from .diffprog import Program, first_difference, generate, reference

# The runtime of today needs ``ac.wait_all()`` before a read from outside sees work already
# sent to an agent (and before another style takes over). The intended runtime does not
# (DESIGN.md: reads from outside are ordered). Flip to False once it does: the same programs
# then run with plain reads and unsettled hand-overs between styles.
NEEDS_EXPLICIT_SETTLE = False

pytestmark = pytest.mark.timeout(240)

Runner = Callable[[Program], Any]
MAX_REPORTED = 3
MAX_FAILURES = 8  # stop a style after this many: one bug fails many programs
SHRINK_BUDGET = 60.0  # seconds spent shrinking the reported programs


def _fails(runner: Runner, deadline: float) -> Callable[[Program], bool]:
    def fails(prog: Program) -> bool:
        if time.monotonic() > deadline:
            return False  # out of time: keep what we have
        try:
            return bool(runner(prog) != reference(prog))
        except Exception:  # a crash is a failure too
            return True

    return fails


def _report(style: str, failures: list[tuple[Program, Any]], runner: Runner | None) -> str:
    lines = [f"{len(failures)} program(s) differ from the reference in {style} style "
             f"(NEEDS_EXPLICIT_SETTLE={NEEDS_EXPLICIT_SETTLE}); seeds: "
             f"{[p.seed for p, _ in failures]}"]
    deadline = time.monotonic() + SHRINK_BUDGET
    for prog, got in failures[:MAX_REPORTED]:
        expected = reference(prog)
        what = (f"raised {got!r}" if isinstance(got, BaseException)
                else first_difference(expected, got))
        small = diffprog.shrink(prog, _fails(runner, deadline)) if runner is not None else prog
        lines += ["", f"--- seed {prog.seed}: {what}", "smallest program that still differs:",
                  small.source()]
        if small is not prog:
            try:
                again = runner(small) if runner is not None else None
                lines.append("its difference: " + first_difference(reference(small), again))
            except Exception as exc:  # reported as is
                lines.append(f"it raised {exc!r}")
    return "\n".join(lines)


def _check(style: str, progs: list[Program], runner: Runner) -> None:
    failures: list[tuple[Program, Any]] = []
    for prog in progs:
        try:
            got = runner(prog)
        except Exception as exc:  # reported with its seed
            got = exc
        if isinstance(got, BaseException) or got != reference(prog):
            failures.append((prog, got))
            if len(failures) >= MAX_FAILURES or diffprog.stuck(got):
                break  # enough to see the bug; after a stuck run the rest may be stuck too
    assert not failures, _report(style, failures, runner)


def _script(prog: Program) -> Any:
    return diffprog.run_script(prog, settle=NEEDS_EXPLICIT_SETTLE)


def _mixed(prog: Program) -> Any:
    return diffprog.run_mixed(prog, settle=NEEDS_EXPLICIT_SETTLE)


def test_reference_interpreter_pins_down_design_semantics():
    """The reference itself, on DESIGN.md's worked examples (so it cannot drift)."""
    prog = Program(0, [diffprog.AgentSpec(n, False, 1, 0.0, None, None) for n in ("a1", "a2", "a3")],
                   [("hub_enter", 0, ["a1", "a2"], None), ("call", 0, "a1", ("none",)),
                    ("call", 1, "a2", ("none",)), ("hub_delete", 0, ["a1"]),
                    ("hub_add", 0, ["a3"]), ("call", 2, "a3", ("none",)),
                    ("hub_broadcast", 0, 4), ("hub_exit", 0)], 3)
    log = dict(reference(prog))
    m1, m2, m3 = (log[f"result s{i}"][1:] for i in range(3))
    assert log["memory a2"] == [m1, m2, m3, ("host", 4)]  # every other participant hears it
    assert log["memory a1"] == [m1, m2]  # deleted: hears nothing more
    assert log["memory a3"] == [m3, ("host", 4)]
    # an upstream failure reaches the reader as the failing agent's error
    failing = Program(1, [diffprog.AgentSpec("f", False, 0, 0.0, 1, None),
                          diffprog.AgentSpec("g", False, 1, 0.0, None, None)],
                      [("call", 0, "f", ("msg", 1)), ("call", 1, "g", ("slot", 0))], 2)
    log = dict(reference(failing))
    assert log["result s1"] == log["result s0"] and log["result s1"][:2] == ("E", "f")
    assert log["memory g"] == []


def test_script_style_matches_the_reference():
    _check("script", [generate(s) for s in range(600)], _script)


def test_async_style_matches_the_reference():
    _check("async", [generate(s) for s in range(1000, 1600)], diffprog.run_async)


def test_several_threads_at_once_match_the_reference():
    progs = [generate(s) for s in range(2000, 2600)]
    failures: list[tuple[Program, Any]] = []
    for i in range(0, len(progs), 4):
        batch = progs[i:i + 4]
        for prog, got in zip(batch, diffprog.run_threads(batch, settle=NEEDS_EXPLICIT_SETTLE),
                             strict=True):
            if isinstance(got, BaseException) or got != reference(prog):
                failures.append((prog, got))
        if len(failures) >= MAX_FAILURES:
            break
    assert not failures, _report("threads", failures, _script)


def test_script_then_asyncio_run_then_script_matches_the_reference():
    _check("mixed", [generate(s) for s in range(3000, 3400)], _mixed)


@pytest.mark.slow
def test_longer_programs_with_longer_delays_match_the_reference():
    """Fewer, longer programs whose delays (5-20 ms) really interleave threads and tasks."""
    progs = [generate(s, max_ops=40, max_delay=0.02) for s in range(4000, 4030)]
    _check("script (long)", progs, _script)
    _check("async (long)", progs, diffprog.run_async)
