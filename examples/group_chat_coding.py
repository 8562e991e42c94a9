"""A group chat that solves a task: a coder writes code, an executor runs it, a critic checks.

The executor is a UserProxyAgent that runs the coder's code blocks in the sandbox and
replies with the output; the critic approves (and the chat ends on its TERMINATE) or asks
for a fix. Who may speak after whom is a graph (coder -> executor -> critic -> coder), so
the manager only needs its model where the graph leaves a real choice.

Offline (default) the coder and the critic are rule-based: the coder's first program has an
off-by-one bug that the critic catches from the output. With a model, LLMs play both:

    python examples/group_chat_coding.py
    python examples/group_chat_coding.py --model openai:gpt-4o-mini
"""

from __future__ import annotations

import argparse
import os

import agentcast as ac
from agentcast.testing import FunctionModel

TASK = ("Compute the 20th Fibonacci number (F1 = F2 = 1) and the sum of the first 20 primes. "
        "Print both numbers.")

BUGGY = """Here is my solution:
```python
a, b = 0, 1
for _ in range(19):
    a, b = b, a + b
primes = [n for n in range(2, 100) if all(n % d for d in range(2, n))][:20]
print("fib:", a, "primes:", sum(primes))
```"""

FIXED = """Fixed the index:
```python
a, b = 0, 1
for _ in range(20):
    a, b = b, a + b
primes = [n for n in range(2, 100) if all(n % d for d in range(2, n))][:20]
print("fib:", a, "primes:", sum(primes))
```"""


def offline_coder(messages: list[ac.Msg]) -> str:
    """Writes a buggy program first, a fixed one after the critic's feedback."""
    asked_to_fix = any(m.name == "critic" and "fix" in str(m.content) for m in messages)
    return FIXED if asked_to_fix else BUGGY


def offline_critic(messages: list[ac.Msg]) -> str:
    """Checks the executor's last output against the expected numbers."""
    a, b = 0, 1
    for _ in range(20):
        a, b = b, a + b
    primes = [n for n in range(2, 100) if all(n % d for d in range(2, n))][:20]
    output = next((str(m.content) for m in reversed(messages) if m.name == "executor"), "")
    if f"fib: {a} " in output and f"primes: {sum(primes)}" in output:
        return f"The output is correct: F20 = {a}, sum of the first 20 primes = {sum(primes)}. " \
               "APPROVED. TERMINATE"
    return f"The Fibonacci number is wrong (expected {a}); please fix the loop count."


def build(model: str | None) -> tuple[ac.UserProxyAgent, ac.GroupChatManager]:
    coder = ac.AssistantAgent(
        "coder", "You write Python to solve the task, in one ```python block, and fix it when "
        "the critic asks. Never claim results you have not seen executed.",
        model=model or FunctionModel(offline_coder, config_name="offline-coder"))
    coder.description = "writes and fixes Python code"
    executor = ac.UserProxyAgent("executor", human_input_mode="NEVER",  # runs code (sandbox)
                                 default_auto_reply="There is no code to run.")
    executor.description = "runs the code and reports the output"
    critic = ac.DialogAgent(
        "critic", "You check whether the executed output really solves the task. If it does, "
        "say APPROVED and end with TERMINATE; otherwise ask the coder to fix it.",
        model=model or FunctionModel(offline_critic, config_name="offline-critic"))
    critic.description = "checks results and approves or asks for fixes"
    graph = {executor: [critic], coder: [executor], critic: [coder]}
    groupchat = ac.GroupChat(
        [coder, executor, critic], max_round=12,
        # the coder starts; after that the graph decides (and the model, where it cannot)
        speaker_selection_method=lambda last, gc: coder if last not in gc.agents else "auto",
        allowed_or_disallowed_speaker_transitions=graph, speaker_transitions_type="allowed",
        termination=ac.TextMentionTermination("TERMINATE", sources=["critic"]),
    )
    user = ac.UserProxyAgent("user", human_input_mode="NEVER")
    return user, ac.GroupChatManager(groupchat, model=model)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=os.environ.get("AGENTCAST_MODEL"))
    parser.add_argument("--model-config", default=os.environ.get("AGENTCAST_MODEL_CONFIG"))
    args = parser.parse_args(argv)
    if args.model_config:
        ac.init(model_configs=args.model_config, run_dir=None, logger_level="WARNING")
    user, manager = build(args.model)
    result = ac.initiate_chat(user, manager, TASK)
    print(f"\nstopped: {result.stop_reason}; {len(result.history)} messages; "
          f"{result.usage['total_tokens']} tokens")
    print(f"last word: {result.history[-1].content}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
