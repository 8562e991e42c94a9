"""Model configs in the paper's form for every provider; each bad config names its field;
"provider:model" strings work without a config."""

from __future__ import annotations

import json

import pytest

import agentcast as ac
from agentcast.exceptions import ConfigError, UnknownModelTypeError
from agentcast.models.registry import build_model, get_model, load_model_configs

from .helpers import KEY, PROVIDERS, ask, config_for, run


@pytest.mark.parametrize("provider", PROVIDERS)
def test_paper_form_config_drives_a_dialog_agent(server, provider, tmp_path):
    config = config_for(provider, server, generate_args={"temperature": 0.5})
    path = tmp_path / "models.json"
    path.write_text(json.dumps([config]))
    assert load_model_configs(str(path)) == [config["config_name"]]
    server.add(f"Hello from {provider}!")
    agent = ac.DialogAgent("Bot", sys_prompt="You are a bot.", model=config["config_name"])
    reply = agent(ac.Msg("user", "Hi!", "user"))
    assert reply.content == f"Hello from {provider}!"
    body = json.dumps(server.requests[0].json)
    assert "You are a bot." in body and "Hi!" in body
    assert '"temperature": 0.5' in body  # generate_args reach the wire in every dialect


def test_env_references_are_expanded(server, monkeypatch):
    monkeypatch.setenv("MY_TEST_KEY", KEY)
    monkeypatch.setenv("MY_TEST_URL", server.base_url)
    load_model_configs({"config_name": "env", "model_type": "openai_chat",
                        "model_name": "gpt-4o", "api_key": "${MY_TEST_KEY}",
                        "client_args": {"base_url": "${MY_TEST_URL}"}})
    server.add("ok")
    assert run(get_model("env")(ask())).text == "ok"
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_yaml_configs(server, tmp_path):
    pytest.importorskip("yaml")
    path = tmp_path / "models.yaml"
    path.write_text(f"- config_name: y\n  model_type: ollama_chat\n  model_name: llama3\n"
                    f"  client_args:\n    host: {server.url}\n")
    load_model_configs(str(path))
    server.add("from yaml")
    assert run(get_model("y")(ask())).text == "from yaml"


BASE = {"config_name": "bad", "model_type": "openai_chat", "model_name": "gpt-4o",
        "api_key": "sk-x", "client_args": {"base_url": "http://127.0.0.1:9/v1"}}
BAD = [
    ({"model_type": "no_such_type"}, "model_type"),
    ({"model_type": 3}, "model_type"),
    ({"config_name": ""}, "config_name"),
    ({"model_name": None}, "model_name"),
    ({"model_name": 42}, "model_name"),
    ({"api_key": 123}, "api_key"),
    ({"client_args": ["base_url"]}, "client_args"),
    ({"generate_args": "fast"}, "generate_args"),
    ({"client_args": {"base_url": "http://x", "bse_url": "typo"}}, "client_args.bse_url"),
    ({"client_args": {"timeout": "10s"}}, "client_args.timeout"),
    ({"client_args": {"base_url": 8080}}, "client_args.base_url"),
    ({"timeout": "slow"}, "timeout"),
    ({"stream": "yes"}, "stream"),
    ({"name_field": 1}, "name_field"),
    ({"modle_name": "gpt-4o"}, "modle_name"),
    ({"api_key": "${AGENTCAST_SURELY_UNSET_VAR}"}, "api_key"),
    ({"retry": {"max_retrys": 3}}, "retry.max_retrys"),
    ({"max_retries": "3"}, "max_retries"),
]


@pytest.mark.parametrize(("change", "field"), BAD, ids=[b[1] for b in BAD])
def test_bad_config_names_the_field(change, field):
    config = {**BASE, **change}
    if change.get("model_name", "") is None:
        del config["model_name"]
    with pytest.raises(ConfigError) as info:
        build_model(config)
    assert info.value.field == field, str(info.value)
    assert field.split(".")[-1] in str(info.value)


def test_unknown_type_lists_the_known_ones():
    with pytest.raises(UnknownModelTypeError) as info:
        build_model({**BASE, "model_type": "gpt"})
    for known in ("openai_chat", "anthropic_chat", "gemini_chat", "dashscope_chat",
                  "ollama_chat", "post_api_chat", "hf_local", "openai_embedding"):
        assert known in str(info.value)


@pytest.mark.parametrize(("model_type", "env"), [
    ("openai_chat", "OPENAI_API_KEY"), ("anthropic_chat", "ANTHROPIC_API_KEY"),
    ("gemini_chat", "GEMINI_API_KEY"), ("dashscope_chat", "DASHSCOPE_API_KEY"),
    ("azure_openai_chat", "AZURE_OPENAI_API_KEY"), ("openai_embedding", "OPENAI_API_KEY"),
])
def test_missing_key_names_the_field_and_the_variable(monkeypatch, model_type, env):
    for var in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY",
                "DASHSCOPE_API_KEY", "AZURE_OPENAI_API_KEY", "OPENAI_BASE_URL",
                "ANTHROPIC_BASE_URL", "GEMINI_BASE_URL", "DASHSCOPE_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    config = {"config_name": "k", "model_type": model_type, "model_name": "m"}
    if model_type == "azure_openai_chat":
        config["client_args"] = {"azure_endpoint": "https://x.openai.azure.com"}
    with pytest.raises(ConfigError) as info:
        build_model(config)
    assert info.value.field == "api_key" and env in str(info.value)


@pytest.mark.parametrize(("model_type", "field"), [
    ("post_api_chat", "api_url"), ("hf_local", "model_name"),
    ("anthropic_chat", "model_name"), ("ollama_embedding", "model_name"),
    ("sentence_transformers_embedding", "model_name"), ("openai_image", "model_name"),
])
def test_required_fields(model_type, field):
    with pytest.raises(ConfigError) as info:
        build_model({"config_name": "r", "model_type": model_type, "api_key": "k"})
    assert info.value.field == field


def test_post_api_message_format_is_checked():
    with pytest.raises(ConfigError) as info:
        build_model({"config_name": "p", "model_type": "post_api_chat",
                     "api_url": "http://x", "message_format": "xml"})
    assert info.value.field == "message_format"


# --- "provider:model" strings ------------------------------------------------------------
def test_openai_string(server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    model = get_model("openai:gpt-4o-mini")
    assert model.model_name == "gpt-4o-mini" and get_model("openai:gpt-4o-mini") is model
    server.add("string model")
    assert run(model(ask())).text == "string model"
    assert server.requests[0].json["model"] == "gpt-4o-mini"


@pytest.mark.parametrize(("ref", "env", "path"), [
    ("anthropic:claude-test", {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": "{url}"},
     "/v1/messages"),
    ("gemini:gemini-test", {"GEMINI_API_KEY": KEY, "GEMINI_BASE_URL": "{url}"},
     "/v1beta/models/gemini-test:streamGenerateContent"),
    ("dashscope:qwen-max", {"DASHSCOPE_API_KEY": KEY, "DASHSCOPE_BASE_URL": "{url}/api/v1"},
     "/api/v1/services/aigc/text-generation/generation"),
    ("ollama:llama3", {"OLLAMA_HOST": "{url}"}, "/api/chat"),
    ("vllm:my-model", {"VLLM_BASE_URL": "{url}/v1", "VLLM_API_KEY": KEY},
     "/v1/chat/completions"),
])
def test_provider_strings(server, monkeypatch, ref, env, path):
    for name, value in env.items():
        monkeypatch.setenv(name, value.format(url=server.url))
    server.add("hi from " + ref)
    assert run(get_model(ref)(ask())).text == "hi from " + ref
    assert server.requests[0].path == path


def test_string_without_key_says_which_variable(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY") as info:
        get_model("openai:gpt-4o")
    assert info.value.field == "api_key"
    monkeypatch.delenv("DEEPSEEK_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="DEEPSEEK_API_KEY"):
        get_model("deepseek:deepseek-chat")


def test_unknown_prefix_is_not_a_model():
    with pytest.raises(ConfigError, match="provider:model"):
        get_model("nosuchprovider:x")
