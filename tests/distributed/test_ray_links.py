"""On a real Ray: agents that hold other distributed agents, and replies that do not decode."""

from __future__ import annotations

import time

import pytest

import agentcast as ac
from agentcast import Msg
from agentcast.exceptions import AgentCallError, ReplyDecodeError
from agentcast.runtime.ray_backend import AgentHost

from .helpers import NotJson, Relay, SleepyAdd
from .test_ray import val

pytestmark = [pytest.mark.ray, pytest.mark.timeout(240)]


def test_a_distributed_agent_can_hold_and_call_other_distributed_agents(ray_cluster):
    host = AgentHost("links-host")
    adder = SleepyAdd("links-add").to_dist()  # a process of its own
    relay = Relay("links-relay", adder).to_dist(host=host)
    outer = Relay("links-outer", relay, factor=2).to_dist()  # a chain of three processes
    assert val(relay(Msg("u", 1)), 120).content == 20  # (1 + 1) * 10
    r = outer(Msg("u", 2))
    assert val(r, 120).content == 60  # ((2 + 1) * 10) * 2
    assert val(adder(Msg("u", 5))).content == 6  # the driver still talks to it directly
    # the adder saw the relays' calls (inputs from the relay's process) and the driver's
    assert [m.content for m in adder.memory.get()] == [1, 2, 2, 3, 5, 6]
    assert [m.content for m in relay.memory.get()] == [1, 20, 2, 30]
    assert relay.memory.get()[-1].metadata["pid"] == host.pid()


def test_a_reply_that_cannot_be_decoded_fails_at_once_naming_agent_and_field(ray_cluster):
    bad = NotJson("links-bad").to_dist(timeout=600)
    assert val(bad(Msg("u", "fine")), 120).content == "ok"  # warm
    t0 = time.perf_counter()
    ph = bad(Msg("u", "bad"))
    with pytest.raises(AgentCallError) as info:
        val(ph, 60)
    assert time.perf_counter() - t0 < 30, "waited for the call timeout instead"
    err = info.value.original
    assert isinstance(err, ReplyDecodeError)
    assert err.agent == "links-bad" and err.field == "content"
    assert "links-bad" in str(err) and "'content'" in str(err)
    # a call in the same batch that decodes is still delivered
    good, worse = bad(Msg("u", "fine")), bad(Msg("u", "bad"))
    assert val(good).content == "ok"
    with pytest.raises(AgentCallError, match="ReplyDecodeError"):
        val(worse)
    assert ac.wait_all(timeout=30)


def test_a_local_input_waiting_on_another_agent_of_the_same_host_does_not_deadlock(ray_cluster):
    """Found by the differential test (seed 5053): ``a(p)`` with ``p`` a local pipeline that
    will call ``b`` later, ``a`` and ``b`` in one host. The host's stream used to hold back
    every later entry behind ``a(p)``, including the call to ``b`` that ``p`` waits for."""
    from ..core.helpers import AddAgent

    host = AgentHost("links-hol")
    a = SleepyAdd("hol-a").to_dist(host=host)
    b = SleepyAdd("hol-b").to_dist(host=host)
    local = AddAgent("hol-local", 1)
    warm = a(Msg("u", 0)), b(Msg("u", 0))
    assert [val(w, 120).content for w in warm] == [1, 1]
    p = ac.if_else_pipeline(lambda x: True, b, None, local(Msg("u", 1)))  # calls b later
    q = a(p)
    assert val(q, 30).content == 4  # 1 + 1 (local), + 1 (b), + 1 (a)
    later = a(Msg("u", 10))  # a's own order is kept: after q
    assert val(later, 30).content == 11
    assert [m.content for m in a.memory.get()][-4:] == [3, 4, 10, 11]
