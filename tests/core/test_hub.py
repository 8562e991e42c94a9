"""DESIGN.md msghub semantics, from a plain script and from async code."""

import asyncio

import agentcast as ac
from agentcast import Msg

from .helpers import EchoAgent


def contents(agent):
    return [m.content for m in agent.memory.get()]


def test_hub_ordering_script():
    a1, a2, a3 = EchoAgent("a1", "m1"), EchoAgent("a2", "m2"), EchoAgent("a3", "m3")
    outsider = EchoAgent("outsider")
    with ac.msghub([a1, a2]) as hub:
        a1()
        a2()
        hub.delete(a1)
        hub.add(a3)
        a3()
        hub.broadcast(Msg("host", "m4"))
    ac.wait_all()
    assert contents(a2) == ["m1", "m2", "m3", "m4"]
    assert contents(a1) == ["m1", "m2"]  # deleted before m3 and m4
    assert contents(a3) == ["m3", "m4"]
    assert contents(outsider) == []


def test_hub_ordering_async():
    async def main():
        a1, a2, a3 = EchoAgent("a1", "m1"), EchoAgent("a2", "m2"), EchoAgent("a3", "m3")
        async with ac.msghub([a1, a2]) as hub:
            await a1()
            a2()
            hub.delete(a1)
            hub.add(a3)
            await a3()
            hub.broadcast(Msg("host", "m4"))
        await ac.wait_all_async()
        return contents(a2)

    assert asyncio.run(main()) == ["m1", "m2", "m3", "m4"]


def test_announcement_observed_once_on_entry():
    a, b = EchoAgent("a"), EchoAgent("b")
    hello = Msg("host", "welcome")
    with ac.msghub([a, b], announcement=hello) as hub:
        c = EchoAgent("c")
        hub.add(c)
        hub.add(c)  # adding twice does not deliver twice
    ac.wait_all()
    for agent in (a, b, c):
        assert contents(agent) == ["welcome"]


def test_later_speaker_has_seen_earlier_speakers_before_replying():
    class Counter(ac.Agent):
        async def reply(self, x):
            seen = [m.content for m in self.memory.get()]
            out = Msg(self.name, f"{self.name} saw {seen}")
            self.memory.add(out)
            return out

    a, b, c = Counter("a"), Counter("b"), Counter("c")
    with ac.msghub([a, b, c]):
        ra, rb, rc = a(), b(), c()
    assert rc.content == f"c saw {[ra.content, rb.content]}"


def test_nested_hubs_deliver_once_and_respect_scope():
    a, b, c = EchoAgent("a", "hi"), EchoAgent("b"), EchoAgent("c")
    with ac.msghub([a, b, c]):
        with ac.msghub([a, b]):
            a()
        b()
    a()  # outside every hub: nobody else hears it
    ac.wait_all()
    assert contents(b) == ["hi", "b-1"]
    assert contents(c) == ["hi", "b-1"]


def test_hub_members_exchange_placeholders_without_blocking_the_caller():
    import time

    from .helpers import SleepyAgent

    agents = [SleepyAgent(f"s{i}", 0.2) for i in range(3)]
    t0 = time.perf_counter()
    with ac.msghub(agents):
        outs = [a() for a in agents]
    assert time.perf_counter() - t0 < 0.1
    assert [o.content for o in outs] == [1, 1, 1]
    # each speaker waited for the ones before it (they observe earlier replies first)
    assert time.perf_counter() - t0 > 0.55
