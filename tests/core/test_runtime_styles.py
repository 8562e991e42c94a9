"""Every style in one process: scripts, asyncio.run, threads, a loop already running in the
calling thread (notebooks), and any mix. Hang cases run in a subprocess with a timeout, so a
regression fails instead of hanging the suite."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

import agentcast as ac
from agentcast import Msg

from .helpers import AddAgent, BlockingSleepyAgent, SleepyAgent

SRC = str(Path(__file__).resolve().parents[2] / "src")

pytestmark = pytest.mark.timeout(90)  # a regression hangs: fail instead


def run_script(code: str, timeout: float = 60) -> str:
    env = {**os.environ, "PYTHONPATH": SRC, "AGENTCAST_QUIET": "1"}
    try:
        out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                             capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"hung (killed after {timeout} s): {exc.stdout!r} {exc.stderr!r}")
    assert out.returncode == 0, out.stderr
    return out.stdout


AGENT = """
import asyncio, logging
import agentcast as ac

class Echo(ac.Agent):
    async def reply(self, x):
        await asyncio.sleep(0.05)
        msg = ac.Msg(self.name, f"{self.name} says hi")
        self.memory.add(msg)
        return msg
"""


def test_unread_script_calls_then_asyncio_run_with_new_agents_does_not_hang():
    """The issue's hang: unread async-reply calls in a hub, then asyncio.run(main())."""
    out = run_script(AGENT + """
logging.basicConfig(level=logging.WARNING)
a, b, c = Echo("a"), Echo("b"), Echo("c")
with ac.msghub([a, b, c]):
    a(); b(); c()          # never read

async def main():
    x, y = Echo("x"), Echo("y")
    return (await y(x())).content

print(asyncio.run(main()))
print(len(a.memory.get()), len(b.memory.get()))   # a plain read afterwards works too
print(Echo("z")().content)
""", timeout=30)
    assert out.split("\n")[:2] == ["y says hi", "3 3"]
    assert "z says hi" in out


def test_two_asyncio_runs_and_script_calls_in_between():
    out = run_script(AGENT + """
a = Echo("a")
async def fire():
    a(); a()                      # left unread when the loop closes
async def read():
    return (await a()).content
asyncio.run(fire())
print(a().content)                # script style
print(asyncio.run(read()))
print(asyncio.run(read()))
print(a.memory.size())            # every call ran: 2 + 1 + 1 + 1
""", timeout=30)
    assert out.split() == ["a", "says", "hi"] * 3 + ["5"]


def test_calls_left_unread_in_asyncio_run_are_finished_not_stranded():
    a = SleepyAgent("late", 0.1)
    seen = []

    async def main():
        seen.append(a(Msg("u", 1)))

    asyncio.run(main())
    assert seen[0].content == 2


def test_agents_called_from_many_threads_at_once():
    agents = [AddAgent(f"t{i}", 1) for i in range(4)]
    sleepy = [BlockingSleepyAgent(f"bs{i}", 0.05) for i in range(4)]
    results: list[int] = []
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            x: object = Msg("u", k)
            for _ in range(20):
                x = ac.sequential_pipeline(agents, x)
            x = sleepy[k % 4](x)
            results.append(x.content)  # type: ignore[attr-defined]
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sorted(results) == sorted(k + 81 for k in range(8))


def test_script_style_reads_under_a_running_loop_like_a_notebook():
    """In a notebook cell a loop runs in the calling thread; code there is plain sync code."""
    def cell() -> tuple[int, int]:
        a, b = SleepyAgent("nb_a", 0.05), AddAgent("nb_b", 10)
        x = a(Msg("u", 1))
        x = b(x)
        with ac.msghub([a, b]):
            a()
            b()
        return x.content, len(b.memory.get())

    async def kernel() -> tuple[int, int]:
        return cell()  # called synchronously, as IPython runs a cell without await

    assert asyncio.run(kernel()) == (12, 4)


def test_script_style_in_a_real_ipython_kernel():
    jupyter_client = pytest.importorskip("jupyter_client")
    from jupyter_client.manager import start_new_kernel

    env = {**os.environ, "PYTHONPATH": SRC, "AGENTCAST_QUIET": "1"}
    km, kc = start_new_kernel(kernel_name="python3", env=env)
    try:
        code = AGENT + textwrap.dedent("""
        a, b = Echo("a"), Echo("b")
        x = a(ac.Msg("user", "hi", role="user"))
        x = b(x)
        print("OUT", x.content, len(b.memory.get()))
        """)
        kc.execute(code)
        texts, error = [], None
        while True:
            msg = kc.get_iopub_msg(timeout=60)
            kind = msg["msg_type"]
            if kind == "stream":
                texts.append(msg["content"]["text"])
            elif kind == "error":
                error = msg["content"]
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                break
        assert error is None, error
        assert "OUT b says hi 1" in "".join(texts)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    del jupyter_client


def test_importing_agentcast_starts_nothing_and_changes_no_setting():
    out = run_script("""
import atexit, gc, threading
import asyncio, concurrent.futures, logging, json  # the stdlib's own import-time hooks
before = (gc.get_threshold(), atexit._ncallbacks(), threading.active_count())
import agentcast as ac
import agentcast.runtime.actor, agentcast.runtime.scheduler, agentcast.hub
from agentcast import Agent, Msg, msghub, sequential_pipeline, Placeholder
after = (gc.get_threshold(), atexit._ncallbacks(), threading.active_count())
print(before == after, before, after)
class A(Agent):
    async def reply(self, x):
        return Msg(self.name, 1)
A("a")().content                       # first use: now the runtime starts
print(gc.get_threshold() != before[0], atexit._ncallbacks() > before[1])
""")
    lines = out.split("\n")
    assert lines[0].startswith("True"), lines[0]
    assert lines[1] == "True True"


def test_message_module_does_not_carry_runtime_hooks():
    import agentcast.message as message
    from agentcast.runtime import placeholder

    assert message.Placeholder is placeholder.Placeholder  # a lazy re-export
    assert not hasattr(message, "_sync_wait") and not hasattr(message, "_run_callbacks")


def test_gc_and_exit_hook_happen_on_first_use_not_import():
    src = Path(SRC, "agentcast", "runtime", "scheduler.py").read_text()
    assert "\ntune_gc()" not in src and "\natexit.register" not in src


def test_async_waits_from_the_callers_loop_see_results():
    a, b = SleepyAgent("aw_a", 0.05), SleepyAgent("aw_b", 0.05)

    async def main() -> list[int]:
        xs = [a(Msg("u", i)) for i in range(3)]
        ys = [b(x) for x in xs]
        return [(await y).content for y in ys]

    assert asyncio.run(main()) == [2, 3, 4]


def test_styles_mixed_many_times_in_one_process():
    out = run_script(AGENT + """
import threading

class Add(ac.Agent):
    def reply(self, x):
        return ac.Msg(self.name, (x.content if x is not None else 0) + 1)

a, d = Echo("a"), Add("d")
total = 0
for round_ in range(15):
    total += d(d(ac.Msg("u", 0))).content                     # script
    a()                                                       # left unread
    async def main():
        a()                                                   # left unread in async code
        return (await d(ac.Msg("u", 0))).content
    total += asyncio.run(main())
    box = []
    t = threading.Thread(target=lambda: box.append(d(ac.Msg("u", 5)).content))
    t.start(); t.join(30)
    total += box[0]
print(total, a.memory.size())
""", timeout=60)
    assert out.split() == [str(15 * (2 + 1 + 6)), "30"]
