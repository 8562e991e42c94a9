"""Termination conditions: each kind, composition with | and &, and their use in chats."""

import threading
import time

import agentcast as ac
from agentcast import Msg
from agentcast.patterns.termination import ChatState
from agentcast.testing.scripted import ScriptedModel


def state(*contents, tokens=0, cost=0.0):
    s = ChatState([Msg("a", c) for c in contents])
    s.prompt_tokens = tokens
    s.cost = cost
    return s


def test_each_condition():
    assert ac.MaxMessageTermination(2).check(state("x")) is None
    assert ac.MaxMessageTermination(2).check(state("x", "y")) == "reached 2 messages"
    assert ac.TextMentionTermination("DONE").check(state("all DONE")) is not None
    assert ac.TextMentionTermination("DONE", sources=["b"]).check(state("all DONE")) is None
    assert ac.TokenUsageTermination(100).check(state(tokens=99)) is None
    assert ac.TokenUsageTermination(100).check(state(tokens=100)) is not None
    assert ac.CostTermination(0.5).check(state(cost=0.49)) is None
    assert ac.CostTermination(0.5).check(state(cost=0.5)) is not None
    assert ac.FunctionTermination(lambda m: m.content == "y").check(state("x", "y")) is not None
    s = ChatState()
    s.started -= 5
    assert ac.TimeoutTermination(10).check(s) is None
    assert ac.TimeoutTermination(4).check(s) is not None
    stop = ac.ExternalTermination()
    assert stop.check(s) is None
    stop.set("user pressed stop")
    assert stop.check(s) == "user pressed stop"


def test_composition():
    many = ac.MaxMessageTermination(3)
    done = ac.TextMentionTermination("DONE")
    either = many | done
    both = many & done
    assert either.check(state("DONE")) is not None
    assert either.check(state("a", "b", "c")) is not None
    assert either.check(state("a")) is None
    assert both.check(state("DONE")) is None
    assert both.check(state("a", "b", "c")) is None
    assert both.check(state("a", "b", "DONE")) == "reached 3 messages and a said 'DONE'"
    nested = (many & done) | ac.TokenUsageTermination(10)
    assert nested.check(state("x", tokens=10)) is not None
    assert (done | many | done).parts == [done, many, done]  # flattened
    assert (ac.TimeoutTermination(1) | many).interrupts
    assert not (ac.TimeoutTermination(1) & many).interrupts


def dialog(name, default):
    return ac.DialogAgent(name, model=ScriptedModel([], name, default=default))


def test_condition_stops_a_chat():
    cond = ac.MaxMessageTermination(3) | ac.TextMentionTermination("never")
    r = ac.initiate_chat(dialog("a", "x"), dialog("b", "y"), "go", termination=cond)
    assert len(r.history) == 3
    assert r.stop_reason == "reached 3 messages"


def test_token_budget_stops_a_chat():
    a = dialog("a", {"text": "x", "usage": {"prompt_tokens": 40, "completion_tokens": 10}})
    b = dialog("b", {"text": "y", "usage": {"prompt_tokens": 40, "completion_tokens": 10}})
    r = ac.initiate_chat(a, b, "go", termination=ac.TokenUsageTermination(120))
    assert r.usage["total_tokens"] == 150  # three calls: the third crossed the budget
    assert "token budget" in r.stop_reason


def test_dollar_budget_stops_a_chat():
    a = dialog("a", {"text": "x", "usage": {"prompt_tokens": 1000, "completion_tokens": 0}})
    a.model.model_name = "gpt-4o"  # $2.50 per 1M input tokens -> $0.0025 per call
    b = dialog("b", {"text": "y", "usage": {"prompt_tokens": 1000, "completion_tokens": 0}})
    b.model.model_name = "gpt-4o"
    r = ac.initiate_chat(a, b, "go", termination=ac.CostTermination(0.01))
    assert len(r.history) == 5  # four calls cost $0.01
    assert "dollar budget" in r.stop_reason


class Slow(ac.Agent):
    async def reply(self, x):
        import asyncio

        await asyncio.sleep(0.3)
        return Msg(self.name, "slow")


def test_timeout_interrupts_a_slow_reply():
    started = time.monotonic()
    r = ac.initiate_chat(dialog("a", "x"), Slow("slow"), "go",
                         termination=ac.TimeoutTermination(0.1), max_turns=50)
    assert r.stop_reason.startswith("timed out")
    assert time.monotonic() - started < 0.3 + 2  # did not wait for the whole chat
    assert len(r.history) == 1


def test_external_stop_from_another_thread():
    stop = ac.ExternalTermination()
    threading.Timer(0.4, stop.set).start()
    r = ac.initiate_chat(dialog("a", "x"), Slow("slow"), "go", termination=stop, max_turns=1000)
    assert r.stop_reason == "stopped from outside"
    assert 1 <= len(r.history) < 20
