"""Placeholders: timing of chained and independent calls, errors where read, async rules."""

import asyncio
import threading
import time

import pytest

import agentcast as ac
from agentcast import Msg
from agentcast.exceptions import AgentCallError, PlaceholderReadError

from .helpers import AddAgent, BlockingSleepyAgent, FailingAgent, SleepyAgent


@pytest.mark.parametrize("cls", [SleepyAgent, BlockingSleepyAgent], ids=["async", "def"])
def test_chained_calls_return_at_once_and_take_the_sum(cls):
    a, b, c = cls("a", 1.0), cls("b", 1.0), cls("c", 1.0)
    t0 = time.perf_counter()
    x = c(b(a(Msg("u", 0))))
    assert time.perf_counter() - t0 < 0.2
    assert x.content == 3
    assert 2.9 < time.perf_counter() - t0 < 3.8


@pytest.mark.parametrize("cls", [SleepyAgent, BlockingSleepyAgent], ids=["async", "def"])
def test_independent_calls_run_in_parallel(cls):
    agents = [cls(f"p{i}", 1.0) for i in range(3)]
    t0 = time.perf_counter()
    outs = [a(Msg("u", 0)) for a in agents]
    assert time.perf_counter() - t0 < 0.2
    assert [o.content for o in outs] == [1, 1, 1]
    assert time.perf_counter() - t0 < 1.8


def test_eight_blocking_agents_share_the_thread_pool():
    agents = [BlockingSleepyAgent(f"b{i}", 1.0) for i in range(8)]
    t0 = time.perf_counter()
    outs = [a(Msg("u", 0)) for a in agents]
    assert [o.content for o in outs] == [1] * 8
    assert time.perf_counter() - t0 < 1.9


@pytest.mark.parametrize("cls", [SleepyAgent, BlockingSleepyAgent], ids=["async", "def"])
def test_async_style_chained_and_independent(cls):
    async def main():
        t0 = time.perf_counter()
        x = cls("c", 0.5)(cls("b", 0.5)(cls("a", 0.5)(Msg("u", 0))))
        assert time.perf_counter() - t0 < 0.1
        assert (await x).content == 3
        chained = time.perf_counter() - t0
        t1 = time.perf_counter()
        outs = await asyncio.gather(*[cls(f"i{i}", 0.5)(Msg("u", 0)) for i in range(3)])
        return chained, time.perf_counter() - t1, [o.content for o in outs]

    chained, independent, values = asyncio.run(main())
    assert 1.4 < chained < 2.2
    assert independent < 0.95
    assert values == [1, 1, 1]


def test_blocking_reply_does_not_stall_async_agents():
    async def main():
        slow = BlockingSleepyAgent("slow", 1.0)
        fast = SleepyAgent("fast", 0.05)
        t0 = time.perf_counter()
        s = slow(Msg("u", 0))
        await fast(Msg("u", 0))
        fast_done = time.perf_counter() - t0
        await s
        return fast_done

    assert asyncio.run(main()) < 0.5


def test_control_flow_on_a_placeholder_value_in_a_script():
    x = AddAgent("a", 4)(Msg("u", 0))
    if x.content > 3:  # blocks here until resolved
        y = AddAgent("b", 10)(x)
    assert y.content == 14


def test_failure_surfaces_where_read_with_original_kept():
    x = FailingAgent("broken")(Msg("u", 0))
    y = AddAgent("after", 1)(x)  # downstream of a failure
    with pytest.raises(AgentCallError) as info:
        _ = x.content
    assert isinstance(info.value.original, ValueError)
    assert info.value.__cause__ is info.value.original
    assert info.value.agent == "broken"
    assert "broken#1" in str(info.value)
    with pytest.raises(AgentCallError) as info2:
        _ = y.content
    assert info2.value.agent == "broken"


def test_failure_surfaces_where_awaited():
    async def main():
        with pytest.raises(AgentCallError) as info:
            await FailingAgent("broken")(Msg("u", 0))
        return info.value

    err = asyncio.run(main())
    assert isinstance(err.original, ValueError)


def test_sync_reply_failure_surfaces_too():
    class Bad(ac.Agent):
        def reply(self, x):
            raise KeyError("nope")

    with pytest.raises(AgentCallError) as info:
        Bad("bad")().content
    assert isinstance(info.value.original, KeyError)


def test_sync_read_in_async_code_gives_the_value():
    """A sync helper called from async code may read a placeholder: the agents run on the
    runtime's own loop, not the caller's, so blocking this thread stalls no agent."""
    def helper(p):
        return p.content

    async def main():
        x = SleepyAgent("s", 0.2)(Msg("u", 0))
        y = SleepyAgent("t", 0.1)(x)
        return helper(y), (await y).content

    assert asyncio.run(main()) == (2, 2)


def test_reading_unresolved_placeholder_inside_an_async_reply_is_a_clear_error():
    class Reader(ac.Agent):
        async def reply(self, x):
            p = SleepyAgent("inner", 0.1)(x)
            try:
                _ = p.content
            except PlaceholderReadError as exc:
                assert "await" in str(exc)
                return Msg(self.name, (await p).content + 10)
            return Msg(self.name, -1)

    assert Reader("r")(Msg("u", 0)).content == 11


def test_sequence_ids_are_stable_per_agent():
    a = AddAgent("alice", 1)
    ids = [a(Msg("u", 0)).seq_id for _ in range(3)]
    assert ids == ["alice#1", "alice#2", "alice#3"]
    ac.wait_all()


def test_calling_with_no_argument_gives_reply_none():
    seen = []

    class Probe(ac.Agent):
        async def reply(self, x):
            seen.append(x)
            return Msg(self.name, "ok")

    assert Probe("p")().content == "ok"
    assert seen == [None]


def test_mailbox_handles_one_entry_at_a_time_in_order():
    log = []

    class Slow(ac.Agent):
        async def reply(self, x):
            log.append(("start", x.content))
            await asyncio.sleep(0.05)
            log.append(("end", x.content))
            return x

    s = Slow("s")
    outs = [s(Msg("u", i)) for i in range(3)]
    assert [o.content for o in outs] == [0, 1, 2]
    assert log == [("start", 0), ("end", 0), ("start", 1), ("end", 1), ("start", 2), ("end", 2)]


def test_observe_from_outside_is_a_mailbox_entry():
    class Slow(ac.Agent):
        async def reply(self, x):
            await asyncio.sleep(0.1)
            self.memory.add(Msg(self.name, "reply"))
            return Msg(self.name, "reply")

    s = Slow("s")
    s()
    s.observe(Msg("u", "later"))  # enqueued behind the running call
    ac.wait_all()
    assert [m.content for m in s.memory.get()] == ["reply", "later"]


def test_reply_may_read_other_agents_from_a_worker_thread():
    class Boss(ac.Agent):
        def __init__(self, name, helper):
            super().__init__(name)
            self.helper = helper

        def reply(self, x):  # plain def: a worker thread that reads a placeholder
            return Msg(self.name, self.helper(x).content * 2)

    boss = Boss("boss", AddAgent("helper", 1))
    assert boss(Msg("u", 1)).content == 4


def test_placeholders_from_several_threads():
    agent = AddAgent("shared", 1)
    results = []

    def worker(i):
        results.append(agent(Msg("u", i)).content)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(results) == [i + 1 for i in range(8)]


def test_reply_returning_a_string_or_none():
    class Plain(ac.Agent):
        async def reply(self, x):
            return "just text"

    class Nothing(ac.Agent):
        async def reply(self, x):
            return None

    assert Plain("p")().content == "just text"
    nothing = Nothing("n")()
    assert nothing.result() is None
    with pytest.raises(AttributeError, match="returned None"):
        _ = nothing.content
