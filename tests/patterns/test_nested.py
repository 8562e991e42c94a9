"""Nested chats: a whole chat (or a sequence of chats) run as one agent's reply."""

import pytest

import agentcast as ac
from agentcast import Msg
from agentcast.exceptions import UsageError
from agentcast.testing.scripted import ScriptedModel


def dialog(name, *replies):
    return ac.DialogAgent(name, model=ScriptedModel(replies, name))


def test_nested_chat_is_an_agents_reply():
    critic = dialog("critic", "too long")
    editor = dialog("editor", "shortened draft")
    inner = ac.NestedChatAgent("reviewer", [
        {"recipient": critic},
        {"recipient": editor, "message": lambda incoming, carry: f"fix: {carry[-1]}"},
    ])
    writer = dialog("writer", "a draft", "final text")
    result = ac.initiate_chat(writer, inner, "please review", max_turns=1)
    assert [m.content for m in result.history] == ["please review", "shortened draft"]
    assert [r.summary for r in inner.results] == ["too long", "shortened draft"]
    assert critic.model.calls[0]["messages"][-1].content == "please review"
    assert editor.model.calls[0]["messages"][-1].content == "fix: too long"


def test_default_message_carries_earlier_summaries():
    first = dialog("first", "fact one")
    second = dialog("second", "answer")
    inner = ac.NestedChatAgent("inner", [{"recipient": first}, {"recipient": second}])
    out = inner(Msg("u", "question"))
    assert out.content == "answer" and out.name == "inner"
    assert second.model.calls[0]["messages"][-1].content == "question\nContext: \nfact one"


def test_chat_agent_wraps_any_chat_function():
    async def chat(x):
        return await ac.initiate_chat_async(dialog("p", "p1"), dialog("q", "q1", "q2"),
                                            x.content, max_turns=2)

    agent = ac.ChatAgent("wrapped", chat)
    assert agent(Msg("u", "go")).content == "q2"
    assert agent.last_result.stop_reason == "reached max_turns=2"


def test_nested_chat_config_is_checked():
    with pytest.raises(UsageError):
        ac.NestedChatAgent("x", [])
    with pytest.raises(UsageError):
        ac.NestedChatAgent("x", [{"message": "hi"}])
    with pytest.raises(UsageError):
        ac.NestedChatAgent("x", [{"recipient": dialog("y"), "bogus": 1}])
