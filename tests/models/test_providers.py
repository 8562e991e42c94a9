"""Every chat provider end to end over real HTTP: text, streaming, tool calls, usage, errors."""

from __future__ import annotations

import json

import pytest

from agentcast.exceptions import (
    ModelError,
    TransientModelError,
    UnresolvableModelError,
)
from agentcast.models.base import ToolCall
from agentcast.models.formatters import make_tool_call_msg, make_tool_result_msg

from .helpers import KEY, PROVIDERS, ask, drain_raw, model_for, run

TOOLS = [{"type": "function", "function": {
    "name": "add", "description": "Add two numbers.",
    "parameters": {"type": "object", "properties": {"a": {"type": "integer"},
                                                    "b": {"type": "integer"}},
                   "required": ["a", "b"]}}}]


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("stream", [True, False], ids=["stream", "plain"])
def test_text_reply_with_usage(server, provider, stream):
    server.add("Hello there, how are you today?")
    model = model_for(provider, server, stream=stream)
    chunks = []
    resp = run(model(ask("hi"), on_chunk=chunks.append))
    assert resp.text == "Hello there, how are you today?"
    assert resp.usage.prompt_tokens > 0 and resp.usage.completion_tokens > 0
    assert resp.model == model.model_name and resp.retries == 0 and resp.latency > 0
    deltas = [c.delta for c in chunks if c.delta]
    assert len(deltas) == (6 if stream else 1)  # streamed word by word, or one chunk
    assert len(server.requests) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("stream", [True, False], ids=["stream", "plain"])
def test_tool_calls_round_trip(server, provider, stream):
    server.add({"text": "Let me add.",
                "tool_calls": [{"id": "call_7", "name": "add", "arguments": {"a": 1, "b": 2}}]},
               "The sum is 3.")
    model = model_for(provider, server, stream=stream)
    resp = run(model(ask("1+2?"), tools=TOOLS))
    assert resp.text == "Let me add."
    assert [(c.name, c.arguments) for c in resp.tool_calls] == [("add", {"a": 1, "b": 2})]
    if provider != "ollama":  # Ollama has no call ids; we make them up
        assert resp.tool_calls[0].id == "call_7"
    assert "add" in json.dumps(server.requests[0].json["tools"] if provider != "dashscope"
                               else server.requests[0].json["parameters"]["tools"])
    # the convention: call Msg + result Msg go back to the model, paired
    history = [*ask("1+2?"), make_tool_call_msg("bot", resp.tool_calls, resp.text),
               make_tool_result_msg(resp.tool_calls[0].id, "add", "3")]
    final = run(model(history, tools=TOOLS))
    assert final.text == "The sum is 3."
    sent = json.dumps(server.requests[1].json)
    assert resp.tool_calls[0].id in sent or provider == "ollama"
    assert '"3"' in sent or ": 3" in sent


@pytest.mark.parametrize("provider", PROVIDERS)
def test_wrong_key_fails_on_first_call_with_what_to_fix(server, provider):
    if provider == "ollama":
        server.fail_next("401")  # Ollama has no keys; a proxy in front of it might
    model = model_for(provider, server, api_key="sk-wrong")
    with pytest.raises(UnresolvableModelError) as info:
        run(model(ask()))
    text = str(info.value)
    assert "401" in text and "API key" in text and "api_key" in text
    assert info.value.status == 401
    assert len(server.requests) == 1  # never retried


ENV_VARS = {"openai": "OPENAI_API_KEY", "azure": "AZURE_OPENAI_API_KEY",
            "anthropic": "ANTHROPIC_API_KEY", "gemini": "GEMINI_API_KEY",
            "dashscope": "DASHSCOPE_API_KEY"}


@pytest.mark.parametrize("provider", sorted(ENV_VARS))
def test_auth_error_names_the_environment_variable(server, provider):
    model = model_for(provider, server, api_key="sk-wrong")
    with pytest.raises(UnresolvableModelError, match=ENV_VARS[provider]):
        run(model(ask()))


CASES = [
    ("403", UnresolvableModelError, "permission denied"),
    ("404", UnresolvableModelError, "model_name"),
    ("400", UnresolvableModelError, "rejected"),
    ("429", TransientModelError, "429"),
    ("500", TransientModelError, "500"),
    ("503", TransientModelError, "503"),
    ("529", TransientModelError, "529"),
    ("reset", TransientModelError, "connection"),
    ("truncate", TransientModelError, ""),
    ("malformed", TransientModelError, "malformed JSON"),
]


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("stream", [True, False], ids=["stream", "plain"])
@pytest.mark.parametrize(("fault", "cls", "words"), CASES, ids=[c[0] for c in CASES])
def test_faults_map_to_the_error_tree(server, provider, stream, fault, cls, words):
    server.add("a reply long enough to be cut in two halves")
    server.fail_next(fault, retry_after=7 if fault == "429" else None)
    model = model_for(provider, server, stream=stream)
    with pytest.raises(ModelError) as info:
        run(drain_raw(model, ask()))
    assert type(info.value) is cls, info.value
    assert words in str(info.value)
    if fault == "429":
        assert info.value.retry_after == 7
    if fault == "truncate":
        assert "ended before" in str(info.value) or "connection" in str(info.value)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_read_timeout_is_transient(server, provider):
    server.fail_next("timeout", delay=2.0)
    model = model_for(provider, server, timeout=0.3, retry={"timeout": None})
    with pytest.raises(TransientModelError, match="within 0.3s"):
        run(drain_raw(model, ask()))


@pytest.mark.parametrize("provider", PROVIDERS)
def test_transient_faults_are_retried_by_the_model_call(server, provider):
    server.add("finally")
    server.fail_next("503").fail_next("truncate").fail_next("reset")
    resp = run(model_for(provider, server)(ask()))
    assert resp.text == "finally" and resp.retries == 3
    assert [r.fault for r in server.requests] == ["503", "truncate", "reset", None]


def test_openai_request_shape(server):
    server.add("ok")
    model = model_for("openai", server, generate_args={"temperature": 0.2, "seed": 1})
    run(model(ask(), max_tokens=5))
    req = server.requests[0]
    assert req.path == "/v1/chat/completions"
    assert req.headers["authorization"] == f"Bearer {KEY}"
    assert req.json["model"] == "gpt-4o" and req.json["stream"] is True
    assert req.json["stream_options"] == {"include_usage": True}
    assert req.json["temperature"] == 0.2 and req.json["seed"] == 1
    assert req.json["max_tokens"] == 5


def test_azure_request_shape(server):
    server.add("ok")
    run(model_for("azure", server)(ask()))
    req = server.requests[0]
    assert req.path == "/openai/deployments/my-deployment/chat/completions"
    assert req.query == {"api-version": "2024-10-21"} and req.headers["api-key"] == KEY


def test_anthropic_request_shape(server):
    server.add("ok")
    model = model_for("anthropic", server, generate_args={"temperature": 0.1})
    run(model(ask(), tools=TOOLS, tool_choice="required", stop="END"))
    req = server.requests[0]
    assert req.path == "/v1/messages"
    assert req.headers["x-api-key"] == KEY and req.headers["anthropic-version"] == "2023-06-01"
    body = req.json
    assert body["system"] == "Be brief." and body["max_tokens"] == 4096
    assert body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]
    assert body["tools"][0]["input_schema"]["required"] == ["a", "b"]
    assert body["tool_choice"] == {"type": "any"} and body["stop_sequences"] == ["END"]
    assert body["temperature"] == 0.1 and body["stream"] is True


def test_gemini_request_shape(server):
    server.add("ok")
    model = model_for("gemini", server, generate_args={"temperature": 0.3, "max_tokens": 50})
    run(model(ask(), tools=TOOLS, response_format={"type": "json_object"}))
    req = server.requests[0]
    assert req.path == "/v1beta/models/gemini-test:streamGenerateContent"
    assert req.query == {"alt": "sse"} and req.headers["x-goog-api-key"] == KEY
    body = req.json
    assert body["systemInstruction"] == {"parts": [{"text": "Be brief."}]}
    assert body["contents"] == [{"role": "user", "parts": [{"text": "hi"}]}]
    assert body["tools"][0]["functionDeclarations"][0]["name"] == "add"
    assert body["generationConfig"] == {"temperature": 0.3, "maxOutputTokens": 50,
                                        "responseMimeType": "application/json"}


def test_dashscope_request_shape(server, tmp_path):
    server.add("ok", "I see a pixel.")
    model = model_for("dashscope", server, generate_args={"top_p": 0.5})
    run(model(ask()))
    req = server.requests[0]
    assert req.path == "/api/v1/services/aigc/text-generation/generation"
    assert req.headers["x-dashscope-sse"] == "enable"
    assert req.json["parameters"] == {"result_format": "message", "top_p": 0.5,
                                      "incremental_output": True}
    from agentcast.message import Msg
    from agentcast.testing.openai_server import PNG_1PX

    image = tmp_path / "p.png"
    image.write_bytes(PNG_1PX)
    resp = run(model([Msg("user", "What is this?", "user", url=str(image))]))
    assert resp.text == "I see a pixel."
    req = server.requests[1]
    assert req.path == "/api/v1/services/aigc/multimodal-generation/generation"
    content = req.json["input"]["messages"][0]["content"]
    assert content[0] == {"text": "What is this?"}
    assert content[1]["image"].startswith("data:image/png;base64,")


def test_ollama_request_shape(server):
    server.add("ok")
    model = model_for("ollama", server, generate_args={"temperature": 0, "max_tokens": 9})
    run(model(ask(), response_format={"type": "json_object"}))
    req = server.requests[0]
    assert req.path == "/api/chat" and "authorization" not in req.headers
    assert req.json["stream"] is True and req.json["format"] == "json"
    assert req.json["options"] == {"temperature": 0, "num_predict": 9}


def test_in_stream_error_event_is_mapped(server):
    def overloaded(request):
        return {"raw": None, "text": "x"}

    # Anthropic reports overload inside a 200 stream as an "error" event.
    from agentcast.testing import _dialects

    class Overloaded(_dialects.AnthropicDialect):
        def stream(self, reply, model, usage, body):
            return [_dialects.sse({"type": "error", "error": {"type": "overloaded_error",
                                                              "message": "Overloaded"}},
                                  "error")]

    original = _dialects.DIALECTS["anthropic"]
    try:
        _dialects.DIALECTS["anthropic"] = Overloaded()
        server.add(overloaded)
        model = model_for("anthropic", server)
        with pytest.raises(TransientModelError, match="529"):
            run(drain_raw(model, ask()))
    finally:
        _dialects.DIALECTS["anthropic"] = original


def test_tool_call_arguments_that_are_not_json_stay_a_string(server):
    server.add({"tool_calls": [{"id": "c1", "name": "add", "arguments": "{a: 1"}]})
    resp = run(model_for("openai", server)(ask(), tools=TOOLS))
    assert resp.tool_calls == [ToolCall("c1", "add", "{a: 1")]


def test_dashscope_vl_models_always_use_the_multimodal_endpoint(server):
    server.add("seen")
    model = model_for("dashscope", server, model_name="qwen-vl-max")
    assert run(model(ask("hi"))).text == "seen"
    req = server.requests[0]
    assert req.path.endswith("/multimodal-generation/generation")
    assert req.json["input"]["messages"][1] == {"role": "user", "content": [{"text": "hi"}]}


def test_status_mapping_details():
    from agentcast.models._http import map_status

    def mapped(status, body, provider="openai", headers=None):
        return map_status(status, json.dumps(body), headers or {}, provider=provider,
                          model="m", url="http://x")

    quota = {"error": {"message": "You exceeded your current quota, please check your plan "
                                  "and billing details.", "code": "insufficient_quota"}}
    assert type(mapped(429, quota)) is UnresolvableModelError
    gemini_limit = {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED",
                              "message": "You exceeded your current quota.",
                              "details": [{"retryDelay": "37s"}]}}
    err = mapped(429, gemini_limit, "gemini")
    assert type(err) is TransientModelError and err.retry_after == 37
    assert mapped(503, {}, headers={"retry-after-ms": "1500"}).retry_after == 1.5
    credit = {"type": "error", "error": {"type": "invalid_request_error",
                                         "message": "Your credit balance is too low"}}
    assert "billing" in str(mapped(400, credit, "anthropic"))
    bad_key = {"error": {"code": 400, "message": "API key not valid. Please pass a valid "
                                                 "API key.", "status": "INVALID_ARGUMENT"}}
    assert "authentication failed" in str(mapped(400, bad_key, "gemini"))


def _role_of(body, needle: str) -> str | None:
    """The role of the innermost turn (a dict with a role) whose text holds ``needle``."""
    found = None
    if isinstance(body, dict):
        for value in body.values():
            found = found or _role_of(value, needle)
        if found is None and "role" in body and needle in json.dumps(body):
            found = body["role"]
    elif isinstance(body, list):
        for value in body:
            found = found or _role_of(value, needle)
    return found


@pytest.mark.parametrize("provider", PROVIDERS)
def test_multi_party_history_is_laid_out_from_the_speakers_seat(server, provider):
    """Ann's own turns are the model's (assistant); Bob's and Cy's are user turns that name
    them; nobody's "Name:" prefix is put in the model's own mouth."""
    from agentcast import Msg

    server.add("ok")
    history = [Msg("system", "You are Ann.", "system"),
               Msg("Moderator", "Introduce yourselves.", "user"),
               Msg("Ann", "I bake bread.", "assistant"),
               Msg("Bob", "I fix bikes.", "assistant"),
               Msg("Cy", "I grow roses.", "assistant")]
    run(model_for(provider, server)(history, agent="Ann"))
    body = server.requests[0].json
    own = {"assistant", "model"}
    assert _role_of(body, "I bake bread.") in own
    assert _role_of(body, "I fix bikes.") not in own
    assert _role_of(body, "I grow roses.") not in own
    sent = json.dumps(body)
    assert "Ann: I bake" not in sent  # no prefix on the model's own turn
    if provider not in ("openai", "azure") or "name" not in sent:
        assert "Bob: I fix bikes." in sent and "Cy: I grow roses." in sent


@pytest.mark.parametrize("reply", [
    '{"name": "add", "arguments": {"a": 1, "b": 2}}',
    '```json\n{"name": "add", "parameters": {"a": 1, "b": 2}}\n```',
    '<tool_call>\n{"name": "add", "arguments": "{\\"a\\": 1, \\"b\\": 2}"}\n</tool_call>',
    '[{"type": "function", "function": {"name": "add", "arguments": {"a": 1, "b": 2}}}]',
], ids=["plain", "fenced", "tagged", "list"])
def test_tool_call_written_as_text_runs_as_a_call(server, reply):
    """A server without tool support answers with the call as JSON text: it is a call."""
    server.add(reply)
    resp = run(model_for("openai", server)(ask("1+2?"), tools=TOOLS))
    assert [(c.name, c.arguments) for c in resp.tool_calls] == [("add", {"a": 1, "b": 2})]
    assert resp.text == ""


@pytest.mark.parametrize("reply", [
    '{"name": "subtract", "arguments": {"a": 1}}',  # not an offered tool
    'The call would be {"name": "add", "arguments": {"a": 1, "b": 2}}.',  # prose
    '{"name": "add", "arguments": {"a": 1, "b": 2}, "answer": 3}',  # an answer object
])
def test_json_text_that_is_not_a_call_stays_text(server, reply):
    server.add(reply)
    resp = run(model_for("openai", server)(ask("1+2?"), tools=TOOLS))
    assert resp.tool_calls == [] and resp.text == reply


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("stream", [True, False], ids=["stream", "plain"])
def test_a_reply_cut_at_the_token_limit_is_marked_length(server, provider, stream, caplog):
    native = {"anthropic": "max_tokens", "gemini": "MAX_TOKENS"}.get(provider, "length")
    server.add({"text": "A long answer that was", "finish_reason": native})
    with caplog.at_level("WARNING", logger="agentcast.models"):
        resp = run(model_for(provider, server, stream=stream)(ask(), agent="Ann"))
    assert resp.finish_reason == "length"
    assert any("cut at max_tokens" in r.getMessage() for r in caplog.records)
