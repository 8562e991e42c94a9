"""Reads from outside are ordered after work already sent; replies that are lists of
messages; waits that cannot progress raise instead of hanging; the debug view."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

import agentcast as ac
from agentcast import Msg
from agentcast.exceptions import DeadlockError, WaitTimeoutError
from agentcast.runtime.scheduler import get_runtime

from .helpers import AddAgent, SleepyAgent
from .test_runtime_styles import run_script

pytestmark = pytest.mark.timeout(90)  # a regression hangs: fail instead


class Talker(ac.Agent):
    async def reply(self, x):
        await asyncio.sleep(0.02)
        msg = Msg(self.name, f"from {self.name}")
        self.memory.add(msg)
        return msg


def test_memory_read_after_a_hub_block_sees_every_reply_without_wait_all():
    a1, a2 = Talker("a1"), Talker("a2")
    with ac.msghub([a1, a2]):
        a1()
        a2()
    assert [m.content for m in a2.memory.get()] == ["from a1", "from a2"]
    assert [m.content for m in a1.memory.get()] == ["from a1", "from a2"]


def test_memory_size_and_state_dict_are_ordered_too():
    a = SleepyAgent("slow_obs", 0.01)
    for i in range(5):
        a.observe(Msg("u", i))
    assert a.memory.size() == 5
    b = Talker("sd")
    b()
    assert len(b.state_dict()["memory"]) == 1


def test_async_code_awaits_settled_then_reads():
    a1, a2 = Talker("s1"), Talker("s2")

    async def main() -> list[str]:
        async with ac.msghub([a1, a2]):
            a1()
            a2()
        await a2.settled()
        return [m.content for m in a2.memory.get()]

    assert asyncio.run(main()) == ["from s1", "from s2"]


class Pair(ac.Agent):
    """A reply that is two messages."""

    async def reply(self, x):
        return [Msg(self.name, "first"), Msg(self.name, "second")]


def test_a_reply_that_is_a_list_of_messages_reaches_hub_members_as_messages():
    p, other = Pair("pair"), Talker("listener")
    with ac.msghub([p, other]):
        out = p()
    value = out.result()
    assert isinstance(value, list) and [m.content for m in value] == ["first", "second"]
    got = other.memory.get()
    assert [type(m) for m in got] == [Msg, Msg]
    assert [m.content for m in got] == ["first", "second"]


def test_a_list_reply_flows_into_the_next_agent_as_a_list():
    seen = []

    class Count(ac.Agent):
        async def reply(self, x):
            seen.append(x)
            return Msg(self.name, len(x))

    assert Count("count")(Pair("p2")()).content == 2
    assert all(isinstance(m, Msg) for m in seen[0])


def test_reading_content_of_a_list_reply_says_what_to_do():
    with pytest.raises(AttributeError, match="result"):
        _ = Pair("p3")().content


class Ping(ac.Agent):
    """Calls its partner and waits for it: two of them call each other -> a cycle."""

    partner: ac.Agent

    async def reply(self, x):
        return await self.partner(x)


def test_an_agent_parked_on_a_placeholder_nobody_resolves_raises_deadlock():
    never = ac.Placeholder("nobody", 1)
    a = AddAgent("parked", 1)
    out = a(never)
    with pytest.raises(DeadlockError, match="nobody#1") as info:
        out.result(timeout=30)
    assert info.value.waits[0][0] == "parked"
    assert any(r["waits_on"] == "nobody#1" for r in ac.runtime_status()["agents"])
    get_runtime().submit(never.set_result, Msg("late", 1))  # unstick it for later tests
    assert out.content == 2


def test_every_wait_is_bounded():
    slow = SleepyAgent("too_slow", 1)
    with pytest.raises(WaitTimeoutError, match="too_slow"):
        slow(Msg("u", 0)).result(timeout=0.2)


def test_runtime_status_lists_busy_agents_and_queues():
    a = SleepyAgent("status_a", 0.3)
    outs = [a(Msg("u", i)) for i in range(3)]
    status = ac.runtime_status()
    row = next(r for r in status["agents"] if r["agent"] == "status_a")
    assert row["queued"] >= 2
    assert status["busy"] >= 1
    assert [o.content for o in outs] == [1, 2, 3]


def test_a_cycle_in_a_fresh_process_raises_instead_of_hanging():
    out = run_script("""
import agentcast as ac
class Ping(ac.Agent):
    async def reply(self, x):
        return await self.partner(x)
a, b = Ping("a"), Ping("b")
a.partner, b.partner = b, a
try:
    a(ac.Msg("u", 0)).content
except ac.DeadlockError as exc:
        print("deadlock", sorted(n for n, _ in exc.waits), "cycle" in str(exc))
status = ac.runtime_status()
print(sorted((r["agent"], r["waits_on"] is not None) for r in status["agents"]))
ac.init(exit_timeout=1)
""", timeout=60)
    assert "deadlock ['a', 'b'] True" in out
    assert "[('a', True), ('b', True)]" in out


class Manager(ac.Agent):
    """A plain ``def reply`` that calls another agent and reads its result."""

    def __init__(self, name: str, helper: ac.Agent) -> None:
        super().__init__(name)
        self.helper = helper

    def reply(self, x):  # type: ignore[override]
        self.memory.add(x)
        seen = len(self.memory.get())  # a read inside the actor never waits on itself
        r = self.helper(x)
        return Msg(self.name, r.content + seen * 0)


def test_def_replies_that_read_placeholders_keep_working_over_many_calls():
    m = Manager("mgr", AddAgent("helper", 1))
    assert [m(Msg("u", i)).content for i in range(40)] == [i + 1 for i in range(40)]


class Inc(ac.Agent):
    def reply(self, x):  # type: ignore[override]
        self.memory.add(x)
        return Msg(self.name, x.content + 1)


def test_instant_def_replies_give_the_same_results_inline():
    agents = [Inc(f"inc{i}") for i in range(3)]
    outs = [ac.sequential_pipeline(agents, Msg("u", i)).content for i in range(50)]
    assert outs == [i + 3 for i in range(50)]
    assert agents[0].memory.size() == 50


def test_a_def_reply_that_starts_blocking_goes_back_to_threads():
    """After many instant calls a def reply blocks: the first such call may hold the loop,
    later ones run in threads, so other agents keep going."""
    block = threading.Event()

    class Sometimes(ac.Agent):
        def reply(self, x):  # type: ignore[override]
            if block.is_set():
                time.sleep(0.3)
            return Msg(self.name, 1)

    s = Sometimes("sometimes")
    for _ in range(20):
        s().content
    block.set()
    s().content  # blocks inline once (over the budget): now it is a thread agent again
    t0 = time.perf_counter()
    slow = s()
    fast = SleepyAgent("ticker", 0.01)(Msg("u", 0))
    assert fast.content == 1
    assert time.perf_counter() - t0 < 0.25  # the ticker did not wait for the blocked reply
    assert slow.content == 1


def test_a_cycle_awaited_from_async_code_raises_deadlock():
    out = run_script("""
import asyncio
import agentcast as ac
class Ping(ac.Agent):
    async def reply(self, x):
        return await self.partner(x)
a, b = Ping("a"), Ping("b")
a.partner, b.partner = b, a
async def main():
    try:
        await a(ac.Msg("u", 0))
    except ac.DeadlockError as exc:
        print("deadlock", sorted(n for n, _ in exc.waits))
asyncio.run(main())
ac.init(exit_timeout=1)
""", timeout=60)
    assert "deadlock ['a', 'b']" in out


def test_slow_inputs_through_copies_are_not_mistaken_for_stalls():
    """Fanout copies, chains of slow agents: long waits that progress never raise."""
    slow = SleepyAgent("slow_src", 0.8)(Msg("u", 0))
    outs = ac.fanout_pipeline([AddAgent("fa", 1), AddAgent("fb", 2)], slow)
    assert [o.content for o in outs] == [2, 3]
    chain = SleepyAgent("c2", 0.6)(SleepyAgent("c1", 0.6)(Msg("u", 0)))
    assert chain.content == 2
