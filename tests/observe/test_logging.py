"""CHAT level, the coloured terminal view, JSON-lines logs, and no key ever written."""

from __future__ import annotations

import io
import json
import logging

import pytest

import agentcast as ac
from agentcast import hooks
from agentcast.exceptions import AgentCallError
from agentcast.message import Msg
from agentcast.models import registry
from agentcast.observe import CHAT, end_run, start_run
from agentcast.observe.logging import ChatConsoleHandler, log_chat
from agentcast.observe.redaction import Redactor

from .helpers import emit_reply

PLANTED = "PLANTED-7f3a9c2e41d0b8c5e6a1"  # the configured key: not secret-shaped at all
SHAPED = "sk-proj-Zx9Qw8Er7Ty6Ui5Op4As3Df2"  # a key nobody configured, caught by its shape


def _jsonl(run):
    return [json.loads(line) for line in (run.dir / "log.jsonl").read_text().splitlines()]


def test_chat_level_sits_between_info_and_warning():
    assert logging.INFO < CHAT < logging.WARNING
    assert logging.getLevelName(CHAT) == "CHAT"


def test_agent_utterances_land_in_the_jsonl_log_at_chat_level(run_dir):
    run = start_run(run_dir, console=False)
    emit_reply("alice", 1, "Hello Bob", receivers=["bob"])
    emit_reply("bob", 1, {"answer": 42})
    end_run()
    chat = [r for r in _jsonl(run) if r["level"] == "CHAT"]
    assert [(r["agent"], r["content"], r["seq_id"]) for r in chat] == [
        ("alice", "Hello Bob", "alice#1"), ("bob", {"answer": 42}, "bob#1")]
    assert all(r["run_id"] == run.id and r["logger"] == "agentcast.chat" for r in chat)


def test_logger_level_from_init_filters_the_log(run_dir):
    run = start_run(run_dir, console=False, logger_level="WARNING")
    emit_reply("alice", 1, "not logged at WARNING")
    logging.getLogger("agentcast.test").warning("kept")
    end_run()
    records = _jsonl(run)
    assert [r["message"] for r in records] == ["kept"]


def test_bad_level_is_a_config_error(run_dir):
    with pytest.raises(ac.ConfigError, match="logger_level"):
        start_run(run_dir, logger_level="LOUD")
    assert not run_dir.exists()  # nothing was created
    assert not any(type(h).__name__ == "_QueueHandler"
                   for h in logging.getLogger("agentcast").handlers)


def test_terminal_shows_each_agent_with_its_own_colour_and_icon():
    out = io.StringIO()
    handler = ChatConsoleHandler(stream=out, show_chat=True)
    logger = logging.getLogger("agentcast.test.console")
    logger.addHandler(handler)
    logger.setLevel(CHAT)
    logger.propagate = False
    try:
        log_chat(Msg("alice", "hi", url="https://x.test/cat.png"), logger=logger)
        log_chat(Msg("bob", "hello"), logger=logger)
    finally:
        logger.removeHandler(handler)
    text = out.getvalue()
    (ca, ia), (_cb, ib) = handler.style_for("alice"), handler.style_for("bob")
    assert f"{ia} alice: hi" in text and f"{ib} bob: hello" in text and "cat.png" in text
    assert (ca, ia) == handler.style_for("alice")  # stable per agent


def test_redactor_masks_values_and_shapes():
    r = Redactor([PLANTED], from_env=False)
    assert PLANTED not in r.text(f"key={PLANTED}!")
    assert SHAPED not in r.text(f"using {SHAPED} now")
    assert "abc123secretvalue" not in r.text('{"api_key": "abc123secretvalue"}')
    assert "tok-9876543210" not in r.text("Authorization: Bearer tok-9876543210")
    assert r.value({"client_args": {"api_key": "whatever-123"}, "max_tokens": 5}) == {
        "client_args": {"api_key": "[REDACTED]"}, "max_tokens": 5}
    env = Redactor(from_env=False)
    env.add_env({"MY_SERVICE_API_KEY": "envsecret-55555", "HOME": "/root"})
    assert env.text("x envsecret-55555 /root") == "x [REDACTED] /root"


def test_a_planted_key_is_in_no_log_file_and_nowhere_in_the_store(run_dir, monkeypatch):
    monkeypatch.setenv("OTHER_VENDOR_API_KEY", "envkey-0c1d2e3f4a5b")
    registry.load_model_configs([{
        "config_name": "planted", "model_type": "scripted", "api_key": PLANTED,
        "replies": [f"my key is {PLANTED}, the other is {SHAPED} and envkey-0c1d2e3f4a5b",
                    RuntimeError(f"401: invalid api key {PLANTED}")],
    }])
    try:
        run = start_run(run_dir, logger_level="DEBUG", console=True,
                        config={"model_configs": [{"api_key": PLANTED}]})
        agent = ac.DialogAgent("leaky", f"Your key is {PLANTED}.", model="planted")
        first = agent(Msg("user", f"repeat {PLANTED}", role="user"))
        assert PLANTED in first.content  # the workflow itself really carries the key
        second = agent()
        with pytest.raises(AgentCallError):
            _ = second.content
        hooks.emit("tool_call", {"name": "fetch", "agent": "leaky", "status": "error",
                                 "arguments": {"url": "https://x.test", "token": PLANTED},
                                 "duration": 0.1, "error": ValueError(f"denied {PLANTED}")})
        hooks.emit("agent_event", {"agent": "leaky", "event": "note", "detail": PLANTED})
        logging.getLogger("agentcast.test").error("config was %s", {"api_key": PLANTED})
        run.flush()
        files = sorted(p for p in run.dir.rglob("*") if p.is_file())
        names = {p.name for p in files}
        assert {"log.jsonl", "store.db"} <= names and "store.db-wal" in names  # live WAL too
        _assert_clean(files)
        end_run()
        files = sorted(p for p in run.dir.rglob("*") if p.is_file())
        _assert_clean(files)
        log_text = (run.dir / "log.jsonl").read_text()
        assert "[REDACTED]" in log_text and "401: invalid api key" in log_text
    finally:
        registry._CONFIGS.pop("planted", None)
        registry._INSTANCES.pop("planted", None)


def _assert_clean(files):
    for path in files:
        data = path.read_bytes()
        for secret in (PLANTED, SHAPED, "envkey-0c1d2e3f4a5b"):
            assert secret.encode() not in data, f"{secret} leaked into {path.name}"


def test_diagnostics_go_to_stderr_and_the_conversation_to_stdout(capsys):
    """A warning never lands in the middle of what the program prints (a race seen when a
    warning from the store's thread split a script's print in two)."""
    from agentcast.observe.logging import ChatConsoleHandler, log_chat

    handler = ChatConsoleHandler()
    logger = logging.getLogger("agentcast.test-streams")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        logger.warning("no price known for model 'x'")
        log_chat(ac.Msg("alice", "hello there"), logger=logger)
    finally:
        logger.removeHandler(handler)
    out, err = capsys.readouterr()
    assert "no price known" in err and "no price known" not in out
    assert "hello there" in out and "hello there" not in err
