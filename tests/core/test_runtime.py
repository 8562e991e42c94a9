"""Runtime guarantees behind the fast path: real task identity, batching, exit drain, GC."""

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import agentcast as ac
from agentcast import Msg
from agentcast.runtime import actor as actor_mod
from agentcast.runtime.scheduler import tune_gc

from .helpers import AddAgent

ROOT = Path(__file__).resolve().parents[2]


class TimeoutAgent(ac.Agent):
    """Uses asyncio.timeout, which needs the same Task before and after suspending."""

    def __init__(self, name, wait, limit):
        super().__init__(name)
        self.wait, self.limit = wait, limit
        self.tasks = []

    async def reply(self, x):
        self.tasks.append(asyncio.current_task())
        async with asyncio.timeout(self.limit):
            await asyncio.sleep(self.wait)
        self.tasks.append(asyncio.current_task())
        return Msg(self.name, "in time")


@pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.timeout is 3.11+")
def test_asyncio_timeout_works_inside_replies():
    ok = TimeoutAgent("ok", 0.01, 1.0)
    assert ok().content == "in time"
    assert ok.tasks[0] is not None and ok.tasks[0] is ok.tasks[1]
    late = TimeoutAgent("late", 1.0, 0.05)
    with pytest.raises(ac.AgentCallError) as info:
        late().content  # noqa: B018
    assert isinstance(info.value.original, TimeoutError)
    # the runner survived the cancellation: later calls still work
    assert AddAgent("after", 1)(Msg("u", 1)).content == 2


def test_chains_longer_than_a_runner_batch_complete():
    agents = [AddAgent(f"a{i}", 1) for i in range(5)]
    outs = [ac.sequential_pipeline(agents, Msg("u", i)) for i in range(actor_mod.RUNNER_BATCH)]
    assert outs[-1].content == actor_mod.RUNNER_BATCH - 1 + 5
    assert all(o.content == i + 5 for i, o in enumerate(outs))


def test_pending_calls_run_at_exit_even_if_never_read(tmp_path):
    script = textwrap.dedent("""
        import asyncio, agentcast as ac

        class Slow(ac.Agent):
            async def reply(self, x):
                await asyncio.sleep(0.2)
                print("replied", x.content, flush=True)
                return ac.Msg(self.name, x.content)

        a = Slow("a")
        with ac.msghub([a, Slow("b")]):
            a(ac.Msg("u", "first"))
            a(ac.Msg("u", "second"))
        print("script done", flush=True)
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "PYTHONWARNINGS": "error::RuntimeWarning"}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["script done", "replied first", "replied second"]
    assert "Task was destroyed" not in proc.stderr


def test_gc_thresholds_are_only_raised(monkeypatch):
    import gc

    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        tune_gc()
        assert gc.get_threshold() == (5000, 20, 100)
        gc.set_threshold(100_000, 50, 500)
        tune_gc()
        assert gc.get_threshold() == (100_000, 50, 500)
        gc.set_threshold(700, 10, 10)
        monkeypatch.setenv("AGENTCAST_GC", "default")
        tune_gc()
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)


def test_reply_may_call_and_await_other_agents():
    class Boss(ac.Agent):
        def __init__(self, name, helpers):
            super().__init__(name)
            self.helpers = helpers

        async def reply(self, x):
            outs = await asyncio.gather(*[h(x) for h in self.helpers])
            return Msg(self.name, sum(o.content for o in outs))

    boss = Boss("boss", [AddAgent(f"h{i}", i) for i in range(4)])
    assert boss(Msg("u", 10)).content == 46
