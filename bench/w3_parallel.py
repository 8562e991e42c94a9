"""W3: 50 agents whose model waits 200 ms, all given the same input, from a plain script with
[a(x) for a in agents] and reading the results. Prints wall seconds."""

from __future__ import annotations

import time

from _common import emit, median_of

import agentcast as ac
from agentcast.testing import FunctionModel


def run() -> float:
    model = FunctionModel(lambda msgs: "done", latency=0.2)
    agents = [ac.DialogAgent(f"d{i}", model=model) for i in range(50)]
    x = ac.Msg("user", "go", role="user")
    t0 = time.perf_counter()
    outs = [a(x) for a in agents]
    assert [o.content for o in outs] == ["done"] * 50
    return time.perf_counter() - t0


if __name__ == "__main__":
    value, runs = median_of(5, run)
    emit("W3", value, "s", "<= 0.21", runs=runs)
