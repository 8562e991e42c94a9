"""W8 on Ray: "guess 2/3 of the average" with N agents spread over a few host actors.

Each round a moderator broadcasts the prompt to N agents (a msghub announcement), collects
every agent's answer (a random number 0-100 from its instant model) with a fanout (answers go
to the moderator only: O(N) messages a round), computes 2/3 of the average and broadcasts
it to all N. The players are to_dist agents sharing ``--hosts`` AgentHost processes (the
paper's agent servers), so 64,000 agents need a handful of processes, not 64,000.

    python bench/w8_ray.py --agents 64000 --rounds 3 --hosts 4
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from _common import emit, peak_rss_mb
from w8_guess import play_round

import agentcast as ac
from agentcast.runtime.ray_backend import AgentHost
from agentcast.testing import FunctionModel


def guess(msgs: list[ac.Msg]) -> str:
    return str(random.randint(0, 100))


def host_rss_mb(hosts: list[AgentHost]) -> float:
    total = 0
    for h in hosts:
        with open(f"/proc/{h.pid()}/statm") as f:
            total += int(f.read().split()[1]) * 4096
    return total / 2**20


def run(n: int, rounds: int, n_hosts: int, keep_state: bool) -> tuple[list[float], float, float]:
    hosts = [AgentHost(f"w8-host-{i}") for i in range(n_hosts)]
    model = FunctionModel(guess, config_name="player")
    t0 = time.perf_counter()
    players = [ac.DialogAgent(f"p{i}", model=model).to_dist(host=hosts[i % n_hosts],
                                                           keep_state=keep_state)
               for i in range(n)]
    assert ac.wait_all(timeout=600)
    setup = time.perf_counter() - t0
    times = [play_round(players, r, timeout=600) for r in range(rounds)]
    assert len(players[-1].memory.get()) == 3 * rounds
    return times, setup, host_rss_mb(hosts)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=64000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--hosts", type=int, default=4)
    parser.add_argument("--keep-state", action="store_true",
                        help="snapshot every agent's state after each batch (for recovery)")
    args = parser.parse_args()
    times, setup, hosts_mb = run(args.agents, args.rounds, args.hosts, args.keep_state)
    targets = {1000: "<= 0.1 s", 64000: "<= 3 s", 1_000_000: "<= 60 s and <= 8 GB"}
    emit("W8", statistics.median(times), "s/round", targets.get(args.agents, "-"),
         agents=args.agents, hosts=args.hosts, ray=True, keep_state=args.keep_state,
         rounds=[round(t, 3) for t in times], setup_s=round(setup, 2),
         driver_peak_rss_mb=round(peak_rss_mb(), 1), hosts_rss_mb=round(hosts_mb, 1))
