"""The paper's distributed conversation: you talk to an assistant that runs in a Ray actor.

The assistant is an ordinary DialogAgent moved by ``to_dist()``; the workflow loop is the
same as in examples/conversation.py. Offline (no model given) the assistant uses a built-in
rule-based model, and when there is no terminal (or with --scripted) the user's lines are
scripted too, so this runs anywhere:

    python examples/distributed_conversation.py                      # starts a local Ray
    python examples/distributed_conversation.py --address HEAD:6379  # join a cluster
    python examples/distributed_conversation.py --model openai:gpt-4o-mini
"""

from __future__ import annotations

import argparse
import sys

import agentcast as ac
from agentcast.testing import FunctionModel

SCRIPTED_USER = [
    "Hi! Where do you run?",
    "Can you help me plan a weekend in Lisbon?",
    "What should I eat there?",
    "Thanks, that's all.",
    "exit",
]


def offline_assistant(messages: list[ac.Msg]) -> str:
    """A tiny rule-based assistant; it runs inside the remote process."""
    import os

    last = str(messages[-1].content).lower()
    if "where" in last and "run" in last:
        return f"In a Ray actor, process {os.getpid()}; I remember {len(messages)} messages."
    if "eat" in last or "food" in last:
        return "Try pastéis de nata in Belém, grilled sardines, and bifana sandwiches."
    if "thank" in last:
        return "You're welcome. Enjoy the trip!"
    if "lisbon" in last or "plan" in last:
        return "Day 1: Alfama and the castle at sunset. Day 2: Belém and the LX Factory."
    return "Tell me more about what you need."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", help="a Ray cluster to join (default: RAY_ADDRESS or local)")
    parser.add_argument("--model", help="a config name or 'provider:model'")
    parser.add_argument("--model-config", help="a JSON/YAML file of model configs")
    parser.add_argument("--scripted", action="store_true", help="script the user's lines")
    parser.add_argument("--max-turns", type=int, default=10)
    args = parser.parse_args(argv)

    ac.init(model_configs=args.model_config, run_dir=None)
    model = args.model or FunctionModel(offline_assistant, config_name="offline-assistant")
    assistant = ac.DialogAgent("Assistant", "You are a helpful travel assistant.", model=model)
    assistant = assistant.to_dist(address=args.address)  # the only line that differs

    scripted = args.scripted or not sys.stdin.isatty()
    if scripted:
        lines = iter(SCRIPTED_USER)
        user = ac.UserAgent("User", input_func=lambda prompt: next(lines, "exit"))
    else:
        user = ac.UserAgent("User")

    x = None
    turns = 0
    for _ in range(args.max_turns):  # bounded: every loop has a cap
        x = user(x)
        if ac.UserAgent.is_exit(x):
            break
        if scripted:
            user.speak(x)
        x = assistant(x)
        user.speak(x)  # the assistant speaks in its own process; show its words here
        turns += 1
    remembered = len(assistant.memory.get()) if turns else 0
    print(f"conversation ended after {turns} turns; the remote assistant remembers "
          f"{remembered} messages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
