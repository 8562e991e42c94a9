"""DictDialogAgent: dict replies through every fault layer, keys routed where configured."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import BaseModel

import agentcast as ac
from agentcast import Msg
from agentcast.agents.dict_dialog import DictDialogAgent
from agentcast.exceptions import AgentCallError, ConfigError, ResponseParseError
from agentcast.testing.scripted import ScriptedModel

WOLF_REPLY = '```json\n{"thought": "Bob is lying", "speech": "I trust Alice.", "finish": true}\n```'


def host(text: str = "Discuss.") -> Msg:
    return Msg("Moderator", text, role="user")


def test_keys_routed_to_content_metadata_and_memory():
    model = ScriptedModel([WOLF_REPLY])
    wolf = DictDialogAgent(
        "wolf", "You are a werewolf.", model,
        required_keys=["thought", "speech", "finish"],
        keys_to_content="speech", keys_to_metadata=["finish"],
        keys_to_memory=["thought", "speech"],
    )
    msg = wolf(host())
    assert msg.content == "I trust Alice."
    assert msg.metadata == {"finish": True}
    assert msg.finish is True
    memory = wolf.memory.get()
    assert [m.name for m in memory] == ["Moderator", "wolf"]
    assert memory[-1].content == {"thought": "Bob is lying", "speech": "I trust Alice."}
    # The format instruction went to the model but not into memory.
    sent = model.calls[0]["messages"]
    assert sent[0].role == "system" and "'thought'" not in sent[0].content
    assert all(k in sent[-1].content for k in ("thought", "speech", "finish"))


def test_defaults_whole_dict_to_content_and_memory():
    model = ScriptedModel(["{'a': 1, 'b': 'two'}"])
    agent = DictDialogAgent("d", "Be terse.", model)
    msg = agent(host())
    assert msg.content == {"a": 1, "b": "two"} and msg.metadata == {}
    assert agent.memory.get()[-1].content == {"a": 1, "b": "two"}


def test_memory_can_be_left_out_and_single_key_metadata():
    model = ScriptedModel(['{"speech": "hi", "vote": "Bob"}'])
    agent = DictDialogAgent("v", None, model, required_keys=["speech", "vote"],
                            keys_to_content=True, keys_to_metadata="vote", keys_to_memory=False)
    msg = agent(host())
    assert msg.vote == "Bob"
    assert [m.name for m in agent.memory.get()] == ["Moderator"]


def test_missing_key_reasked_then_fault_handler():
    model = ScriptedModel(['{"speech": "hi"}', '{"speech": "hi"}'])
    agent = DictDialogAgent("p", None, model, required_keys=["speech", "vote"],
                            keys_to_content="speech", keys_to_metadata=["vote"], max_retries=1,
                            fault_handler=lambda r: {"speech": "(silent)", "vote": None})
    msg = agent(host())
    assert msg.content == "(silent)" and msg.vote is None
    assert "'vote'" in model.calls[1]["messages"][-1].content


def test_parse_failure_surfaces_where_the_reply_is_read():
    agent = DictDialogAgent("p", None, ScriptedModel(["no", "no"]), required_keys=["x"],
                            max_retries=1)
    with pytest.raises(AgentCallError) as info:
        _ = agent(host()).content
    assert isinstance(info.value.__cause__, ResponseParseError)
    assert "no JSON object found" in str(info.value)


class Decision(BaseModel):
    reason: str
    target: str


def test_schema_validated_and_reasked_async():
    model = ScriptedModel(['{"reason": "quiet"}', '{"reason": "quiet", "target": "Carol"}'])
    agent = DictDialogAgent("seer", "Pick someone.", model, schema=Decision,
                            keys_to_content="target", keys_to_metadata=["reason"])

    async def main():
        return await agent(host("Who do you check?"))

    msg = asyncio.run(main())
    assert msg.content == "Carol" and msg.reason == "quiet"
    assert "target" in model.calls[1]["messages"][-1].content


def test_public_name_and_bad_arguments():
    assert ac.DictDialogAgent is DictDialogAgent
    with pytest.raises(ConfigError):
        DictDialogAgent("x", None, ScriptedModel([]), required_keys=["a"], schema=Decision)
    with pytest.raises(ConfigError):
        DictDialogAgent("x", None, ScriptedModel([]), keys_to_content=3)
