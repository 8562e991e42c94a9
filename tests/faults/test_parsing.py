"""Model-resolvable errors: re-ask with the error shown, then fault_handler, then a typed error."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field

from agentcast.exceptions import ConfigError, ResponseParseError
from agentcast.models.base import ModelResponse
from agentcast.models.parsing import JsonDictParser
from agentcast.testing.scripted import ScriptedModel

from .helpers import ask, run


class Vote(BaseModel):
    thought: str
    vote: str
    confidence: float = Field(ge=0, le=1)


def last_text(call) -> str:
    return call["messages"][-1].content


def test_reask_fixes_a_missing_key_on_the_second_try():
    model = ScriptedModel(['{"thought": "hmm"}', '{"thought": "hmm", "vote": "Bob"}'])
    resp = run(model(ask(), parse_func=JsonDictParser(["thought", "vote"]), max_retries=2))
    assert resp.parsed == {"thought": "hmm", "vote": "Bob"}
    assert resp.reasks == 1
    assert len(model.calls) == 2
    second = model.calls[1]["messages"]
    # The model sees its bad reply and the error that names the missing key.
    assert second[-2].role == "assistant" and second[-2].content == '{"thought": "hmm"}'
    assert "'vote'" in second[-1].content and "could not be used" in second[-1].content
    assert second[: len(ask())][0].content == "hi"


def test_reask_keeps_only_the_latest_failure():
    model = ScriptedModel(["no json", "still none", '{"vote": "x"}'])
    run(model(ask(), parse_func=JsonDictParser(["vote"]), max_retries=2))
    assert [len(c["messages"]) for c in model.calls] == [1, 3, 3]
    assert model.calls[2]["messages"][-2].content == "still none"


def test_fault_handler_used_after_max_retries():
    model = ScriptedModel(["nope", "nope again", "still nope"])
    seen = []

    def handler(response, error):
        seen.append((response.text, str(error)))
        return {"vote": "abstain"}

    resp = run(model(ask(), parse_func=JsonDictParser(["vote"]), max_retries=2,
                     fault_handler=handler))
    assert resp.parsed == {"vote": "abstain"}
    assert len(model.calls) == 3 and resp.reasks == 2
    assert seen[0][0] == "still nope" and "JSON" in seen[0][1]


def test_one_argument_fault_handler_as_in_the_paper():
    model = ScriptedModel(["bad"])
    resp = run(model(ask(), parse_func=JsonDictParser(["vote"]), max_retries=0,
                     fault_handler=lambda r: ModelResponse(text=r.text, parsed="fallback")))
    assert resp.parsed == "fallback" and len(model.calls) == 1


def test_response_parse_error_without_handler():
    model = ScriptedModel(['{"a": 1}', '{"a": 2}'])
    with pytest.raises(ResponseParseError, match="2 request") as info:
        run(model(ask(), parse_func=JsonDictParser(["vote"]), max_retries=1))
    assert info.value.raw == '{"a": 2}'
    assert "'vote'" in str(info.value)


def test_any_exception_in_parse_func_triggers_a_reask():
    def parse(response):
        number = int(response.text)
        if number < 0:
            raise ValueError("the number must be positive")
        return number

    model = ScriptedModel(["-3", "3"])
    resp = run(model(ask(), parse_func=parse))
    assert resp.parsed == 3
    assert "must be positive" in last_text(model.calls[1])


def test_structured_output_reasked_on_validation_errors():
    model = ScriptedModel([
        'Here: {"thought": "t", "vote": "Bob", "confidence": 7}',  # out of range
        '```json\n{"thought": "t", "vote": "Bob", "confidence": 0.7}\n```',
    ])
    resp = run(model(ask(), structured_model=Vote))
    assert isinstance(resp.parsed, Vote) and resp.parsed.confidence == 0.7
    first, second = model.calls
    # Prompt-based path: the schema is in the prompt and no response_format is sent.
    assert '"confidence"' in last_text(first) and "JSON schema" in last_text(first)
    assert "response_format" not in first["kwargs"]
    # The validation error names the field and what was wrong.
    assert "confidence" in last_text(second) and "less than or equal to 1" in last_text(second)


def test_structured_output_uses_native_json_schema_when_supported():
    class NativeModel(ScriptedModel):
        supports_json_schema = True

    model = NativeModel(['{"thought": "t", "vote": "Bob", "confidence": 0.5}'])
    resp = run(model(ask(), structured_model=Vote))
    assert resp.parsed.vote == "Bob"
    fmt = model.calls[0]["kwargs"]["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["name"] == "Vote"
    assert fmt["json_schema"]["schema"]["required"] == ["thought", "vote", "confidence"]
    assert len(model.calls[0]["messages"]) == 1  # no schema text in the prompt


def test_structured_output_json_mode_adds_schema_to_prompt():
    class JsonModeModel(ScriptedModel):
        supports_json_mode = True

    model = JsonModeModel(['{"thought": "t", "vote": "Bob", "confidence": 0.5}'])
    run(model(ask(), structured_model=Vote))
    assert model.calls[0]["kwargs"]["response_format"] == {"type": "json_object"}
    assert "JSON schema" in last_text(model.calls[0])


def test_usage_covers_every_request():
    model = ScriptedModel([{"text": "x", "usage": {"prompt_tokens": 10, "completion_tokens": 1}},
                           {"text": '{"v": 1}',
                            "usage": {"prompt_tokens": 20, "completion_tokens": 3}}])
    resp = run(model(ask(), parse_func=JsonDictParser(["v"])))
    assert (resp.usage.prompt_tokens, resp.usage.completion_tokens) == (30, 4)


def test_parse_func_and_structured_model_are_exclusive():
    with pytest.raises(ConfigError):
        run(ScriptedModel(["{}"])(ask(), parse_func=lambda r: r, structured_model=Vote))


def test_reask_resets_the_live_printer_and_reports_each_request():
    from agentcast import hooks

    events: list[dict] = []
    unsubscribe = hooks.subscribe(lambda kind, data: events.append(data))
    seen = []
    try:
        model = ScriptedModel(["bad", '{"v": 1}'])
        run(model(ask(), parse_func=JsonDictParser(["v"]), on_chunk=seen.append))
    finally:
        unsubscribe()
    assert [(c.reset, c.delta) for c in seen] == [(False, "bad"), (True, ""), (False, '{"v": 1}')]
    assert len(events) == 2  # one usage event per request, for the monitor
