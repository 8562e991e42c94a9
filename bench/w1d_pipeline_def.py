"""W1d: W1 with plain ``def reply`` agents (the way most AgentScope users write them):
a sequential pipeline of 5 instant agents, 2,000 pushes (10,000 hops) from a plain script,
reading each result. Prints µs per hop."""

from __future__ import annotations

from _common import emit, median_of
from w1_pipeline import run

import agentcast as ac


class Inc(ac.Agent):
    def reply(self, x: ac.Msg) -> ac.Msg:  # type: ignore[override]
        return ac.Msg(self.name, x.content + 1)


if __name__ == "__main__":
    value, runs = median_of(5, lambda: run(Inc))
    emit("W1d", value, "us/hop", "<= 20", runs=runs)
