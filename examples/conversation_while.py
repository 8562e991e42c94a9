"""A user and an assistant talking, written as a plain while loop (the paper's loop version).

Same agents as ``conversation_pipeline.py``; here the control flow is ordinary Python: the
user speaks, the loop stops on ``exit`` or at the turn cap, the assistant answers.

    python examples/conversation_while.py
    python examples/conversation_while.py --model openai:gpt-4o-mini
"""

from __future__ import annotations

from conversation_pipeline import make_agents, parse_args

import agentcast as ac


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    user, assistant = make_agents(args)
    x = None
    turns = 0
    while turns < args.max_turns:  # bounded: every loop has a cap
        x = user(x)
        if ac.UserAgent.is_exit(x):
            break
        x = assistant(x)
        turns += 1
    print("conversation ended")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
