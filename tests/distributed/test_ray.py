"""to_dist on a real two-node Ray: placeholders, parallelism, hubs, placement, faults."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time

import pytest

import agentcast as ac
from agentcast import Msg
from agentcast.exceptions import AgentCallError, AgentDiedError, DistributedTimeoutError
from agentcast.runtime.ray_backend import AgentHost, DistributedAgent

from ..core.helpers import AddAgent, EchoAgent, MulAgent
from .helpers import Boom, SleepyAdd, Where

pytestmark = [pytest.mark.ray, pytest.mark.timeout(240)]


@pytest.fixture(scope="module")
def shared(ray_cluster):
    """One host process for the tests that do not need a process per agent."""
    return AgentHost("shared-test-host")


def val(ph, timeout=90.0):
    """The placeholder's value, failing (not hanging) if it takes too long."""
    from agentcast.runtime.scheduler import get_runtime

    assert get_runtime().wait(ph, timeout=timeout), f"{ph!r} did not resolve in {timeout} s"
    return ph.result()


def warm(*agents):
    for a in agents:
        val(a(Msg("u", 0)), 120)


def test_chained_remote_placeholders_return_at_once(ray_cluster):
    a, b, c = (SleepyAdd(n, 1.0).to_dist() for n in ("ra", "rb", "rc"))
    assert isinstance(a, ac.Agent) and a.name == "ra"
    warm(a, b, c)
    t0 = time.perf_counter()
    x = c(b(a(Msg("u", 0))))
    assert time.perf_counter() - t0 < 0.5
    assert val(x).content == 3
    assert 2.8 < time.perf_counter() - t0 < 4.5
    # each ran in its own process; b's input came from a's process, not from the driver
    assert len({a.host.pid(), b.host.pid(), c.host.pid()}) == 3
    assert b.memory.get()[-2].metadata["pid"] == a.host.pid()


def test_independent_remote_agents_run_in_parallel(shared):
    agents = [SleepyAdd(f"par{i}", 1.0).to_dist(host=shared) for i in range(4)]
    warm(agents[0])
    t0 = time.perf_counter()
    outs = [a(Msg("u", 1)) for a in agents]
    assert [val(o).content for o in outs] == [2, 2, 2, 2]
    assert time.perf_counter() - t0 < 1.9


def test_async_code_awaits_remote_placeholders(shared):
    a = SleepyAdd("async-a", 0.3).to_dist(host=shared)
    b = SleepyAdd("async-b", 0.3).to_dist(host=shared)

    async def main():
        x = b(a(Msg("u", 0)))
        return (await x).content, [m.content for m in await asyncio.gather(a(), b())]

    assert asyncio.run(asyncio.wait_for(main(), 90)) == (2, [1, 1])


def test_hybrid_local_and_remote_agents_in_a_msghub(shared):
    a1 = EchoAgent("h1", "m1")  # local
    a2 = EchoAgent("h2", "m2").to_dist(host=shared)
    a3 = EchoAgent("h3", "m3").to_dist(host=shared)
    outsider = EchoAgent("h-out").to_dist(host=shared)
    with ac.msghub([a1, a2]) as hub:
        a1()
        a2()
        hub.delete(a1)
        hub.add(a3)
        a3()
        hub.broadcast(Msg("host", "m4"))
    assert ac.wait_all(timeout=90)
    assert [m.content for m in a2.memory.get()] == ["m1", "m2", "m3", "m4"]
    assert [m.content for m in a1.memory.get()] == ["m1", "m2"]
    assert [m.content for m in a3.memory.get()] == ["m3", "m4"]
    assert outsider.memory.get() == []


def test_pipelines_mix_local_and_remote(shared):
    add1 = AddAgent("p+1", 1)
    add2 = AddAgent("p+2", 2).to_dist(host=shared)
    times3 = MulAgent("px3", 3).to_dist(host=shared)
    assert val(ac.sequential_pipeline([add1, add2, times3], Msg("u", 0))).content == 9
    outs = ac.fanout_pipeline([add2, times3, add1], Msg("u", 4))
    assert [val(o).content for o in outs] == [6, 12, 5]
    loop = ac.for_loop_pipeline(add2, 10, break_func=lambda m: m.content > 5, x=Msg("u", 0))
    assert val(loop).content == 6


def test_errors_surface_typed_where_read(shared):
    boom = Boom("boom").to_dist(host=shared)
    after = SleepyAdd("after-boom").to_dist(host=shared)
    x = after(boom(Msg("u", 0)))
    with pytest.raises(AgentCallError) as info:
        val(x)
    assert info.value.agent == "boom" and isinstance(info.value.original, ValueError)


def test_timeout_per_call(shared):
    slow = SleepyAdd("slow", 30.0).to_dist(host=shared, timeout=1.0)
    t0 = time.perf_counter()
    with pytest.raises(AgentCallError) as info:
        val(slow(Msg("u", 0)))
    assert isinstance(info.value.original, DistributedTimeoutError)
    assert "slow" in str(info.value) and time.perf_counter() - t0 < 5


def test_placement_by_resource_and_node(ray_cluster):
    import ray

    alive = [n for n in ray.nodes() if n["Alive"]]
    org_b = [n for n in alive if "org_b" in n["Resources"]]
    head = [n for n in alive if "org_b" not in n["Resources"]]
    assert org_b[0]["NodeManagerAddress"] == "127.0.0.3"
    b = Where("where-b").to_dist(resources={"org_b": 1})
    a = Where("where-a").to_dist(node=head[0]["NodeManagerAddress"])  # by IP
    a2 = Where("where-a2").to_dist(node=org_b[0]["NodeID"])  # by node id
    assert val(b(), 120).content == org_b[0]["NodeID"]
    assert val(a(), 120).content == head[0]["NodeID"]
    assert val(a2(), 120).content == org_b[0]["NodeID"]


def test_many_agents_share_one_host_process(shared):
    agents = [SleepyAdd(f"many{i}").to_dist(host=shared) for i in range(200)]
    outs = ac.fanout_pipeline(agents, Msg("u", 1))
    assert {val(o).content for o in outs} == {2}
    assert {o.metadata["pid"] for o in outs} == {shared.pid()}


def test_killed_host_restarts_with_memory_and_retries_the_call(ray_cluster):
    agent = SleepyAdd("phoenix", 1.5).to_dist(max_restarts=2)
    assert val(agent(Msg("u", 0)), 120).content == 1
    pid = agent.host.pid()
    x = agent(Msg("u", 10))
    threading.Timer(0.5, os.kill, (pid, signal.SIGKILL)).start()
    assert val(x, 120).content == 11  # retried once on the restarted process
    assert agent.host.pid() != pid
    assert [m.content for m in agent.memory.get()] == [0, 1, 10, 11]


def test_killed_host_without_restarts_fails_typed(ray_cluster):
    agent = SleepyAdd("mortal", 2.0).to_dist(max_restarts=0)
    pid = agent.host.pid()
    x = agent(Msg("u", 0))
    threading.Timer(0.5, os.kill, (pid, signal.SIGKILL)).start()
    t0 = time.perf_counter()
    with pytest.raises(AgentCallError) as info:
        val(x)
    assert isinstance(info.value.original, AgentDiedError)
    assert info.value.original.agent == "mortal"
    assert time.perf_counter() - t0 < 60
    with pytest.raises(AgentCallError):  # later calls fail at once, never hang
        val(agent(Msg("u", 0)), 30)


def test_to_dist_twice_is_the_same_proxy(shared):
    a = SleepyAdd("twice").to_dist(host=shared)
    assert isinstance(a, DistributedAgent) and a.to_dist() is a
