"""W7: 10,000 agents, each one simulated 1 s model call, all in flight together.
Prints wall seconds and peak RSS."""

from __future__ import annotations

import time

from _common import emit, peak_rss_mb

import agentcast as ac
from agentcast.testing import FunctionModel


def run() -> float:
    model = FunctionModel(lambda msgs: "done", latency=1.0)
    agents = [ac.DialogAgent(f"d{i}", model=model) for i in range(10_000)]
    x = ac.Msg("user", "go", role="user")
    t0 = time.perf_counter()
    outs = [a(x) for a in agents]
    assert all(o.content == "done" for o in outs)
    return time.perf_counter() - t0


if __name__ == "__main__":
    value = run()
    emit("W7", value, "s", "<= 1.5 s; <= 1 GB", peak_rss_mb=round(peak_rss_mb(), 1))
