"""Measure how often a small model copies speaker prefixes, old history layout vs new.

Three agents talk; we ask the model, as Ann, for her next line N times with different seeds:

- "before": the history as agentcast sent it until issue 14 (everyone's turns as assistant
  turns, each prefixed "Name: ");
- "after": from Ann's seat (her turns as assistant, Bob's and Cy's as user turns "Name: ...").

A reply that starts with "Name:" (anyone's) copied the layout instead of speaking. Prints one
JSON line per layout. Needs an OpenAI-compatible server (e.g. llama-cpp-python's):

    python scripts/measure_multiparty.py --base-url http://127.0.0.1:8000/v1 --runs 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re

from agentcast import Msg
from agentcast.models.openai_chat import OpenAIChatModel

HISTORY = [
    Msg("system", "You are Ann, a baker in a small village. Talk with Bob and Cy. Reply with "
        "one short sentence.", "system"),
    Msg("Moderator", "The village meets to plan the summer fair.", "user"),
    Msg("Bob", "We need more stalls this year.", "assistant"),
    Msg("Ann", "I can bring bread and cakes.", "assistant"),
    Msg("Cy", "I will build the stage by the well.", "assistant"),
    Msg("Bob", "Ann, what else could you bring?", "assistant"),
]
PREFIX = re.compile(r"^\s*[\w .'-]{1,20}:")


async def measure(model: OpenAIChatModel, runs: int, agent: str | None) -> dict[str, object]:
    prefixed = 0
    samples = []
    for seed in range(runs):
        resp = await model(HISTORY, agent=agent, seed=seed)
        if PREFIX.match(resp.text):
            prefixed += 1
        if len(samples) < 3:
            samples.append(resp.text[:80])
    return {"layout": "after (speaker's seat)" if agent else "before (all assistant)",
            "runs": runs, "prefixed": prefixed, "fraction": round(prefixed / runs, 3),
            "samples": samples}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    model = OpenAIChatModel(model_name=args.model, base_url=args.base_url, api_key="none",
                            stream=False, generate_args={"temperature": 0.8,
                                                         "max_tokens": 40})
    for agent in (None, "Ann"):
        print(json.dumps(asyncio.run(measure(model, args.runs, agent))))


if __name__ == "__main__":
    main()
