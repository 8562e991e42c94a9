"""The test server itself: scripting, recording, fault injection, and fidelity to the real
APIs (checked with the vendors' own SDKs where they are installed)."""

from __future__ import annotations

import httpx
import pytest

from agentcast.testing import OpenAITestServer
from agentcast.testing.openai_server import PNG_1PX, Fault

from .helpers import KEY

CALLS = {"tool_calls": [{"id": "c1", "name": "add", "arguments": {"a": 1}}]}
CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture(scope="module")
def http():
    with httpx.Client(timeout=5) as client:  # one client: each new one builds an SSL context
        yield client


def test_context_manager_gives_a_random_free_port():
    with OpenAITestServer() as a, OpenAITestServer() as b:
        assert a.port != b.port and a.base_url.endswith("/v1")
        assert a.base_url.startswith("http://127.0.0.1:")
    with pytest.raises(RuntimeError):
        _ = a.port


def test_fifo_functions_default_and_recording(server, http):
    server.add("one", lambda req: "echo " + req.json["messages"][0]["content"])
    server.default = "fallback"
    texts = [http.post(server.base_url + "/chat/completions", json=CHAT, headers=AUTH)
             .json()["choices"][0]["message"]["content"] for _ in range(3)]
    assert texts == ["one", "echo hi", "fallback"]
    req = server.requests[0]
    assert (req.method, req.path, req.json, req.headers["authorization"]) == (
        "POST", "/v1/chat/completions", CHAT, f"Bearer {KEY}")


def test_empty_script_is_a_clear_400(server, http):
    r = http.post(server.base_url + "/chat/completions", json=CHAT, headers=AUTH)
    assert r.status_code == 400 and "no scripted reply" in r.json()["error"]["message"]


def test_faults_queue_in_the_fifo_and_per_request(server, http):
    server.add(Fault("503"), "after").fail_next("429", retry_after=2)
    r1 = http.post(server.base_url + "/chat/completions", json=CHAT, headers=AUTH)
    r2 = http.post(server.base_url + "/chat/completions", json=CHAT, headers=AUTH)
    r3 = http.post(server.base_url + "/chat/completions", json=CHAT, headers=AUTH)
    assert (r1.status_code, r1.headers["retry-after"]) == (429, "2")
    assert r2.status_code == 503 and r3.json()["choices"][0]["message"]["content"] == "after"
    assert [r.fault for r in server.requests] == ["429", "503", None]
    with pytest.raises(ValueError, match="known"):
        Fault("418")


def test_random_faults_are_seeded(server, http):
    def pattern():
        server.clear()
        server.default = "ok"
        server.inject_faults(0.5, kinds=("500", "503"), seed=3)
        return [http.post(server.base_url + "/chat/completions", json=CHAT, headers=AUTH)
                .status_code for _ in range(20)]

    first = pattern()
    assert first == pattern() and {500, 503, 200} == set(first)


def test_wire_faults(server):
    server.default = "ok"
    with httpx.Client(timeout=0.3) as client:
        server.fail_next("reset")
        with pytest.raises(httpx.TransportError):
            client.post(server.base_url + "/chat/completions", json=CHAT, headers=AUTH)
        server.fail_next("timeout", delay=1.0)
        with pytest.raises(httpx.ReadTimeout):
            client.post(server.base_url + "/chat/completions", json=CHAT, headers=AUTH)
        server.fail_next("malformed")
        r = client.post(server.base_url + "/chat/completions", json=CHAT, headers=AUTH)
        with pytest.raises(ValueError):
            r.json()
        server.fail_next("truncate")
        with pytest.raises(httpx.TransportError):
            client.post(server.base_url + "/chat/completions", json=CHAT, headers=AUTH)
        server.fail_next("truncate")
        lines = []
        with pytest.raises(httpx.TransportError):
            with client.stream("POST", server.base_url + "/chat/completions",
                               json={**CHAT, "stream": True}, headers=AUTH) as r:
                lines.extend(r.iter_lines())
        assert not any("[DONE]" in line for line in lines)


def test_images_audio_endpoints(server, http):
    server.script("images", PNG_1PX + b"!")
    r = http.post(server.base_url + "/images/generations",
                   json={"prompt": "cat", "model": "dall-e-3"}, headers=AUTH).json()
    assert http.get(r["data"][0]["url"]).content == PNG_1PX + b"!"  # served by the server
    server.script("transcriptions", "bonjour")
    r = http.post(server.base_url + "/audio/transcriptions", headers=AUTH,
                   files={"file": ("a.wav", b"RIFF")}, data={"model": "whisper-1"})
    assert r.json() == {"text": "bonjour"}
    assert server.requests[-1].files["file"] == ("a.wav", b"RIFF")
    assert server.requests[-1].form == {"model": "whisper-1"}
    r = http.post(server.base_url + "/audio/speech", headers=AUTH,
                   json={"model": "tts-1", "input": "hi", "voice": "alloy"})
    assert r.headers["content-type"] == "audio/mpeg" and r.content == b"ID3hi"


# --- fidelity: the vendors' SDKs understand the server ------------------------------------
def test_openai_sdk_speaks_to_the_server(server):
    openai = pytest.importorskip("openai")
    client = openai.OpenAI(base_url=server.base_url, api_key=KEY, max_retries=0)
    server.add("plain", CALLS, "streamed text")
    assert client.chat.completions.create(**CHAT).choices[0].message.content == "plain"
    call = client.chat.completions.create(**CHAT).choices[0].message.tool_calls[0]
    assert (call.id, call.function.name, call.function.arguments) == ("c1", "add", '{"a": 1}')
    chunks = list(client.chat.completions.create(**CHAT, stream=True,
                                                 stream_options={"include_usage": True}))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == \
        "streamed text"
    assert chunks[-1].usage.completion_tokens > 0
    assert len(client.embeddings.create(model="e", input=["a", "b"]).data[1].embedding) == 8
    assert client.images.generate(model="d", prompt="p", response_format="b64_json"
                                  ).data[0].b64_json
    assert client.audio.transcriptions.create(model="w", file=("a.wav", b"RIFF")).text
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=server.base_url, api_key="bad", max_retries=0
                      ).chat.completions.create(**CHAT)


def test_anthropic_sdk_speaks_to_the_server(server):
    anthropic = pytest.importorskip("anthropic")
    client = anthropic.Anthropic(base_url=server.url, api_key=KEY, max_retries=0)
    server.add("plain", CALLS, "streamed text")
    kw = {"model": "claude", "max_tokens": 10, "messages": CHAT["messages"]}
    assert client.messages.create(**kw).content[0].text == "plain"
    block = client.messages.create(**kw).content[0]
    assert (block.type, block.id, block.input) == ("tool_use", "c1", {"a": 1})
    with client.messages.stream(**kw) as stream:
        assert "".join(stream.text_stream) == "streamed text"
        assert stream.get_final_message().usage.output_tokens > 0
    with pytest.raises(anthropic.AuthenticationError):
        anthropic.Anthropic(base_url=server.url, api_key="bad", max_retries=0
                            ).messages.create(**kw)


def test_gemini_sdk_speaks_to_the_server(server):
    genai = pytest.importorskip("google.genai")
    types = pytest.importorskip("google.genai.types")
    client = genai.Client(api_key=KEY, http_options=types.HttpOptions(base_url=server.url))
    server.add("plain", CALLS, "streamed text")
    assert client.models.generate_content(model="gemini-x", contents="hi").text == "plain"
    call = client.models.generate_content(model="gemini-x", contents="hi").function_calls[0]
    assert (call.name, call.args) == ("add", {"a": 1})
    parts = [c.text for c in client.models.generate_content_stream(model="gemini-x",
                                                                   contents="hi")]
    assert "".join(parts) == "streamed text"


def test_dashscope_sdk_speaks_to_the_server(server, monkeypatch):
    dashscope = pytest.importorskip("dashscope")
    monkeypatch.setattr(dashscope, "base_http_api_url", server.url + "/api/v1")
    server.add("plain", "streamed text")
    kw = {"model": "qwen", "messages": CHAT["messages"], "api_key": KEY,
          "result_format": "message"}
    r = dashscope.Generation.call(**kw)
    assert r.status_code == 200 and r.output.choices[0].message.content == "plain"
    parts = [x.output.choices[0].message.content
             for x in dashscope.Generation.call(**kw, stream=True, incremental_output=True)]
    assert "".join(parts) == "streamed text"
    bad = dashscope.Generation.call(**{**kw, "api_key": "bad"})
    assert (bad.status_code, bad.code) == (401, "InvalidApiKey")


def test_ollama_sdk_speaks_to_the_server(server):
    ollama = pytest.importorskip("ollama")
    client = ollama.Client(host=server.url)
    server.add("plain", CALLS, "streamed text")
    kw = {"model": "llama3", "messages": CHAT["messages"]}
    assert client.chat(**kw, stream=False).message.content == "plain"
    call = client.chat(**kw, stream=False).message.tool_calls[0]
    assert (call.function.name, dict(call.function.arguments)) == ("add", {"a": 1})
    assert "".join(p.message.content for p in client.chat(**kw, stream=True)) == "streamed text"
    assert len(client.embed(model="e", input=["a", "b"]).embeddings) == 2
