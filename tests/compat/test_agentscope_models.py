"""AgentScope 0.x's model types that agentcast lacked, each over a real socket against the
local test server speaking that vendor's API."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

import agentcast as ac
from agentcast.exceptions import ConfigError, TransientModelError, UnresolvableModelError
from agentcast.models.registry import build_model, known_model_types
from agentcast.testing.openai_server import PNG_1PX, OpenAITestServer

KEY = "sk-test"
FAST = {"initial_delay": 0.001, "max_delay": 0.01, "jitter": 0.0, "timeout": 5.0,
        "deadline": 20.0}


@pytest.fixture(scope="module")
def _module_server():
    with OpenAITestServer(api_key=KEY, timeout_delay=2.0) as s:
        yield s


@pytest.fixture
def server(_module_server):
    """One server for the module; each test gets it with an empty script and no requests."""
    _module_server.clear()
    _module_server.default = None
    yield _module_server
    _module_server.clear()


def ask(text: str = "hi") -> list[ac.Msg]:
    return [ac.Msg("system", "Be brief.", "system"), ac.Msg("user", text, "user")]


def _litellm() -> None:
    """Import litellm the way the provider does (its cost map from the package, no fetch)."""
    from agentcast.exceptions import MissingExtraError
    from agentcast.models.litellm_chat import import_litellm

    try:
        import_litellm()
    except MissingExtraError as exc:
        pytest.skip(str(exc))


def build(**config):
    return build_model({"config_name": config.pop("config_name", "c"), "retry": dict(FAST),
                        **config})


def test_every_agentscope_model_type_is_known():
    """AgentScope 0.x: these model_type names exist in its model registry."""
    for model_type in ("openai_chat", "openai_dall_e", "openai_embedding", "post_api_chat",
                       "dashscope_chat", "dashscope_image_synthesis",
                       "dashscope_text_embedding", "dashscope_multimodal", "gemini_chat",
                       "gemini_embedding", "ollama_chat", "ollama_embedding",
                       "ollama_generate", "zhipuai_chat", "zhipuai_embedding", "yi_chat",
                       "litellm_chat", "anthropic_chat"):
        assert model_type in known_model_types(), model_type


@pytest.mark.parametrize("stream", [True, False])
def test_yi_chat(server, stream):
    """AgentScope 0.x: yi_chat talks to Yi's OpenAI-shaped /v1/chat/completions, with
    max_tokens / top_p / temperature given at the top of the config."""
    model = build(model_type="yi_chat", model_name="yi-large", api_key=KEY,
                  client_args={"base_url": server.base_url}, max_tokens=64, top_p=0.9,
                  temperature=0.3, stream=stream)
    server.add("Hello from Yi")
    res = asyncio.run(model(ask()))
    assert res.text == "Hello from Yi" and res.usage.total_tokens > 0
    req = server.requests[0]
    assert req.path == "/v1/chat/completions"
    assert req.headers["authorization"] == f"Bearer {KEY}"
    assert req.json["max_tokens"] == 64 and req.json["top_p"] == 0.9
    assert req.json["temperature"] == 0.3 and req.json["model"] == "yi-large"
    assert req.json["stream"] is stream


def test_yi_default_address_and_key_variable(monkeypatch):
    """agentcast: Yi's default base URL is api.lingyiwanwu.com; its key comes from YI_API_KEY."""
    monkeypatch.setenv("YI_API_KEY", "yi-key")
    model = build(model_type="yi_chat", model_name="yi-large")
    assert model.base_url == "https://api.lingyiwanwu.com/v1" and model.api_key == "yi-key"
    monkeypatch.delenv("YI_API_KEY")
    with pytest.raises(ConfigError, match="YI_API_KEY"):
        build(model_type="yi_chat", model_name="yi-large")


@pytest.mark.parametrize(("field", "value"), [("max_tokens", "many"), ("top_p", "high"),
                                              ("temperature", [1])])
def test_yi_bad_fields_name_themselves(field, value):
    """agentcast: a mistyped top-level Yi field is a ConfigError naming it."""
    with pytest.raises(ConfigError) as err:
        build(model_type="yi_chat", model_name="yi-large", api_key=KEY, **{field: value})
    assert err.value.field == field


@pytest.mark.parametrize("stream", [True, False])
def test_zhipuai_chat(server, stream):
    """AgentScope 0.x: zhipuai_chat speaks ZhipuAI's /api/paas/v4/chat/completions."""
    model = build(model_type="zhipuai_chat", model_name="glm-4", api_key=KEY,
                  client_args={"base_url": server.url + "/api/paas/v4"}, stream=stream,
                  generate_args={"temperature": 0.5})
    server.add({"text": "", "tool_calls": [{"name": "add", "arguments": {"a": 1}}]})
    res = asyncio.run(model(ask(), tools=[{"name": "add", "description": "add",
                                           "parameters": {"type": "object", "properties": {
                                               "a": {"type": "integer"}}}}]))
    assert [(c.name, c.arguments) for c in res.tool_calls] == [("add", {"a": 1})]
    req = server.requests[0]
    assert req.path == "/api/paas/v4/chat/completions"
    assert req.json["temperature"] == 0.5 and "stream_options" not in req.json
    assert req.json["tools"][0]["function"]["name"] == "add"


def test_zhipuai_embedding(server):
    """AgentScope 0.x: zhipuai_embedding calls /api/paas/v4/embeddings."""
    model = build(model_type="zhipuai_embedding", model_name="embedding-2", api_key=KEY,
                  client_args={"base_url": server.url + "/api/paas/v4"})
    server.script("embeddings", [[0.1, 0.2], [0.3, 0.4]])
    assert model.embed_sync(["a", "b"]) == [[0.1, 0.2], [0.3, 0.4]]
    req = server.requests[0]
    assert req.path == "/api/paas/v4/embeddings"
    assert req.json == {"model": "embedding-2", "input": ["a", "b"]}


@pytest.mark.parametrize("stream", [True, False])
def test_ollama_generate(server, stream):
    """AgentScope 0.x: ollama_generate sends one prompt to /api/generate with the config's
    options and keep_alive (per-call options merge over them)."""
    model = build(model_type="ollama_generate", model_name="llama3",
                  client_args={"host": server.url}, options={"temperature": 0.1},
                  keep_alive="5m", stream=stream)
    server.add("Generated text")
    res = asyncio.run(model(ask("What is 2+2?"), options={"seed": 7}, max_tokens=20))
    assert res.text == "Generated text"
    assert res.usage.prompt_tokens > 0 and res.usage.completion_tokens > 0
    req = server.requests[0]
    assert req.path == "/api/generate"
    assert req.json["system"] == "Be brief." and "What is 2+2?" in req.json["prompt"]
    assert req.json["options"] == {"temperature": 0.1, "seed": 7, "num_predict": 20}
    assert req.json["keep_alive"] == "5m" and req.json["stream"] is stream


def test_ollama_generate_refuses_tools_and_reports_truncation(server):
    """agentcast: /api/generate has no tools (a clear error); a cut stream is transient."""
    model = build(model_type="ollama_generate", model_name="llama3",
                  client_args={"host": server.url}, retry={**FAST, "max_retries": 0})
    with pytest.raises(ConfigError, match="ollama_chat"):
        asyncio.run(model(ask(), tools=[{"name": "f", "parameters": {}}]))
    server.add("one two three four")
    server.fail_next("truncate")
    with pytest.raises(TransientModelError):
        asyncio.run(model(ask()))


def test_gemini_embedding_single_and_batch(server):
    """AgentScope 0.x: gemini_embedding uses embedContent; several texts go in one
    batchEmbedContents request."""
    model = build(model_type="gemini_embedding", model_name="text-embedding-004",
                  api_key=KEY, client_args={"base_url": server.url},
                  generate_args={"task_type": "RETRIEVAL_DOCUMENT"})
    server.script("embeddings", [[1.0, 2.0]], [[0.5], [0.25], [0.125]])
    assert model.embed_sync("one") == [[1.0, 2.0]]
    assert model.embed_sync(["a", "b", "c"]) == [[0.5], [0.25], [0.125]]
    one, batch = server.requests
    assert one.path == "/v1beta/models/text-embedding-004:embedContent"
    assert one.headers["x-goog-api-key"] == KEY
    assert one.json == {"model": "models/text-embedding-004",
                        "content": {"parts": [{"text": "one"}]},
                        "taskType": "RETRIEVAL_DOCUMENT"}
    assert batch.path == "/v1beta/models/text-embedding-004:batchEmbedContents"
    assert [r["content"]["parts"][0]["text"] for r in batch.json["requests"]] == ["a", "b", "c"]


def test_gemini_embedding_bad_key_is_unresolvable(server):
    """agentcast: a wrong key is an UnresolvableModelError that says to fix the key."""
    model = build(model_type="gemini_embedding", model_name="text-embedding-004",
                  api_key="wrong", client_args={"base_url": server.url})
    with pytest.raises(UnresolvableModelError, match="API key"):
        model.embed_sync("x")


def test_dashscope_text_embedding(server):
    """AgentScope 0.x: dashscope_text_embedding posts input.texts to the text-embedding
    service and reads output.embeddings."""
    model = build(model_type="dashscope_text_embedding", model_name="text-embedding-v2",
                  api_key=KEY, client_args={"base_url": server.url + "/api/v1"},
                  generate_args={"text_type": "query"})
    server.script("embeddings", [[0.1], [0.2]])
    assert model.embed_sync(["x", "y"]) == [[0.1], [0.2]]
    req = server.requests[0]
    assert req.path == "/api/v1/services/embeddings/text-embedding/text-embedding"
    assert req.json == {"model": "text-embedding-v2", "input": {"texts": ["x", "y"]},
                        "parameters": {"text_type": "query"}}
    assert model.last_usage.prompt_tokens > 0


def test_dashscope_image_synthesis_polls_the_task(server, tmp_path):
    """AgentScope 0.x: dashscope_image_synthesis returns the image URLs of a wanx task
    (the SDK polled it); save_local=True downloads them."""
    model = build(model_type="dashscope_image_synthesis", model_name="wanx-v1", api_key=KEY,
                  client_args={"base_url": server.url + "/api/v1"}, poll_interval=0.01,
                  generate_args={"size": "1024*1024"}, save_dir=str(tmp_path))
    urls = model.generate_sync("a cat", n=2)
    assert len(urls) == 2 and all(u.startswith(server.url + "/files/") for u in urls)
    submit = server.requests[0]
    assert submit.path == "/api/v1/services/aigc/text2image/image-synthesis"
    assert submit.headers["x-dashscope-async"] == "enable"
    assert submit.json == {"model": "wanx-v1", "input": {"prompt": "a cat"},
                           "parameters": {"size": "1024*1024", "n": 2}}
    server.script("images", b"\x89PNG-local")
    paths = model.generate_sync("a dog", save_local=True)
    assert Path(paths[0]).read_bytes() == b"\x89PNG-local"
    assert Path(paths[0]).parent == tmp_path


def test_dashscope_image_task_failure_and_timeout(server):
    """agentcast: a FAILED task raises naming the task; a task that outlives task_timeout
    stops the polling with an error saying so."""
    model = build(model_type="dashscope_image_synthesis", model_name="wanx-v1", api_key=KEY,
                  client_args={"base_url": server.url + "/api/v1"}, poll_interval=0.01)
    server.script("image_tasks", {"task_status": "FAILED", "code": "DataInspectionFailed",
                                  "message": "bad prompt", "results": []})
    with pytest.raises(UnresolvableModelError, match="FAILED: DataInspectionFailed"):
        model.generate_sync("x")
    slow = build(model_type="dashscope_image_synthesis", model_name="wanx-v1", api_key=KEY,
                 client_args={"base_url": server.url + "/api/v1"}, poll_interval=0.05,
                 task_timeout=0.01)
    with pytest.raises(TransientModelError, match="task_timeout"):
        slow.generate_sync("x")
    with pytest.raises(ConfigError, match="poll_interval"):
        build(model_type="dashscope_image_synthesis", model_name="w", api_key=KEY,
              poll_interval=0)


def test_dashscope_multimodal_always_uses_the_multimodal_endpoint(server):
    """AgentScope 0.x: dashscope_multimodal calls MultiModalConversation (content as parts)."""
    model = build(model_type="dashscope_multimodal", model_name="qwen-max", api_key=KEY,
                  client_args={"base_url": server.url + "/api/v1"}, stream=False)
    server.add("I see a cat")
    res = asyncio.run(model(ask("What is in the picture?")))
    assert res.text == "I see a cat"
    req = server.requests[0]
    assert req.path == "/api/v1/services/aigc/multimodal-generation/generation"
    user = req.json["input"]["messages"][-1]
    assert user["content"] == [{"text": "What is in the picture?"}]


@pytest.mark.parametrize("stream", [True, False])
def test_litellm_chat_through_the_openai_compatible_provider(server, stream):
    """AgentScope 0.x: litellm_chat calls litellm.completion with the config's model name
    and generate_args; here LiteLLM's openai provider talks to the local test server."""
    _litellm()
    model = build(model_type="litellm_chat", model_name="openai/test-model", api_key=KEY,
                  client_args={"base_url": server.base_url}, stream=stream,
                  generate_args={"temperature": 0.2})
    server.add({"text": "Hello via LiteLLM", "usage": {"prompt_tokens": 11,
                                                       "completion_tokens": 4}})
    res = asyncio.run(model(ask()))
    assert res.text == "Hello via LiteLLM"
    assert (res.usage.prompt_tokens, res.usage.completion_tokens) == (11, 4)
    req = server.requests[0]
    assert req.path == "/v1/chat/completions" and req.json["model"] == "test-model"
    assert req.json["temperature"] == 0.2
    assert req.headers["authorization"] == f"Bearer {KEY}"


def test_litellm_errors_map_to_agentcast_errors(server):
    """agentcast: LiteLLM's own retries are off; a 401 is unresolvable, a 503 is retried by
    the model's policy and then succeeds."""
    _litellm()
    model = build(model_type="litellm_chat", model_name="openai/test-model", api_key="bad",
                  client_args={"base_url": server.base_url}, stream=False)
    with pytest.raises(UnresolvableModelError):
        asyncio.run(model(ask()))
    good = build(model_type="litellm_chat", model_name="openai/test-model", api_key=KEY,
                 client_args={"base_url": server.base_url}, stream=False)
    server.fail_next("503")
    server.add("after a retry")
    res = asyncio.run(good(ask()))
    assert res.text == "after a retry" and res.retries == 1
    assert len(server.requests) == 3  # the bad key, the 503, the retry: no hidden retries


def test_string_prefixes_for_the_new_providers(monkeypatch, server):
    """agentcast: "yi:<model>" and "zhipuai:<model>" work without a config."""
    monkeypatch.setenv("ZHIPUAI_API_KEY", KEY)
    monkeypatch.setenv("ZHIPUAI_BASE_URL", server.url + "/api/paas/v4")
    model = ac.get_model("zhipuai:glm-4-flash")
    server.add("zhipu says hi")
    assert asyncio.run(model(ask())).text == "zhipu says hi"
    assert server.requests[0].json["model"] == "glm-4-flash"
    assert json.loads(server.requests[0].body)["messages"][0]["role"] == "system"
    assert PNG_1PX  # the default image the server serves
