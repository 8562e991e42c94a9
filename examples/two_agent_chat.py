"""Two-agent chat (AutoGen style): a user proxy and an assistant auto-reply to each other.

The assistant writes code, the user proxy runs it in the sandbox and replies with the
output, until the assistant says TERMINATE. ``--human`` puts a person in the loop
(``TERMINATE`` mode: asked only when the assistant wants to stop). Offline the assistant is
scripted:

    python examples/two_agent_chat.py
    python examples/two_agent_chat.py --model openai:gpt-4o-mini --human
"""

from __future__ import annotations

import argparse
import asyncio
import os

import agentcast as ac
from agentcast.testing import ScriptedModel

SCRIPT = [
    "Let me count the words.\n```python\ntext = 'the quick brown fox jumps over the lazy dog'\n"
    "print(len(text.split()))\n```",
    "The sentence has 9 words. TERMINATE",
]


async def run(args: argparse.Namespace) -> ac.ChatResult:
    assistant = ac.AssistantAgent("assistant", model=args.model or ScriptedModel(SCRIPT))
    user = ac.UserProxyAgent("user", human_input_mode="TERMINATE" if args.human else "NEVER",
                             max_consecutive_auto_reply=5,  # runs code in the sandbox
                             is_termination_msg=lambda m: m["content"].rstrip().endswith(
                                 "TERMINATE"))
    return await ac.initiate_chat_async(
        user, assistant, "How many words are in 'the quick brown fox jumps over the lazy dog'?",
        max_turns=6, summary_method="reflection_with_llm" if args.model else "last_msg",
        termination=ac.TimeoutTermination(300))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=os.environ.get("AGENTCAST_MODEL"))
    parser.add_argument("--model-config", default=os.environ.get("AGENTCAST_MODEL_CONFIG"))
    parser.add_argument("--human", action="store_true")
    args = parser.parse_args(argv)
    if args.model_config:
        ac.init(model_configs=args.model_config, run_dir=None, logger_level="WARNING")
    result = asyncio.run(run(args))  # the async form; ac.initiate_chat is the blocking one
    print(f"\nsummary: {result.summary}\nstopped: {result.stop_reason}; "
          f"tokens: {result.usage['total_tokens']}; cost: ${result.total_cost:.6f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
