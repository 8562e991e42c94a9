"""Budgets that act before a call would cross them: stop, fall back to a cheaper model, or
pause for a person's approval; each decision recorded with its reason."""

from __future__ import annotations

from pathlib import Path

import pytest

import agentcast as ac
from agentcast.durable import approve, list_requests, stop
from agentcast.exceptions import ApprovalPending, BudgetExceeded, ConfigError
from agentcast.observe import query
from agentcast.observe.monitor import Budget
from agentcast.observe.run import current_run, end_run
from agentcast.testing import FunctionModel


@pytest.fixture(autouse=True)
def _clean():
    yield
    stop()
    end_run()


def models(calls: list[str]) -> tuple[FunctionModel, FunctionModel]:
    pricey = FunctionModel(lambda m: calls.append("pricey") or "a long expensive answer " * 5,
                           config_name="pricey")
    cheap = FunctionModel(lambda m: calls.append("cheap") or "short", config_name="cheap")
    return pricey, cheap


def budget_events(run_dir: Path, rid: str) -> list[dict]:
    current_run().flush()
    return [e for e in query.agent_events(rid, run_dir=run_dir) if e["event"] == "budget"]


def test_fallback_switches_to_the_cheaper_model_and_records_why(tmp_path: Path):
    calls: list[str] = []
    pricey, cheap = models(calls)
    ac.init(run_dir=tmp_path, logger_level="ERROR", token_estimator=lambda msgs: 50,
            budgets=[Budget(max_tokens=200, model="pricey", on_exceed="fallback",
                            fallback=cheap)])
    rid = current_run().id
    agent = ac.DialogAgent("A", model=pricey, )
    answers = [agent(ac.Msg("user", f"q{i}", role="user")).content for i in range(4)]
    assert calls[0] == "pricey" and "cheap" in calls
    assert answers[-1] == "short"
    (first, *_) = budget_events(tmp_path, rid)
    assert first["detail"]["action"] == "fallback" and first["detail"]["to"] == "cheap"
    assert "would be exceeded" in first["detail"]["reason"]


def test_stop_raises_and_records(tmp_path: Path):
    calls: list[str] = []
    pricey, _ = models(calls)
    ac.init(run_dir=tmp_path, logger_level="ERROR", token_estimator=lambda msgs: 50,
            budgets=[Budget(max_tokens=100, on_exceed="stop")])
    rid = current_run().id
    agent = ac.DialogAgent("A", model=pricey)
    with pytest.raises(ac.AgentCallError) as info:
        for i in range(5):
            agent(ac.Msg("user", f"q{i}", role="user")).content
    assert isinstance(info.value.original, BudgetExceeded)
    assert [e["detail"]["action"] for e in budget_events(tmp_path, rid)] == ["stop"]


def test_approve_pauses_the_run_and_an_approval_lets_that_call_through(tmp_path: Path):
    calls: list[str] = []

    def program() -> list[str]:
        pricey, _ = models(calls)
        agent = ac.DialogAgent("A", model=pricey)
        return [agent(ac.Msg("user", f"q{i}", role="user")).content for i in range(5)]

    budget = dict(max_tokens=200, on_exceed="approve")
    ac.init(run_dir=tmp_path, durable=True, logger_level="ERROR",
            token_estimator=lambda msgs: 50, budgets=[budget])
    rid = current_run().id
    with pytest.raises(ac.AgentCallError) as info:
        program()
    assert isinstance(info.value.original, ApprovalPending)
    made = len(calls)
    (req,) = list_requests(tmp_path, "pending")
    assert req["tool"] == "budget:run" and '"A#4/model1"' in req["arguments"]
    approve(req["id"], run_dir=tmp_path, by="cfo")
    stop()
    end_run()
    # resumed: the calls made before are replayed (and still count against the budget);
    # the approved call goes through; the next one needs its own approval
    ac.init(run_dir=tmp_path, resume=rid, logger_level="ERROR",
            token_estimator=lambda msgs: 50, budgets=[budget])
    with pytest.raises(ac.AgentCallError) as info:
        program()
    assert isinstance(info.value.original, ApprovalPending)
    assert info.value.original.request_id != req["id"]
    assert len(calls) == made + 1  # the approved call, once; nothing made twice
    actions = [e["detail"]["action"] for e in budget_events(tmp_path, rid)]
    assert "approved" in actions and actions.count("approval requested") >= 1


def test_bad_on_exceed_names_the_field():
    with pytest.raises(ConfigError) as info:
        Budget(max_tokens=1, on_exceed="pause")
    assert info.value.field == "on_exceed"
    with pytest.raises(ConfigError) as info:
        Budget(max_tokens=1, on_exceed="fallback")
    assert info.value.field == "fallback"
