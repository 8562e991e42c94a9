"""agentcast against a real small model behind llama-cpp-python's OpenAI-compatible server.

These tests assert what agentcast guarantees (answers arrive whole or fail with a typed
error, loops are bounded, parsed objects validate, the game ends), never the model's wisdom.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

import agentcast as ac
from agentcast import Msg, hooks
from agentcast.exceptions import ResponseParseError
from agentcast.models.base import ChatModelBase
from agentcast.models.parsing import JsonDictParser
from agentcast.models.registry import build_model

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def model_of(config: dict[str, Any], **overrides: Any) -> ChatModelBase:
    model = build_model({**config, **overrides})
    assert isinstance(model, ChatModelBase)
    return model


def ask(text: str) -> list[Msg]:
    return [Msg("system", "You are a helpful assistant. Answer briefly.", role="system"),
            Msg("user", text, role="user")]


class Events:
    """Collects model events while a block runs."""

    def __init__(self) -> None:
        self.items: list[tuple[str, dict[str, Any]]] = []

    def __enter__(self) -> Events:
        self._off = hooks.subscribe(lambda kind, data: self.items.append((kind, data)))
        return self

    def __exit__(self, *exc: object) -> None:
        self._off()

    def of(self, kind: str, event: str | None = None) -> list[dict[str, Any]]:
        return [d for k, d in self.items if k == kind and (event is None or
                                                           d.get("event") == event)]


def test_chat_answers_with_real_usage(real_config):
    model = model_of(real_config, stream=False)
    resp = asyncio.run(model(ask("Say hello to Ann.")))
    assert resp.text.strip()
    assert resp.usage.prompt_tokens > 5 and resp.usage.completion_tokens > 0
    assert resp.usage.estimated is False  # the server counted them


def test_streaming_matches_the_answer_and_marks_estimated_usage(real_config):
    model = model_of(real_config, stream=True)
    deltas: list[str] = []
    resp = asyncio.run(model(ask("Name three colours."), on_chunk=lambda c: deltas.append(
        c.delta)))
    assert resp.text.strip() and "".join(deltas) == resp.text
    # llama-cpp-python sends no usage in streams: the counts are estimates, and say so.
    assert resp.usage.completion_tokens > 0 and resp.usage.estimated is True


def test_two_agent_conversation(real_config):
    ac.init(model_configs=[real_config], run_dir=None, logger_level="WARNING")
    ann = ac.DialogAgent("Ann", "You are Ann, a friendly baker. Reply in one sentence.",
                         "smollm2")
    bob = ac.DialogAgent("Bob", "You are Bob, a curious customer. Reply in one sentence.",
                         "smollm2")
    x: Any = Msg("Bob", "Hello Ann, what do you bake today?", role="assistant")
    replies = []
    for turn in range(4):  # bounded
        x = (ann if turn % 2 == 0 else bob)(x)
        replies.append(x)
    names = [r.name for r in replies]
    assert names == ["Ann", "Bob", "Ann", "Bob"]
    assert all(isinstance(r.content, str) and r.content.strip() for r in replies)


def test_json_mode_parse_validates_or_fails_typed(real_config):
    model = model_of(real_config, stream=False)
    parser = JsonDictParser(["name", "age"])
    try:
        resp = asyncio.run(model(
            ask('Describe a person as a JSON object with the keys "name" (text) and "age" '
                "(a number).") + [Msg("system", parser.instruction, role="user")],
            parse_func=parser, response_format={"type": "json_object"}, max_retries=2))
    except ResponseParseError as exc:  # a small model may fail; it must fail typed
        assert exc.raw is not None
        return
    assert isinstance(resp.parsed, dict) and {"name", "age"} <= set(resp.parsed)


class City(BaseModel):
    name: str
    population: int


def test_schema_output_falls_back_from_json_schema_and_validates(real_config):
    model = model_of(real_config, stream=False)
    assert model.structured_output == "json_schema"
    with Events() as events:
        try:
            resp = asyncio.run(model(ask("Give one city and its population."),
                                     structured_model=City, max_retries=3))
            assert isinstance(resp.parsed, City)
        except ResponseParseError:
            pass  # typed, after bounded re-asks
    # The server refuses json_schema (HTTP 500 naming response_format): one fallback to JSON
    # mode, remembered for the model, and no transient retries of the refusal.
    assert model.structured_output == "json_object"
    assert len(events.of("model_event", "structured_fallback")) == 1
    assert not events.of("model_event", "retry")


def test_forced_tool_call_returns_real_tool_calls(real_config):
    tools = [{"type": "function", "function": {
        "name": "add", "description": "Add two integers.",
        "parameters": {"type": "object", "properties": {"a": {"type": "integer"},
                                                        "b": {"type": "integer"}},
                       "required": ["a", "b"]}}}]
    for stream in (False, True):
        model = model_of(real_config, stream=stream)
        resp = asyncio.run(model(ask("What is 2 plus 3? Use the tool."), tools=tools,
                                 tool_choice={"type": "function", "function": {"name": "add"}}))
        assert resp.tool_calls, f"stream={stream}: no tool call in {resp.text!r}"
        call = resp.tool_calls[0]
        assert call.name == "add" and isinstance(call.arguments, dict)
        assert isinstance(call.arguments["a"], int) and isinstance(call.arguments["b"], int)


def test_two_agents_sharing_the_server_get_whole_answers(real_config):
    """llama-cpp-python (interrupt_requests on, its default) ends a running stream with
    [DONE] and no finish_reason when another request arrives. The cut is said (a retry
    event naming it), retried, and from then on the server gets one request at a time, so
    both agents get whole answers (never an empty reply taken as complete)."""
    ac.init(model_configs=[{**real_config, "stream": True}], run_dir=None,
            logger_level="WARNING")
    agents = [ac.DialogAgent(n, f"You are {n}. Answer in two sentences.", "smollm2")
              for n in ("Ann", "Bob")]
    with Events() as events:
        replies = ac.fanout_pipeline(agents, Msg("user", "Describe the sea.", role="user"))
        texts = [r.content for r in replies]
    assert all(isinstance(t, str) and t.strip() for t in texts), texts
    cuts = [e for e in events.of("model_event", "retry") if "cut off" in e["detail"]]
    assert cuts, "the two concurrent streams never overlapped: the case was not exercised"


@pytest.mark.timeout(600)
def test_short_werewolf_game_ends(real_config, capsys):
    """One round with six real-model players: every unusable reply ends in a default action
    (the example's fault handler), so the game ends whatever the model says."""
    sys.path.insert(0, str(EXAMPLES))
    try:
        import werewolf
    finally:
        sys.path.remove(str(EXAMPLES))
    # JSON mode would be grammar-constrained sampling, which llama-cpp-python runs about ten
    # times slower; the prompt path keeps the game within a minute or two.
    ac.init(model_configs=[{**real_config, "stream": False, "structured_output": "prompt",
                            "generate_args": {**real_config["generate_args"],
                                              "max_tokens": 64}}],
            run_dir=None, logger_level="WARNING")
    game = werewolf.Game("smollm2", seed=3, max_rounds=1)
    for player in game.players.values():
        player.max_retries = 0  # keeps the suite short: a bad reply goes to the handler
    winner = game.play()
    assert winner in ("villagers", "werewolves", "nobody (round cap reached)")
    out = capsys.readouterr().out
    assert "Night 1" in out
