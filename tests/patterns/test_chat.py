"""Two-agent chat: turns, termination, summaries, usage, sync and async forms, nesting."""

import asyncio

import pytest

import agentcast as ac
from agentcast import Msg
from agentcast.exceptions import UsageError
from agentcast.patterns._support import CHAT_MESSAGE_LIMIT
from agentcast.testing.scripted import ScriptedModel


def dialog(name, replies, default=None):
    model = ScriptedModel(replies, name, default=default)
    return ac.DialogAgent(name, f"You are {name}.", model=model)


def texts(result):
    return [(m.name, m.content) for m in result.history]


def test_max_turns_counts_recipient_replies():
    a = dialog("alice", ["a1", "a2", "a3"])
    b = dialog("bob", ["b1", "b2", "b3"])
    result = ac.initiate_chat(a, b, "hi", max_turns=2)
    assert texts(result) == [("alice", "hi"), ("bob", "b1"), ("alice", "a1"), ("bob", "b2")]
    assert result.stop_reason == "reached max_turns=2"
    assert result.summary == "b2"


def test_agents_remember_the_conversation():
    a = dialog("alice", ["a1"])
    b = dialog("bob", ["b1", "b2"])
    ac.initiate_chat(a, b, "hi", max_turns=2)
    ac.wait_all()
    assert [m.content for m in a.memory.get()] == ["hi", "b1", "a1", "b2"]
    assert [m.content for m in b.memory.get()] == ["hi", "b1", "a1", "b2"]
    # bob's second model call saw the whole exchange
    prompt = b.model.calls[1]["messages"]
    assert [m.content for m in prompt][-3:] == ["hi", "b1", "a1"]


def test_termination_condition_stops_before_the_next_reply():
    """A chat-level condition (agentcast's ``termination=``) ends the chat after the message
    that meets it; plain agents have no is_termination_msg of their own."""
    a = dialog("alice", ["a1", "a2"])
    b = dialog("bob", ["b1", "done TERMINATE"])
    result = ac.initiate_chat(
        a, b, "hi", max_turns=10,
        termination=ac.FunctionTermination(lambda m: "TERMINATE" in m.content, "bob is done"))
    assert [m.content for m in result.history] == ["hi", "b1", "a1", "done TERMINATE"]
    assert result.stop_reason == "bob is done"
    assert result.summary == "done "  # AutoGen's last_msg: every TERMINATE taken out
    assert len(a.model.calls) == 1


def test_safety_cap_applies_without_max_turns():
    """Two agents that never stop are stopped at the safety cap, which says so."""
    a = dialog("alice", [], default="a")
    b = dialog("bob", [], default="b")
    result = ac.initiate_chat(a, b, "go")
    assert len(result.history) == CHAT_MESSAGE_LIMIT
    assert "safety cap" in result.stop_reason and "max_turns" in result.stop_reason


def test_agent_replying_none_ends_the_chat():
    class Quitter(ac.Agent):
        async def reply(self, x):
            return None

    b = dialog("bob", ["b1"])
    result = ac.initiate_chat(Quitter("q"), b, "hi", max_turns=5)
    assert [m.content for m in result.history] == ["hi", "b1"]
    assert result.stop_reason == "q ended the chat"


def test_usage_and_cost_from_model_responses():
    a = dialog("alice", [{"text": "a1", "usage": {"prompt_tokens": 10, "completion_tokens": 5}}])
    b = dialog("bob", [{"text": "b1", "usage": {"prompt_tokens": 100, "completion_tokens": 20}},
                       {"text": "b2", "usage": {"prompt_tokens": 200, "completion_tokens": 30}}])
    b.model.model_name = "gpt-4o"  # a priced model: $2.50 in / $10 out per 1M tokens
    result = ac.initiate_chat(a, b, "hi", max_turns=2)
    assert result.usage["prompt_tokens"] == 310
    assert result.usage["completion_tokens"] == 55
    assert result.usage["by_agent"]["bob"]["total_tokens"] == 350
    assert result.total_cost == pytest.approx((300 * 2.5 + 50 * 10) / 1e6)


def test_summary_methods():
    a = dialog("alice", ["a1"])
    b = dialog("bob", ["b1", "b2"])
    r = ac.initiate_chat(a, b, "hi", max_turns=2, summary_args={"n": 3},
                         summary_method=lambda snd, rcp, args: f"{snd.name}/{rcp.name}/{args}")
    assert r.summary == "alice/bob/{'n': 3}"

    a = dialog("alice", ["a1"])
    b = dialog("bob", ["b1", "b2", "THE SUMMARY"])
    r = ac.initiate_chat(a, b, "hi", max_turns=2, summary_method="reflection_with_llm",
                         summary_args={"summary_prompt": "Sum it up."})
    assert r.summary == "THE SUMMARY"
    call = b.model.calls[-1]["messages"]  # the recipient's model reflects
    assert [m.content for m in call] == ["hi", "b1", "a1", "b2", "Sum it up."]
    assert call[-1].role == "system"
    assert r.usage["by_agent"]["bob"]["calls"] == 3  # the reflection is counted

    with pytest.raises(UsageError):
        ac.initiate_chat(dialog("x", ["1"]), dialog("y", ["2"]), "hi", max_turns=1,
                         summary_method="nope")


def test_reflection_uses_the_recipient_model_when_the_sender_has_none():
    user = ac.UserProxyAgent("user", human_input_mode="NEVER", default_auto_reply="ok")
    b = dialog("bob", ["b1", "short summary"])
    r = ac.initiate_chat(user, b, "hi", max_turns=1, summary_method="reflection_with_llm")
    assert r.summary == "short summary"


def test_sender_speaks_first_when_no_message():
    a = dialog("alice", ["opening", "a2"])
    b = dialog("bob", ["b1"])
    r = ac.initiate_chat(a, b, max_turns=1)
    assert texts(r) == [("alice", "opening"), ("bob", "b1")]


def test_async_form_and_sync_guard():
    async def main():
        a = dialog("alice", ["a1"])
        b = dialog("bob", ["b1", "b2"])
        r = await ac.initiate_chat_async(a, b, Msg("alice", "hi", role="user"), max_turns=2)
        with pytest.raises(UsageError, match="initiate_chat_async"):
            ac.initiate_chat(a, b, "again")
        return r

    r = asyncio.run(main())
    assert [m.content for m in r.history] == ["hi", "b1", "a1", "b2"]


def test_chat_inside_a_blocking_reply_thread():
    """A plain-def reply (thread pool) may run a whole chat with the blocking form."""

    class Outer(ac.Agent):
        def reply(self, x):
            r = ac.initiate_chat(dialog("p", ["p1"]), dialog("q", ["q1", "q2"]), x.content,
                                 max_turns=2)
            return Msg(self.name, r.summary)

    assert Outer("outer")(Msg("u", "start")).content == "q2"


def test_budget_exceeded_inside_an_agent_ends_the_chat():
    from agentcast import hooks
    from agentcast.exceptions import BudgetExceeded

    def guard(info):
        if info.get("agent") == "bob":
            raise BudgetExceeded("no more money")

    remove = hooks.add_guard(guard)
    try:
        r = ac.initiate_chat(dialog("alice", ["a1"]), dialog("bob", ["b1"]), "hi", max_turns=3)
    finally:
        remove()
    assert r.stop_reason.startswith("budget exceeded")
    assert [m.content for m in r.history] == ["hi"]


def test_no_message_is_delivered_twice():
    person = iter(["more", "exit"])
    user = ac.UserProxyAgent("user", input_func=lambda p: next(person))
    b = dialog("bob", ["b1", "b2"])
    r = ac.initiate_chat(user, b, "hi", max_turns=5)
    ac.wait_all()
    assert [m.content for m in user.chat_messages[b]] == ["hi", "b1", "more", "b2"]
    assert [m.content for m in b.memory.get()] == ["hi", "b1", "more", "b2"]
    assert r.human_input == ["more", "exit"]


def test_cost_uses_the_run_monitor_prices_and_budget():
    from agentcast.observe import end_run, start_run

    a = dialog("alice", [], default={"text": "a", "usage": {"prompt_tokens": 1000,
                                                             "completion_tokens": 0}})
    b = dialog("bob", [], default={"text": "b", "usage": {"prompt_tokens": 1000,
                                                           "completion_tokens": 0}})
    # $1 per 1M input tokens; each prompt counts 1000 tokens (the estimator says so too), so
    # the monitor admits a call only while 1000 more tokens (+1 completion) fit in 3500
    start_run(run_dir=None, console=False, prices={"alice": (1.0, 0.0), "bob": (1.0, 0.0)},
              budgets={"max_tokens": 3500, "alert_at": ()}, token_estimator=lambda m: 1000)
    try:
        r = ac.initiate_chat(a, b, "go", max_turns=10)
    finally:
        end_run()
    assert r.total_cost == pytest.approx(0.003)  # three calls of 1000 tokens at $1/1M; never over
    assert r.stop_reason.startswith("budget exceeded")


def test_reflection_refused_by_a_budget_falls_back_to_the_last_message():
    from agentcast import hooks
    from agentcast.exceptions import BudgetExceeded

    a = dialog("alice", ["a1"])
    b = dialog("bob", ["b1"])
    calls = []

    def guard(info):
        if info.get("agent") == "bob":
            calls.append(1)
            if len(calls) > 1:
                raise BudgetExceeded("bob is broke")

    remove = hooks.add_guard(guard)
    try:
        r = ac.initiate_chat(a, b, "hi", max_turns=1, summary_method="reflection_with_llm")
    finally:
        remove()
    assert r.summary == "b1"
