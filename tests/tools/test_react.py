"""ReActAgent end to end on a ScriptedModel: tools chosen, errors recovered, caps enforced."""

from __future__ import annotations

import asyncio
import time

import pytest
from pydantic import BaseModel

import agentcast as ac
from agentcast import Msg
from agentcast.testing import ScriptedModel
from agentcast.tools import Toolkit


def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: First addend.
        b: Second addend.
    """
    return a + b


async def lookup(key: str) -> str:
    """Look a key up (takes a while).

    Args:
        key: The key.
    """
    await asyncio.sleep(0.4)
    return {"alice": "Paris", "bob": "Rome", "carol": "Oslo"}.get(key, "unknown")


def calls(*specs):
    return {"tool_calls": [{"id": f"call_{i}", "name": n, "arguments": a}
                           for i, (n, a) in enumerate(specs)]}


def tool_results(messages):
    return [m for m in messages if m.metadata.get("tool_call_id")]


def test_recovers_from_wrong_tool_name_and_bad_arguments():
    model = ScriptedModel([
        calls(("calculator", {"a": 2, "b": 3})),          # no such tool
        calls(("add", {"a": "two", "b": 3})),             # bad argument
        calls(("add", {"a": 2, "b": 3})),                 # right
        "2 + 3 = 5",
    ])
    agent = ac.ReActAgent("solver", model=model, toolkit=Toolkit([add]))
    answer = agent(Msg("user", "What is 2 + 3?", role="user"))
    assert answer.content == "2 + 3 = 5"
    model.assert_complete()
    assert model.calls[0]["tools"][0]["function"]["name"] == "add"
    results = tool_results(model.calls[3]["messages"])
    assert [r.metadata.get("is_error", False) for r in results] == [True, True, False]
    assert "no tool named 'calculator'" in results[0].content and "add" in results[0].content
    assert "argument 'a'" in results[1].content
    assert results[2].content == "5" and results[2].name == "add"
    # the tool-call convention: each result follows the assistant message that asked for it
    sent = model.calls[3]["messages"]
    asking = [m for m in sent if m.metadata.get("tool_calls")]
    assert len(asking) == 3 and asking[2].metadata["tool_calls"][0]["name"] == "add"
    assert sent.index(results[2]) == sent.index(asking[2]) + 1
    # memory keeps the whole exchange: input, 3 calls + 3 results, the answer
    assert len(agent.memory.get()) == 8
    assert agent.iterations == 4


def test_several_calls_in_one_turn_run_in_parallel():
    model = ScriptedModel([
        calls(("lookup", {"key": "alice"}), ("lookup", {"key": "bob"}), ("lookup", {"key": "carol"})),
        "Paris, Rome and Oslo.",
    ])
    agent = ac.ReActAgent("finder", model=model, toolkit=Toolkit([lookup]))
    started = time.perf_counter()
    answer = agent(Msg("user", "Where do they live?", role="user")).content
    elapsed = time.perf_counter() - started
    assert answer == "Paris, Rome and Oslo."
    assert elapsed < 1.0  # three 0.4 s lookups, sequentially 1.2 s
    results = tool_results(model.calls[1]["messages"])
    assert [r.content for r in results] == ["Paris", "Rome", "Oslo"]
    assert [r.metadata["tool_call_id"] for r in results] == ["call_0", "call_1", "call_2"]


def test_max_iters_forces_a_final_answer():
    model = ScriptedModel([calls(("add", {"a": 1, "b": 1}))] * 3 + ["I stopped at 2."])
    agent = ac.ReActAgent("looper", model=model, toolkit=Toolkit([add]), max_iters=3)
    answer = agent(Msg("user", "Count forever", role="user"))
    assert answer.content == "I stopped at 2." and answer.metadata["forced_final"] is True
    model.assert_complete()
    last = model.calls[-1]
    assert last["tools"] is None  # no tools offered for the final answer
    assert "maximum number of reasoning steps" in last["messages"][-1].content


async def test_prompt_based_tool_calling_with_repair():
    model = ScriptedModel([
        # messy: prose around it, a code fence, single quotes and a trailing comma
        "Sure!\n```json\n{'thought': 'add them', 'tool_calls': [{'name': 'add', "
        "'arguments': {'a': 20, 'b': 22},}]}\n```",
        '{"thought": "done", "answer": "42"}',
    ])
    agent = ReAct = ac.ReActAgent("p", model=model, toolkit=Toolkit([add]),
                                  native_tool_calling=False)
    answer = await ReAct.reply(Msg("user", "20 + 22?", role="user"))
    assert answer.content == "42"
    first = model.calls[0]
    assert first["tools"] is None
    assert "- add: Add two integers." in first["messages"][0].content
    second = model.calls[1]["messages"]
    assert "Result of add" in second[-1].content and "42" in second[-1].content
    assert agent.iterations == 2


async def test_prompt_based_plain_prose_is_the_answer():
    model = ScriptedModel(["The answer is 4."])
    agent = ac.ReActAgent("p", model=model, toolkit=Toolkit([add]), native_tool_calling=False)
    assert (await agent.reply(Msg("user", "2+2", role="user"))).content == "The answer is 4."


class Answer(BaseModel):
    city: str
    population_millions: float


async def test_structured_final_output():
    model = ScriptedModel([
        calls(("lookup", {"key": "alice"})),
        "Alice lives in Paris, about 2.1 million people.",
        '{"city": "Paris", "population_millions": 2.1}',
    ])
    agent = ac.ReActAgent("s", model=model, toolkit=Toolkit([lookup]), structured_model=Answer)
    answer = await agent.reply(Msg("user", "Where does Alice live?", role="user"))
    assert answer.content == {"city": "Paris", "population_millions": 2.1}
    assert answer.metadata["text"].startswith("Alice lives in Paris")
    model.assert_complete()


def test_invalid_max_iters():
    with pytest.raises(ValueError):
        ac.ReActAgent("x", model=ScriptedModel([]), max_iters=0)


async def test_missing_or_duplicate_call_ids_are_made_unique():
    model = ScriptedModel([
        {"tool_calls": [{"id": "", "name": "add", "arguments": {"a": 1, "b": 1}},
                        {"id": "", "name": "add", "arguments": {"a": 2, "b": 2}}]},
        "2 and 4",
    ])
    agent = ac.ReActAgent("ids", model=model, toolkit=Toolkit([add]))
    assert (await agent.reply(Msg("user", "go", role="user"))).content == "2 and 4"
    results = tool_results(model.calls[1]["messages"])
    ids = [r.metadata["tool_call_id"] for r in results]
    assert len(set(ids)) == 2 and all(ids) and [r.content for r in results] == ["2", "4"]
