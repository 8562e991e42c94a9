"""W2: a msghub of 100 instant agents; 10 rounds, each agent speaks once per round and the hub
delivers to the other 99 (99,000 deliveries). Prints deliveries per second."""

from __future__ import annotations

import time

from _common import emit, median_of

import agentcast as ac


class Speaker(ac.Agent):
    async def reply(self, x: ac.Msg | None) -> ac.Msg:
        return ac.Msg(self.name, "hi")


def run() -> float:
    agents = [Speaker(f"s{i}") for i in range(100)]
    t0 = time.perf_counter()
    with ac.msghub(agents):
        last = None
        for _ in range(10):
            for a in agents:
                last = a()
    assert last is not None
    last.content
    ac.wait_all()
    elapsed = time.perf_counter() - t0
    assert all(a.memory.size() == 990 for a in agents), agents[0].memory.size()
    return 99_000 / elapsed


if __name__ == "__main__":
    value, runs = median_of(5, run)
    emit("W2", value, "deliveries/s", ">= 300000", runs=[round(r) for r in runs])
