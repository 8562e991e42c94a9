"""A user and an assistant talking (the paper's standalone conversation).

Offline (no model configured) the assistant is a built-in scripted model, and when there is
no terminal to type into the user's lines are scripted too, so this runs anywhere:

    python examples/conversation.py
    python examples/conversation.py --model openai:gpt-4o-mini        # a real provider
    python examples/conversation.py --model-config models.json --model my-config
"""

from __future__ import annotations

import argparse
import sys

import agentcast as ac
from agentcast.testing import FunctionModel

SCRIPTED_USER = [
    "Hi! Can you help me plan a weekend in Lisbon?",
    "What should I eat there?",
    "Thanks, that's all.",
    "exit",
]


def offline_assistant(messages: list[ac.Msg]) -> str:
    """A tiny rule-based assistant so the demo runs with no model and no network."""
    last = str(messages[-1].content).lower()
    turns = sum(1 for m in messages if m.role == "user")
    if "eat" in last or "food" in last:
        return "Try pastéis de nata in Belém, grilled sardines, and bifana sandwiches."
    if "thank" in last:
        return "You're welcome. Enjoy the trip!"
    if "lisbon" in last or "plan" in last:
        return ("Day 1: Alfama and the castle at sunset. Day 2: Belém and the LX Factory. "
                "Ride tram 28 early to skip the queue.")
    return f"(turn {turns}) Tell me more about what you need."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a config name or 'provider:model'")
    parser.add_argument("--model-config", help="a JSON/YAML file of model configs")
    parser.add_argument("--max-turns", type=int, default=10)
    args = parser.parse_args(argv)

    ac.init(model_configs=args.model_config, run_dir=None)
    model = args.model or FunctionModel(offline_assistant, config_name="offline-assistant")
    assistant = ac.DialogAgent("Assistant", "You are a helpful travel assistant.", model=model)

    if sys.stdin.isatty():
        user = ac.UserAgent("User")
    else:
        lines = iter(SCRIPTED_USER)
        user = ac.UserAgent("User", input_func=lambda prompt: next(lines, "exit"))

    x = None
    for _ in range(args.max_turns):  # bounded: every loop has a cap
        x = user(x)
        if ac.UserAgent.is_exit(x):
            break
        user.speak(x) if not sys.stdin.isatty() else None
        x = assistant(x)
    print("conversation ended")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
