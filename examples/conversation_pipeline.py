"""A user and an assistant talking, written with pipelines (the paper's pipeline version).

The whole conversation is one ``while_loop_pipeline`` whose body is a sequential pipeline of
the user and (unless the user typed ``exit``) the assistant; the loop has a cap, like every
loop in agentcast. Offline (no model given) the assistant is a rule-based model, and with no
terminal the user's lines are scripted, so this runs anywhere:

    python examples/conversation_pipeline.py
    python examples/conversation_pipeline.py --model openai:gpt-4o-mini
    python examples/conversation_pipeline.py --model-config models.json --model my-config
"""

from __future__ import annotations

import argparse
import os
import sys

import agentcast as ac
from agentcast.testing import FunctionModel

SCRIPTED_USER = ["Hello! What is a message hub?", "And a placeholder?", "Thanks!", "exit"]


def offline_assistant(messages: list[ac.Msg]) -> str:
    """A tiny rule-based assistant so the demo runs with no model and no network."""
    last = str(messages[-1].content).lower()
    if "hub" in last:
        return "A message hub broadcasts every member's reply to all the other members."
    if "placeholder" in last:
        return "A placeholder is a reply that is not there yet; reading it waits for it."
    if "thank" in last:
        return "You're welcome!"
    return "Could you say more?"


def make_agents(args: argparse.Namespace) -> tuple[ac.UserAgent, ac.DialogAgent]:
    if args.model_config:
        ac.init(model_configs=args.model_config, run_dir=None, logger_level="WARNING")
    model = args.model or FunctionModel(offline_assistant, config_name="offline-assistant")
    assistant = ac.DialogAgent("Assistant", "You are a helpful, concise assistant.", model=model)
    if sys.stdin.isatty():
        return ac.UserAgent("User"), assistant
    lines = iter(SCRIPTED_USER)

    def scripted(prompt: str) -> str:
        text = next(lines, "exit")
        print(f"{prompt}{text}")
        return text

    return ac.UserAgent("User", input_func=scripted), assistant


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=os.environ.get("AGENTCAST_MODEL"),
                        help="a config name or 'provider:model' (default: offline rules)")
    parser.add_argument("--model-config", default=os.environ.get("AGENTCAST_MODEL_CONFIG"))
    parser.add_argument("--max-turns", type=int, default=20)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    user, assistant = make_agents(args)
    not_exit = lambda x: not ac.UserAgent.is_exit(x)  # noqa: E731
    turn = ac.SequentialPipeline([user, ac.IfElsePipeline(not_exit, assistant)])
    last = ac.while_loop_pipeline(turn, lambda i, x: x is None or not_exit(x),
                                  max_loop=args.max_turns)
    last.result()
    print("conversation ended")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
