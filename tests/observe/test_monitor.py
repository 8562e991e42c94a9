"""Usage, cost arithmetic and budgets: the hard stop is exact at the boundary."""

from __future__ import annotations

import asyncio
import io
import logging
from decimal import Decimal

import pytest

import agentcast as ac
from agentcast.exceptions import AgentCallError, BudgetExceeded
from agentcast.message import Msg
from agentcast.observe import Budget, start_run
from agentcast.observe.monitor import Monitor, PriceTable, estimate_tokens
from agentcast.testing.scripted import ScriptedModel

from .helpers import call, emit_model_call

PROMPT = [Msg("user", "Hello there, how are you today? Tell me a story.", role="user")]


def scripted(*usages, name="scripted-model"):
    return ScriptedModel(
        [{"text": f"answer {i}", "usage": {"prompt_tokens": p, "completion_tokens": c}}
         for i, (p, c) in enumerate(usages)], model_name=name)


# --- cost arithmetic ---------------------------------------------------------------------
def test_cost_is_exact_decimal_arithmetic_from_the_price_table():
    table = PriceTable()
    price = table.lookup("gpt-4o")
    assert price.cost(1000, 200) == Decimal("0.0045")  # 1000*2.50/1M + 200*10.00/1M
    assert table.lookup("gpt-4o-mini").cost(1_000_000, 1_000_000) == Decimal("0.75")
    assert table.lookup("claude-3-5-haiku").cost(2_000_000, 0) == Decimal("1.6")
    assert table.lookup("deepseek-chat") is not None
    assert table.lookup("gemini-2.5-flash") is not None
    assert table.lookup("qwen-max") is not None


def test_snapshots_and_provider_prefixes_find_their_family():
    table = PriceTable()
    assert table.lookup("gpt-4o-2024-08-06") == table.lookup("gpt-4o")
    assert table.lookup("gpt-4o-mini-2024-07-18") == table.lookup("gpt-4o-mini")
    assert table.lookup("openai:gpt-4o") == table.lookup("gpt-4o")
    assert table.lookup("anthropic/claude-3-5-sonnet-20241022") == table.lookup("claude-3-5-sonnet")
    assert table.lookup("gpt-4.5-preview") is None  # no false family match on "gpt-4"
    assert table.lookup("my-local-llama") is None


def test_user_prices_override_and_extend_the_table():
    table = PriceTable({"gpt-4o": (1, 2), "my-llama": {"input": 0.5, "output": 0.25},
                        "cheap-config": (0, 0)})
    assert table.lookup("gpt-4o").cost(1_000_000, 1_000_000) == Decimal(3)
    assert table.lookup("my-llama").cost(2_000_000, 4_000_000) == Decimal("2")
    assert table.lookup("whatever-model", "cheap-config").cost(10, 10) == 0


def test_usage_per_model_per_agent_and_per_run(run_dir):
    run = start_run(run_dir, console=False, save_log=False, save_store=False,
                    prices={"house-model": (1.0, 3.0)})
    emit_model_call("gpt-4o", 1000, 200, agent="alice")
    emit_model_call("gpt-4o", 2000, 100, agent="bob")
    emit_model_call("house-model", 1_000_000, 1_000_000, agent="bob")
    usage = run.usage()
    assert usage["by_model"]["gpt-4o"]["cost"] == pytest.approx(0.0045 + 0.006)
    assert usage["by_model"]["house-model"]["cost"] == pytest.approx(4.0)
    assert usage["by_agent"]["alice"]["total_tokens"] == 1200
    assert usage["by_agent"]["bob"]["prompt_tokens"] == 1_002_000
    assert usage["total"]["calls"] == 3
    assert usage["total"]["cost"] == pytest.approx(4.0105)


def test_unknown_price_counts_tokens_and_warns_exactly_once_per_model(caplog):
    monitor = Monitor()
    with caplog.at_level(logging.WARNING, logger="agentcast.monitor"):
        for _ in range(3):
            monitor.record({"model": "mystery-1", "config_name": "m1", "agent": "a",
                            "usage": type("U", (), {"prompt_tokens": 7, "completion_tokens": 3})})
        monitor.record({"model": "mystery-2", "agent": "a", "usage": None})
    warnings = [r for r in caplog.records if "no price known" in r.getMessage()]
    assert len(warnings) == 2
    assert "mystery-1" in warnings[0].getMessage() and "mystery-2" in warnings[1].getMessage()
    usage = monitor.usage()["by_model"]["mystery-1"]
    assert usage["total_tokens"] == 30 and usage["cost"] == 0 and usage["unpriced_calls"] == 3


def test_print_usage_prints_models_agents_and_cost(run_dir):
    start_run(run_dir, console=False, save_log=False, save_store=False)
    emit_model_call("gpt-4o", 1000, 200, agent="alice")
    out = io.StringIO()
    usage = ac.print_usage(file=out)
    text = out.getvalue()
    assert "gpt-4o" in text and "alice" in text and "0.004500" in text
    assert usage["total"]["total_tokens"] == 1200


# --- budgets: exact boundary ------------------------------------------------------------
# spent = 50 tokens after the first call; the second call sends PROMPT (estimate E).
# Refused iff spent + E + 1 (completion reserve) > limit, i.e. iff spent + E >= limit.
@pytest.mark.parametrize(("offset", "allowed"), [(+1, True), (0, False), (-1, False)],
                         ids=["one-token-under-passes", "at-refused", "over-refused"])
def test_token_budget_is_exact_at_the_boundary(run_dir, offset, allowed):
    est = estimate_tokens(PROMPT)
    limit = 50 + est + offset  # spent + E = limit - offset
    start_run(run_dir, console=False, save_log=False, save_store=False,
              budgets=Budget(max_tokens=limit))
    model = scripted((est, 50 - est), (est, 5))  # reported == estimated: no margin learned
    call(model, PROMPT)
    if allowed:
        assert call(model, PROMPT).text == "answer 1"
        assert len(model.calls) == 2
    else:
        with pytest.raises(BudgetExceeded, match="token budget of run"):
            call(model, PROMPT)
        assert len(model.calls) == 1  # refused before the call: the model never saw it


def test_declared_max_tokens_is_reserved_exactly():
    # an estimator given by the caller is taken as exact (no margin until usage says more)
    monitor = Monitor(budgets=Budget(max_tokens=100), token_estimator=estimate_tokens)
    est = estimate_tokens(PROMPT)
    info = {"model": "m", "agent": "a", "messages": PROMPT, "max_tokens": 100 - est}
    monitor.guard(info)  # est + (100 - est) == 100: reaching the limit exactly is allowed
    monitor.record({"model": "m", "config_name": None, "agent": "a",
                    "usage": type("U", (), {"prompt_tokens": 0, "completion_tokens": 0})})
    with pytest.raises(BudgetExceeded):
        monitor.guard({**info, "max_tokens": 101 - est})


@pytest.mark.parametrize(("micro_dollars_off", "allowed"), [(0, True), (-1, False)],
                         ids=["exactly-at-limit-passes", "one-micro-dollar-short-refused"])
def test_dollar_budget_is_exact_at_the_boundary(run_dir, micro_dollars_off, allowed):
    est = estimate_tokens(PROMPT)
    # first call: est in * $1/1M + 500 out * $2/1M; next needs est*$1/1M + 1*$2/1M
    limit = Decimal(est + 1000) / 10**6 + Decimal(est + 2 + micro_dollars_off) / 10**6
    start_run(run_dir, console=False, save_log=False, save_store=False,
              prices={"priced-model": (1.0, 2.0)}, budgets=[{"max_cost": float(str(limit))}])
    model = scripted((est, 500), (est, 1), name="priced-model")
    call(model, PROMPT)
    if allowed:
        call(model, PROMPT)
    else:
        with pytest.raises(BudgetExceeded, match="dollar budget"):
            call(model, PROMPT)
        assert len(model.calls) == 1


def test_budgets_scope_to_an_agent_or_a_model(run_dir):
    start_run(run_dir, console=False, save_log=False, save_store=False,
              budgets=[Budget(max_tokens=60, agent="alice"), Budget(max_tokens=60, model="m2")])
    m1, m2 = scripted((50, 0), (50, 0), (50, 0), name="m1"), scripted((50, 0), name="m2")
    call(m1, PROMPT, agent="alice")
    with pytest.raises(BudgetExceeded, match="agent alice"):
        call(m1, PROMPT, agent="alice")
    call(m1, PROMPT, agent="bob")  # bob is not capped by alice's budget
    call(m1, PROMPT, agent="bob")
    call(m2, PROMPT, agent="bob")
    with pytest.raises(BudgetExceeded, match="model m2"):
        call(m2, PROMPT, agent="carol")


def test_each_agent_budget_with_star(run_dir):
    start_run(run_dir, console=False, save_log=False, save_store=False,
              budgets=Budget(max_tokens=60, agent="*"))
    model = scripted((50, 0), (50, 0), (50, 0))
    call(model, PROMPT, agent="a")
    call(model, PROMPT, agent="b")
    with pytest.raises(BudgetExceeded, match="agent a"):
        call(model, PROMPT, agent="a")


def test_concurrent_calls_cannot_jointly_overshoot(run_dir):
    est = estimate_tokens(PROMPT)
    start_run(run_dir, console=False, save_log=False, save_store=False,
              budgets=Budget(max_tokens=2 * (est + 1) - 1))  # room for one call, not two
    model = ScriptedModel(default={"text": "x", "usage": {"prompt_tokens": est,
                                                          "completion_tokens": 1}},
                          latency=0.05)

    async def both():
        return await asyncio.gather(model(PROMPT, agent="a"), model(PROMPT, agent="b"),
                                    return_exceptions=True)

    results = asyncio.run(both())
    assert sum(isinstance(r, BudgetExceeded) for r in results) == 1
    assert len(model.calls) == 1


def test_alerts_fire_once_per_threshold_with_callback_and_log(run_dir, caplog):
    seen = []
    start_run(run_dir, console=False, save_log=False, save_store=False,
              budgets=Budget(max_tokens=100, alert_at=(0.5, 0.8), on_alert=seen.append))
    with caplog.at_level(logging.WARNING, logger="agentcast.monitor"):
        for tokens in (30, 30, 25, 5):
            emit_model_call("m", tokens, 0)
    assert [(a.threshold, a.spent, a.unit) for a in seen] == [(0.5, 60, "tokens"),
                                                              (0.8, 85, "tokens")]
    assert sum("budget alert" in r.getMessage() for r in caplog.records) == 2


def test_refusal_is_reported_to_the_alert_callback(run_dir):
    seen = []
    start_run(run_dir, console=False, save_log=False, save_store=False,
              budgets=Budget(max_tokens=5), on_alert=seen.append)
    with pytest.raises(BudgetExceeded) as info:
        call(scripted((1, 1)), PROMPT)
    assert seen and seen[-1].refused and info.value.scope == "run"


def test_agent_call_refused_by_budget_surfaces_as_typed_error(run_dir):
    start_run(run_dir, console=False, save_log=False, save_store=False,
              budgets=Budget(max_tokens=3))
    agent = ac.DialogAgent("alice", "You are Alice.", model=scripted((1, 1)))
    x = agent(Msg("user", "hi", role="user"))
    with pytest.raises(AgentCallError) as info:
        _ = x.content
    assert isinstance(info.value.original, BudgetExceeded)


def test_estimated_tokens_and_missing_prices_are_marked():
    """Counts a server did not report are estimates, and say so; no price is not $0."""
    from agentcast.models.base import Usage
    from agentcast.observe.monitor import Monitor, format_usage

    monitor = Monitor()
    monitor.record({"model": "my-local-llm", "agent": "Ann",
                    "usage": Usage(100, 20, estimated=True)})
    monitor.record({"model": "my-local-llm", "agent": "Ann", "usage": Usage(50, 10)})
    usage = monitor.usage()
    assert usage["total"]["estimated_calls"] == 1 and usage["total"]["unpriced_calls"] == 2
    out = io.StringIO()
    format_usage(usage, file=out)
    text = out.getvalue()
    assert "~180" in text and "estimated" in text
    assert "no price" in text and "0.000000" not in text
