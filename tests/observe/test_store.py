"""The run store: contents after a real multi-agent run, the read API, batching, the CLI."""

from __future__ import annotations

import sqlite3

import agentcast as ac
from agentcast import hooks
from agentcast.cli import main
from agentcast.message import Msg
from agentcast.observe import query, start_run
from agentcast.testing.scripted import ScriptedModel

from .helpers import emit_reply


def _hub_run(run_dir):
    run = start_run(run_dir, run_name="hub-demo", console=False,
                    prices={"alice-llm": (2.0, 4.0)})
    alice = ac.DialogAgent("alice", "You are Alice.", model=ScriptedModel(
        [{"text": "Hi Bob and Carol!", "usage": {"prompt_tokens": 1000, "completion_tokens": 500}},
         "Bye."], model_name="alice-llm"))
    bob = ac.DialogAgent("bob", "You are Bob.", model=ScriptedModel(
        [{"text": "Hello Alice.", "usage": {"prompt_tokens": 30, "completion_tokens": 4}}]))
    carol = ac.DialogAgent("carol", "You are Carol.", model=ScriptedModel(["unused"]))
    with ac.msghub(participants=[alice, bob, carol],
                   announcement=Msg("host", "Greet each other.", url="https://x.test/a.png")) as hub:
        alice()
        bob()
        hub.delete(carol)
        last = alice()
    assert last.content == "Bye."
    ac.wait_all()
    return run


def test_store_holds_messages_receivers_and_model_calls_of_a_real_hub_run(run_dir):
    run = _hub_run(run_dir)
    run.flush()
    msgs = query.messages(run.id, run_dir=run_dir)
    got = [(m["sender"], m["seq_id"], m["content"], sorted(m["receivers"])) for m in msgs]
    assert got == [
        ("host", None, "Greet each other.", ["alice", "bob", "carol"]),
        ("alice", "alice#1", "Hi Bob and Carol!", ["bob", "carol"]),
        ("bob", "bob#1", "Hello Alice.", ["alice", "carol"]),
        ("alice", "alice#2", "Bye.", ["bob"]),
    ]
    assert msgs[0]["url"] == "https://x.test/a.png"
    for m in msgs[1:]:
        assert m["started"] <= m["ended"] and m["timestamp"] and m["role"] == "assistant"
    assert [m["sender"] for m in query.messages(run.id, agent="carol", run_dir=run_dir)] == [
        "host", "alice", "bob"]

    calls = query.model_calls(run.id, run_dir=run_dir)
    assert [(c["agent"], c["model"]) for c in calls] == [
        ("alice", "alice-llm"), ("bob", "scripted"), ("alice", "alice-llm")]
    first = calls[0]
    assert (first["prompt_tokens"], first["completion_tokens"]) == (1000, 500)
    assert abs(first["cost"] - 0.004) < 1e-12  # 1000*$2/1M + 500*$4/1M
    assert calls[1]["cost"] is None  # unpriced model: tokens only
    assert all(c["latency"] >= 0 and c["error"] is None and c["retries"] == 0 for c in calls)
    assert first["response"] == "Hi Bob and Carol!" and first["n_messages"] >= 2


def test_read_api_lists_runs_and_summarises_usage(run_dir):
    run = _hub_run(run_dir)
    ac.observe.end_run()
    runs = query.list_runs(run_dir)
    assert [r["run_id"] for r in runs] == [run.id]
    info = query.get_run(run.id[:12], run_dir)  # a unique prefix is enough
    assert info["name"] == "hub-demo" and info["status"] == "finished" and info["messages"] == 4
    usage = query.usage(run.id, run_dir)
    assert usage["by_agent"]["bob"]["total_tokens"] == 34
    assert usage["by_model"]["alice-llm"]["calls"] == 2
    assert usage["total"]["unpriced_calls"] == 1
    assert usage["total"] == run.usage()["total"]  # the store agrees with the live monitor


def test_tool_calls_agent_events_and_failures_are_recorded(run_dir):
    run = start_run(run_dir, console=False)
    hooks.emit("tool_call", {"name": "search", "arguments": {"query": "otters"}, "status": "ok",
                             "duration": 0.25, "agent": "alice", "error": None})
    hooks.emit("tool_call", {"name": "calc", "arguments": {"x": 1}, "status": "error",
                             "duration": 0.01, "agent": "bob", "error": ValueError("bad x")})
    hooks.emit("agent_event", {"agent": "bob", "event": "handoff", "detail": {"to": "carol"}})
    failing = ac.DialogAgent("dan", "x", model=ScriptedModel([RuntimeError("model down")]))
    x = failing(Msg("user", "hi", role="user"))
    try:
        _ = x.content
    except ac.AgentCallError:
        pass
    run.flush()
    tools = query.tool_calls(run.id, run_dir=run_dir)
    assert [(t["name"], t["arguments"], t["status"], t["error"]) for t in tools] == [
        ("search", {"query": "otters"}, "ok", None),
        ("calc", {"x": 1}, "error", "ValueError: bad x")]
    assert tools[0]["duration"] == 0.25
    events = query.agent_events(run.id, run_dir=run_dir)
    assert ("bob", "handoff", {"to": "carol"}) in [(e["agent"], e["event"], e["detail"])
                                                    for e in events]
    err = next(e for e in events if e["event"] == "reply_error")
    assert err["agent"] == "dan" and err["detail"]["seq_id"] == "dan#1"
    assert "model down" in err["detail"]["error"]
    failed_call = query.model_calls(run.id, agent="dan", run_dir=run_dir)[0]
    assert "model down" in failed_call["error"]


def test_events_are_batched_off_the_hot_path(run_dir):
    run = start_run(run_dir, console=False, flush_interval=30.0, batch_size=10_000)
    for i in range(100):
        emit_reply("alice", i + 1, f"m{i}", receivers=["bob"])
    db = run.dir / "store.db"
    with sqlite3.connect(db) as conn:  # nothing written yet: emitting only queued the events
        assert conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    run.flush()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 100
        assert conn.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0] == 100


def test_batch_size_wakes_the_writer_early(run_dir):
    import time

    run = start_run(run_dir, console=False, flush_interval=30.0, batch_size=50)
    for i in range(120):
        emit_reply("alice", i + 1, f"m{i}")
    deadline = time.time() + 5
    count = 0
    while time.time() < deadline and count < 120 - 49:
        with sqlite3.connect(run.dir / "store.db") as conn:
            count = conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
        time.sleep(0.02)
    # full batches went out without waiting for the 30 s interval; fewer than one batch waits
    assert count >= 120 - 49 and run.store.pending < 50


def test_cli_lists_runs_and_prints_a_transcript(run_dir, capsys):
    run = _hub_run(run_dir)
    ac.observe.end_run()
    assert main(["runs", "--dir", str(run_dir)]) == 0
    out = capsys.readouterr().out
    assert "RUN ID" in out and run.id in out and "hub-demo" in out and "finished" in out
    assert main(["runs", "show", run.id[:15], "--dir", str(run_dir)]) == 0
    out = capsys.readouterr().out
    assert "alice#1 alice -> bob, carol" in out
    assert "Hi Bob and Carol!" in out and "bob#1 bob -> alice, carol" in out
    assert "host -> alice, bob, carol" in out and "[attachment] https://x.test/a.png" in out
    assert "4 messages, 3 model calls" in out
    assert main(["runs", "--dir", str(run_dir), "show", "nope"]) == 1
    assert "is not a run" in capsys.readouterr().out


def test_observing_a_list_records_each_message_once(run_dir):
    run = start_run(run_dir, console=False)
    m1, m2 = Msg("host", "one"), Msg("host", "two")
    for receiver in ("a", "b"):
        hooks.emit("observe", {"agent": receiver, "msg": [m1, m2]})
    run.flush()
    msgs = query.messages(run.id, run_dir=run_dir)
    assert [(m["content"], sorted(m["receivers"])) for m in msgs] == [
        ("one", ["a", "b"]), ("two", ["a", "b"])]
