"""W4: 10,000 dialog agents, each holding 10 messages in memory. Prints KB per agent
(RSS delta / 10,000)."""

from __future__ import annotations

import gc

from _common import emit, rss_kb

import agentcast as ac
from agentcast.testing import FunctionModel


def run() -> float:
    model = FunctionModel(lambda msgs: "ok")
    ac.DialogAgent("warm", model=model).memory.add(ac.Msg("u", "warm"))
    gc.collect()
    before = rss_kb()
    agents = []
    for i in range(10_000):
        agent = ac.DialogAgent(f"agent-{i}", "You are a helpful assistant.", model=model)
        for j in range(10):
            agent.memory.add(ac.Msg("user" if j % 2 == 0 else agent.name,
                                    f"message {j} of agent {i}",
                                    role="user" if j % 2 == 0 else "assistant"))
        agents.append(agent)
    gc.collect()
    delta = rss_kb() - before
    assert sum(a.memory.size() for a in agents) == 100_000
    return delta / 10_000


if __name__ == "__main__":
    emit("W4", run(), "KB/agent", "<= 5")
