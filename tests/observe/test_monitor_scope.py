"""MonitorScope: a window on the monitor's own count (what a chat's usage is made of)."""

from decimal import Decimal

from agentcast import hooks
from agentcast.models.base import Usage as TokenUsage
from agentcast.observe.monitor import Monitor, process_counting, process_monitor


def call(agent, prompt, completion, model="gpt-4o"):
    return {"agent": agent, "model": model, "config_name": None,
            "usage": TokenUsage(prompt, completion)}


def test_scope_counts_its_agents_while_open_with_the_monitor_cost():
    monitor = Monitor()
    monitor.record(call("a", 100, 0))  # before the scope: not in it
    with monitor.scope({"a", "b"}) as scope:
        monitor.record(call("a", 1000, 100))
        monitor.record(call("c", 5000, 0))  # not one of its agents
        monitor.record(call("b", 10, 1, model="unknown-model"))
    monitor.record(call("a", 100, 0))  # after: not in it
    totals = scope.as_dict()
    assert totals["calls"] == 2 and totals["prompt_tokens"] == 1010
    assert totals["by_agent"]["a"]["total_tokens"] == 1100
    assert totals["by_model"]["unknown-model"]["unpriced_calls"] == 1
    # the same Decimal the monitor computed for the call (gpt-4o: $2.50 / $10 per 1M)
    assert scope.total.cost == (Decimal("2.5") * 1000 + Decimal(10) * 100) / 1_000_000
    assert monitor.total.calls == 5  # the monitor itself counted everything


def test_agent_usage_by_model():
    monitor = Monitor()
    monitor.record(call("a", 10, 1, model="m1"))
    monitor.record(call("a", 20, 2, model="m2"))
    per_model = monitor.agent_usage("a")
    assert {m: u.prompt_tokens for m, u in per_model.items()} == {"m1": 10, "m2": 20}
    assert monitor.agent_usage("nobody") == {}


def test_process_monitor_counts_only_while_counting():
    """The process monitor subscribes to the hook bus only inside process_counting() (nested
    uses share one subscription), so the bus is quiet when no chat runs."""
    monitor = process_monitor()
    assert process_monitor() is monitor
    listeners_before = len(hooks.listeners)

    def seen():
        u = monitor.agent_usage("scope-test-agent").get("m")
        return u.prompt_tokens if u else 0

    start = seen()
    hooks.emit("model_call", call("scope-test-agent", 5, 0, model="m"))  # not counting
    with process_counting():
        with process_counting():
            assert len(hooks.listeners) == listeners_before + 1
            hooks.emit("model_call", call("scope-test-agent", 7, 3, model="m"))
    assert len(hooks.listeners) == listeners_before
    assert seen() - start == 7


def test_no_listener_lingers_after_a_chat():
    """A chat outside a run counts its usage, and leaves the hook bus as it found it (a
    listener left behind would make every later actor message emit events)."""
    import agentcast as ac
    from agentcast.testing import ScriptedModel

    before = len(hooks.listeners)
    bot = ac.ConversableAgent("quiet_bot", llm_config={"model": ScriptedModel(["TERMINATE"])},
                              human_input_mode="NEVER")
    r = ac.ConversableAgent("quiet_user", llm_config=False).initiate_chat(
        bot, message="hi", max_turns=1)
    assert r.usage["calls"] == 1 and bot.get_total_usage() is not None
    assert len(hooks.listeners) == before
