"""W6: to_dist() agents on a local Ray. (a) 200 sequential calls to an instant remote agent,
each result read before the next call: ms per call. (b) 20 remote agents whose model waits
200 ms, called at once from a plain script: wall seconds. Prints one JSON line.

    python bench/w6_ray.py [--runs 5] [--shared-host]

Each remote agent gets its own host process (the default of to_dist) unless --shared-host.
Ray start-up and the first call of each agent (its process start) are warm-up, not measured.
"""

from __future__ import annotations

import argparse
import statistics
import time

from _common import emit

import agentcast as ac
from agentcast.runtime.ray_backend import AgentHost
from agentcast.testing import FunctionModel


class Inc(ac.Agent):
    """An instant agent: adds one."""

    async def reply(self, x: ac.Msg) -> ac.Msg:
        return ac.Msg(self.name, x.content + 1)


def sequential(agent: ac.Agent, n: int = 200) -> float:
    x = ac.Msg("user", 0)
    t0 = time.perf_counter()
    for i in range(n):
        out = agent(x)
        assert out.content == 1, i
    return (time.perf_counter() - t0) / n * 1000


def parallel(agents: list[ac.Agent]) -> float:
    x = ac.Msg("user", "go", role="user")
    t0 = time.perf_counter()
    outs = [a(x) for a in agents]
    assert [o.content for o in outs] == ["done"] * len(agents)
    return time.perf_counter() - t0


def ray_floor(n: int = 200) -> float:
    """ms per bare Ray call to an async actor method (ray.get each): the floor under W6."""
    from agentcast.runtime.ray_backend import ensure_ray

    ray = ensure_ray()

    @ray.remote(num_cpus=0)
    class Echo:
        async def f(self, x: object) -> object:
            return x

    echo = Echo.remote()
    for _ in range(50):
        ray.get(echo.f.remote(0))
    t0 = time.perf_counter()
    for i in range(n):
        ray.get(echo.f.remote(i))
    return (time.perf_counter() - t0) / n * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--shared-host", action="store_true")
    args = parser.parse_args()
    inc = Inc("inc").to_dist()
    model = FunctionModel(lambda msgs: "done", latency=0.2)
    host = AgentHost("w6-host") if args.shared_host else None
    sleepers = [ac.DialogAgent(f"d{i}", model=model).to_dist(host=host) for i in range(20)]
    for _ in range(50):  # warm-up: process start, connections, code paths
        inc(ac.Msg("user", 0)).content
    parallel(sleepers)
    ms = [sequential(inc) for _ in range(args.runs)]
    wall = [parallel(sleepers) for _ in range(args.runs)]
    floor = [ray_floor() for _ in range(args.runs)]
    emit("W6", statistics.median(ms), "ms/call", "<= 0.9 ms; <= 0.21 s",
         bare_ray_call_ms=round(statistics.median(floor), 3),
         parallel_s=round(statistics.median(wall), 4), runs_ms=[round(v, 3) for v in ms],
         runs_parallel_s=[round(v, 3) for v in wall], shared_host=args.shared_host)


if __name__ == "__main__":
    main()
