"""A user's script over agentcast's public API; tests/public_face/test_typed_face.py type-checks
it with ``mypy --strict`` and fails on any expression whose type is plain ``Any``."""

from __future__ import annotations

import asyncio

import agentcast as ac
from agentcast.memory import ListMemory
from agentcast.models import ModelResponse, load_model_configs
from agentcast.models.parsers import MarkdownJsonDictParser
from agentcast.testing import ScriptedModel


def main() -> str:
    ac.init(run_dir=None)
    load_model_configs([{"config_name": "s", "model_type": "scripted", "replies": ["a"]}])
    alice = ac.DialogAgent("Alice", "You are Alice.", model=ScriptedModel(["hi"]))
    bob = ac.DialogAgent("Bob", "You are Bob.", model="s")
    judge = ac.DictDialogAgent("Judge", model=ScriptedModel(['{"ok": true}']),
                               required_keys=["ok"])
    x = ac.Msg("user", "Hi", role="user")
    reply = alice(x)
    chained = ac.sequential_pipeline([alice, bob], x)
    with ac.msghub([alice, bob], announcement=x) as hub:
        hub.broadcast(ac.Msg("host", "go"))
    verdict = judge(chained)
    ac.wait_all()
    done = ac.gather(reply, verdict)
    memory: ListMemory | None = alice.memory
    size = memory.size() if memory is not None else 0
    toolkit = ac.Toolkit()
    parser = MarkdownJsonDictParser(required_keys=["ok"])
    parsed = parser.parse(ModelResponse(text='```json\n{"ok": 1}\n```'))
    model = ac.get_model("s")
    response = asyncio.run(model([x]))
    return f"{reply.name} {size} {len(done)} {len(toolkit.schemas())} {parsed.text} {response.text}"


if __name__ == "__main__":
    print(main())
