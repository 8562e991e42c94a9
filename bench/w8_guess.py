"""W8: "guess 2/3 of the average". Each round a moderator broadcasts the prompt to N agents
(a msghub announcement), collects every agent's answer (a random number 0-100 from its
instant model) with a fanout (answers go to the moderator only: O(N) messages a round),
computes 2/3 of the average and broadcasts it to all N.

    python bench/w8_guess.py --agents 1000 --rounds 3
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from _common import emit, peak_rss_mb

import agentcast as ac
from agentcast.testing import FunctionModel


def player_model(seed: int) -> FunctionModel:
    rng = random.Random(seed)
    return FunctionModel(lambda msgs: str(rng.randint(0, 100)), config_name="player")


def play_round(players: list, r: int, timeout: float | None = None) -> float:
    """One round as BENCH.md writes it; returns its wall seconds (shared with w8_ray.py)."""
    t0 = time.perf_counter()
    prompt = ac.Msg("moderator", f"Round {r}: pick a number 0-100; closest to 2/3 of the "
                    "average wins.", role="user")
    with ac.msghub(players, announcement=prompt):
        pass
    answers = ac.fanout_pipeline(players)  # answers reach the moderator only
    values = [int(a.content) for a in answers]
    target = 2 / 3 * statistics.fmean(values)
    with ac.msghub(players) as hub:
        hub.broadcast(ac.Msg("moderator", f"2/3 of the average was {target:.2f}"))
    assert ac.wait_all(timeout=timeout)
    return time.perf_counter() - t0


def run(n: int, rounds: int) -> list[float]:
    model = player_model(0)
    players = [ac.DialogAgent(f"p{i}", model=model) for i in range(n)]
    times = [play_round(players, r) for r in range(rounds)]
    assert players[0].memory.size() == 3 * rounds
    return times


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    times = run(args.agents, args.rounds)
    targets = {1000: "<= 0.1 s", 64000: "<= 3 s", 1_000_000: "<= 60 s and <= 8 GB"}
    emit("W8", statistics.median(times), "s/round", targets.get(args.agents, "-"),
         agents=args.agents, rounds=[round(t, 3) for t in times],
         peak_rss_mb=round(peak_rss_mb(), 1))
