"""W1: a sequential pipeline of 5 instant agents; push one message through it 2,000 times
(10,000 hops) from a plain script, reading each result. Prints µs per hop."""

from __future__ import annotations

import time

from _common import emit, median_of

import agentcast as ac


class Inc(ac.Agent):
    async def reply(self, x: ac.Msg) -> ac.Msg:
        return ac.Msg(self.name, x.content + 1)


def run(agent_class: type[ac.Agent] = Inc) -> float:
    """µs per hop through 5 agents of ``agent_class`` (W1d passes plain-``def`` agents)."""
    agents = [agent_class(f"a{i}") for i in range(5)]
    for i in range(50):  # warm-up
        ac.sequential_pipeline(agents, ac.Msg("user", i)).content
    t0 = time.perf_counter()
    for i in range(2000):
        out = ac.sequential_pipeline(agents, ac.Msg("user", i))
        assert out.content == i + 5
    return (time.perf_counter() - t0) / 10_000 * 1e6


if __name__ == "__main__":
    value, runs = median_of(5, run)
    emit("W1", value, "us/hop", "<= 10", runs=runs)
