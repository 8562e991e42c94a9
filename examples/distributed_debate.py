"""A distributed debate: debaters run in Ray actors, the judge runs here, all in one msghub.

Every debater hears every other one through the hub (deliveries go actor to actor as
references), and the local judge hears them all. Offline models keep it runnable anywhere:

    python examples/distributed_debate.py [--rounds 2] [--address HEAD:6379] [--shared-host]
"""

from __future__ import annotations

import argparse

import agentcast as ac
from agentcast.testing import FunctionModel

TOPIC = "Should cities ban cars from their centres?"
STANCES = {"Pro": "for", "Con": "against", "Skeptic": "unsure about"}


def debater(name: str, stance: str) -> FunctionModel:
    def speak(messages: list[ac.Msg]) -> str:
        # A model sees the others' words as user turns naming them (its own as assistant).
        heard = [m for m in messages
                 if m.role != "system" and m.name not in (name, "Moderator")]
        others = sorted({m.name for m in heard})
        reply = f"I am {stance} it. I have heard {len(heard)} arguments"
        return reply + (f" from {', '.join(others)}." if others else ".")

    return FunctionModel(speak, config_name=f"debater-{name}")


def judge_model(messages: list[ac.Msg]) -> str:
    counts: dict[str, int] = {}
    for m in messages:
        if m.role != "system" and m.name not in ("Moderator", "Judge"):
            counts[m.name] = counts.get(m.name, 0) + len(str(m.content))
    if not counts:
        return "No arguments were made."
    winner = max(sorted(counts), key=lambda name: counts[name])
    return f"The most thorough debater was {winner} ({counts[winner]} characters)."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--address", help="a Ray cluster to join (default: RAY_ADDRESS or local)")
    parser.add_argument("--shared-host", action="store_true",
                        help="host all debaters in one process instead of one each")
    args = parser.parse_args(argv)
    ac.init(run_dir=None)

    host = "debate-hall" if args.shared_host else None
    debaters = [
        ac.DialogAgent(name, f"You argue {stance} the motion.", model=debater(name, stance))
        .to_dist(address=args.address, host=host)
        for name, stance in STANCES.items()
    ]
    judge = ac.DialogAgent("Judge", "You judge the debate.",
                           model=FunctionModel(judge_model, config_name="judge"))
    motion = ac.Msg("Moderator", f"The motion: {TOPIC}", role="user")

    with ac.msghub([*debaters, judge], announcement=motion):
        for _ in range(args.rounds):
            for d in debaters:
                d()  # placeholders; each debater has heard the ones before it
    verdict = judge(ac.Msg("Moderator", "Who argued best?", role="user"))
    text = verdict.content  # reading waits for the debate and the judge
    for m in judge.memory.get()[:-1]:
        if m.role == "assistant":
            print(f"{m.name}: {m.content}")
    print(f"verdict: {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
