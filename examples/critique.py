"""Agent-level critique: an answer is checked for semantic errors and revised (the paper's
self-critique and pairwise critique).

Format errors are caught by parsing; *semantic* errors (a wrong step in an otherwise
well-formed answer) need judgement. In **self-critique** the answering agent reviews its own
answer; in **pairwise critique** a second agent does. Either way the review is a JSON verdict
(``{"correct": bool, "feedback": str}`` from a DictDialogAgent) and a wrong answer is sent
back with the feedback, at most ``--max-rounds`` times.

Offline the solver is rule-based and makes an arithmetic slip on its first try; the
reviewer (same rules in self mode) recomputes each ``a op b = c`` claim:

    python examples/critique.py                  # both modes, offline
    python examples/critique.py --mode pairwise --model openai:gpt-4o-mini
"""

from __future__ import annotations

import argparse
import json
import os
import re
from typing import Any

import agentcast as ac
from agentcast import Msg
from agentcast.testing import FunctionModel

QUESTION = "A crate holds 17 rows of 24 bottles, and 13 loose bottles lie beside it. " \
           "How many bottles are there?"
REVIEW = ("Review the answer below for mistakes in reasoning or arithmetic. Recompute every "
          "step. Set correct to true only if every step is right; otherwise explain the "
          "mistake in feedback.\n\nAnswer to review:\n{answer}")
CLAIM = re.compile(r"(\d+)\s*([*x+-])\s*(\d+)\s*=\s*(\d+)")


def check_claims(text: str) -> list[str]:
    """The arithmetic claims in ``text`` that are wrong, explained."""
    ops = {"*": lambda a, b: a * b, "x": lambda a, b: a * b, "+": lambda a, b: a + b,
           "-": lambda a, b: a - b}
    wrong = []
    for a, op, b, c in CLAIM.findall(text):
        value = ops[op](int(a), int(b))
        if value != int(c):
            wrong.append(f"{a} {op} {b} is {value}, not {c}")
    return wrong


def offline_model(messages: list[Msg]) -> str:
    """Solver and reviewer in one set of rules (so self-critique uses the same 'model')."""
    last = str(messages[-2].content if messages[-1].name == "system" else messages[-1].content)
    if last.startswith("Review"):
        answer = last.split("Answer to review:", 1)[-1]
        wrong = check_claims(answer)
        return json.dumps({"correct": not wrong,
                           "feedback": "; ".join(wrong) or "Every step checks out."})
    if any("mistake" in str(m.content) for m in messages):
        return "17 * 24 = 408, and 408 + 13 = 421. There are 421 bottles."
    return "17 * 24 = 398, and 398 + 13 = 411. There are 411 bottles."


def reviewer(name: str, model: Any, sys_prompt: str) -> ac.DictDialogAgent:
    return ac.DictDialogAgent(name, sys_prompt, model, required_keys=["correct", "feedback"],
                              keys_to_content=True, keys_to_metadata=["correct", "feedback"],
                              use_memory=False, verbose=False)


def critique(solver: ac.DialogAgent, judge: ac.DictDialogAgent, question: str,
             max_rounds: int) -> tuple[str, int]:
    """Answer, review, revise until the judge accepts (or the cap). Returns (answer, rounds)."""
    answer = solver(Msg("user", question, role="user"))
    for round_no in range(1, max_rounds + 1):
        verdict = judge(Msg("user", REVIEW.format(answer=answer.content), role="user"))
        ok = verdict.metadata.get("correct") is True
        print(f"   🔎 {judge.name}: {'correct' if ok else 'wrong'} - "
              f"{verdict.metadata.get('feedback')}")
        if ok:
            return str(answer.content), round_no
        answer = solver(Msg(judge.name, f"There is a mistake: {verdict.metadata.get('feedback')}"
                            " Please revise your answer.", role="user"))
    return str(answer.content), max_rounds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=os.environ.get("AGENTCAST_MODEL"))
    parser.add_argument("--model-config", default=os.environ.get("AGENTCAST_MODEL_CONFIG"))
    parser.add_argument("--mode", choices=["self", "pairwise", "both"], default="both")
    parser.add_argument("--max-rounds", type=int, default=3)
    args = parser.parse_args(argv)
    if args.model_config:
        ac.init(model_configs=args.model_config, run_dir=None, logger_level="WARNING")
    solver_prompt = "You solve word problems step by step, writing each step as 'a * b = c'."
    for mode in (["self", "pairwise"] if args.mode == "both" else [args.mode]):
        print(f"\n== {mode}-critique ==")
        model = args.model or FunctionModel(offline_model, config_name=f"offline-{mode}")
        solver = ac.DialogAgent("solver", solver_prompt, model)
        if mode == "self":  # the solver's own model and persona judge its answer
            judge = reviewer("solver (self-check)", model, solver_prompt)
        else:
            other = args.model or FunctionModel(offline_model, config_name="offline-critic")
            judge = reviewer("critic", other, "You are a meticulous reviewer of solutions.")
        answer, rounds = critique(solver, judge, QUESTION, args.max_rounds)
        print(f"   ✅ final answer after {rounds} review(s): {answer}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
