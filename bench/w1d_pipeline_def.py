"""W1d: W1 with plain ``def reply`` agents (the way most AgentScope users write them):
a sequential pipeline of 5 instant agents, 2,000 pushes (10,000 hops) from a plain script,
reading each result. Prints µs per hop."""

from __future__ import annotations

import time

from _common import emit, median_of

import agentcast as ac


class Inc(ac.Agent):
    def reply(self, x: ac.Msg) -> ac.Msg:  # type: ignore[override]
        return ac.Msg(self.name, x.content + 1)


def run() -> float:
    agents = [Inc(f"a{i}") for i in range(5)]
    for i in range(50):  # warm-up
        ac.sequential_pipeline(agents, ac.Msg("user", i)).content
    t0 = time.perf_counter()
    for i in range(2000):
        out = ac.sequential_pipeline(agents, ac.Msg("user", i))
        assert out.content == i + 5
    return (time.perf_counter() - t0) / 10_000 * 1e6


if __name__ == "__main__":
    value, runs = median_of(5, run)
    emit("W1d", value, "us/hop", "<= 20", runs=runs)
