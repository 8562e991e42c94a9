"""Structured output against a server that refuses response_format modes (llama-cpp-python
answers 500 to json_schema): fall back once, remember it, never retry it as transient."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

pytest.importorskip("httpx")

from agentcast import Msg, hooks
from agentcast.exceptions import ConfigError, UnsupportedRequestError
from agentcast.models.openai_chat import OpenAIChatModel
from agentcast.testing.openai_server import OpenAITestServer

from .helpers import FAST, run


class Pick(BaseModel):
    name: str
    score: int


def ask() -> list[Msg]:
    return [Msg("user", "Pick one.", role="user")]


def model_for(server: OpenAITestServer, **kwargs) -> OpenAIChatModel:
    return OpenAIChatModel(model_name="m", base_url=server.base_url, api_key="k", retry=FAST,
                           **kwargs)


def test_json_schema_refused_falls_back_to_json_mode_once_and_is_remembered(caplog):
    events: list[dict] = []
    unsubscribe = hooks.subscribe(lambda kind, data: events.append(data)
                                  if kind == "model_event" else None)
    with OpenAITestServer(response_formats=("text", "json_object")) as server:
        server.add('{"name": "Ann", "score": 3}', '{"name": "Bo", "score": 1}')
        model = model_for(server)
        try:
            first = run(model(ask(), structured_model=Pick))
            second = run(model(ask(), structured_model=Pick))
        finally:
            unsubscribe()
        kinds = [(r.json.get("response_format") or {}).get("type") for r in server.requests]
    assert first.parsed == Pick(name="Ann", score=3) and second.parsed.name == "Bo"
    # One refused request (not retried as a transient 500), then JSON mode, remembered.
    assert kinds == ["json_schema", "json_object", "json_object"]
    assert model.structured_output == "json_object"
    assert [e["event"] for e in events] == ["structured_fallback"]
    assert any("falls back" in r.getMessage() for r in caplog.records)
    # The schema moved into the prompt, since the server no longer enforces it.
    assert "score" in server.requests[1].json["messages"][-1]["content"]


def test_json_mode_refused_too_falls_back_to_the_prompt():
    with OpenAITestServer(response_formats=("text",)) as server:
        server.add('{"name": "Ann", "score": 3}', '{"name": "Bo", "score": 2}')
        model = model_for(server, structured_output="json_object")
        resp = run(model(ask(), structured_model=Pick))
        assert resp.parsed.score == 3 and model.structured_output == "prompt"
        run(model(ask(), structured_model=Pick))
        kinds = [(r.json.get("response_format") or {}).get("type") for r in server.requests]
    assert kinds == ["json_object", None, None]


def test_configured_prompt_mode_sends_no_response_format():
    with OpenAITestServer(response_formats=()) as server:
        server.add('{"name": "Ann", "score": 3}')
        model = model_for(server, structured_output="prompt")
        assert run(model(ask(), structured_model=Pick)).parsed.name == "Ann"
        assert "response_format" not in server.requests[0].json


def test_a_refusal_outside_structured_output_is_a_typed_error_not_retried():
    with OpenAITestServer(response_formats=("text",)) as server:
        model = model_for(server)
        with pytest.raises(UnsupportedRequestError) as info:
            run(model(ask(), response_format={"type": "json_object"}))
        assert len(server.requests) == 1
    assert info.value.feature == "response_format" and "structured_output" in str(info.value)


def test_bad_structured_output_config_names_the_field():
    with pytest.raises(ConfigError) as info:
        OpenAIChatModel(model_name="m", base_url="http://127.0.0.1:9", api_key="k",
                        structured_output="xml")
    assert info.value.field == "structured_output"
