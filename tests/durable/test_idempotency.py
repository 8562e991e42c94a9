"""Idempotency keys, over real HTTP to the local test server (which honours them as an
idempotent API does): one key per logical model request, the same on agentcast's retries and
on the resumed call after a SIGKILL, so the server bills the completion once; no key outside
a durable run unless the config asks, and none to a provider not configured to take one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import agentcast as ac
from agentcast.durable import stop
from agentcast.durable.replay import journaled_model_call
from agentcast.exceptions import ConfigError
from agentcast.message import Msg
from agentcast.models.openai_chat import OpenAIChatModel
from agentcast.models.registry import build_model
from agentcast.observe.run import end_run
from agentcast.testing.openai_server import OpenAITestServer

SRC = Path(__file__).parents[2] / "src"
HEADER = "idempotency-key"  # as the server records it (lower case)
FAST = {"initial_delay": 0.001, "max_delay": 0.01, "jitter": 0.0, "timeout": 10.0,
        "deadline": 30.0}


@pytest.fixture(scope="module")
def _shared() -> Any:
    with OpenAITestServer() as s:
        yield s


@pytest.fixture
def server(_shared: OpenAITestServer) -> Any:
    _shared.clear()
    _shared.default = "Paris."
    yield _shared
    _shared.clear()


@pytest.fixture(autouse=True)
def _clean() -> Any:
    yield
    stop()
    end_run()


def model(server: OpenAITestServer, **extra: Any) -> OpenAIChatModel:
    return OpenAIChatModel(model_name="gpt-test", base_url=server.base_url, api_key="k",
                           retry=FAST, **extra)


def ask(agent: Any, text: str = "Capital of France?") -> str:
    return str(agent(Msg("user", text, role="user")).content)


def keys(server: OpenAITestServer) -> list[str | None]:
    return [r.headers.get(HEADER) for r in server.requests]


# --- (a) agentcast's own retries send the request's one key ----------------------------------
@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.parametrize("fault", ["lost", "503", "reset"])
def test_retry_sends_the_same_key_and_the_server_bills_once(server, tmp_path, fault, stream):
    ac.init(run_dir=str(tmp_path / "runs"), durable=True)
    server.fail_next(fault)
    agent = ac.DialogAgent("Ann", sys_prompt="Be brief.",
                           model=model(server, idempotency_header="Idempotency-Key",
                                       stream=stream))
    assert ask(agent) == "Paris."
    sent = keys(server)
    assert len(sent) == 2 and sent[0] is not None and sent[0] == sent[1]
    assert sent[0].isascii() and "Ann" not in sent[0]  # no agent name on the wire
    assert [r.fault for r in server.requests] == [fault, None]
    # a lost answer was generated and billed: the retry is answered from the key
    assert server.requests[1].replayed is (fault == "lost")
    assert server.billed == 1


def test_without_keys_a_lost_answer_is_billed_twice(server, tmp_path):
    """The contrast: the same fault, a model not configured to send keys."""
    ac.init(run_dir=str(tmp_path / "runs"), durable=True)
    server.fail_next("lost")
    agent = ac.DialogAgent("Ann", sys_prompt="Be brief.", model=model(server))
    assert ask(agent) == "Paris."
    assert keys(server) == [None, None]
    assert server.billed == 2


def test_each_request_of_a_call_has_its_own_key(server, tmp_path):
    """A re-ask after an unusable reply is a new request: a new key (the same one would get
    the unusable reply back forever); each retried request keeps its own."""
    ac.init(run_dir=str(tmp_path / "runs"), durable=True)
    server.add("no json here", '{"city": "Paris"}')
    server.fail_next("lost")  # the first answer is lost once, then answered from its key
    m = model(server, idempotency_header="Idempotency-Key", stream=False)

    async def main() -> Any:
        return await journaled_model_call(m, [Msg("user", "City as JSON?", role="user")],
                                          "summary", parse_func=lambda r: json.loads(r.text))

    import asyncio

    assert asyncio.run(main()).parsed == {"city": "Paris"}
    first, retried, reasked = keys(server)
    assert first == retried and first is not None and first.endswith("-1")
    assert reasked is not None and reasked == first[:-1] + "2"
    assert server.billed == 2


def test_keys_differ_across_runs_and_calls(server, tmp_path):
    sent = []
    for i in range(2):
        ac.init(run_dir=str(tmp_path / f"runs{i}"), durable=True)
        agent = ac.DialogAgent("Ann", sys_prompt="Be brief.",
                               model=model(server, idempotency_header="Idempotency-Key"))
        ask(agent)
        ask(agent, "And of Italy?")
        stop()
        end_run()
    sent = keys(server)
    assert len(sent) == 4 and None not in sent and len(set(sent)) == 4
    assert server.billed == 4


def test_always_sends_a_key_per_request_outside_durable_runs(server, tmp_path):
    ac.init(run_dir=str(tmp_path / "runs"))
    server.fail_next("lost")
    agent = ac.DialogAgent("Ann", sys_prompt="Be brief.",
                           model=model(server, idempotency_header="Idempotency-Key",
                                       idempotency_keys="always"))
    ask(agent)
    ask(agent, "And of Italy?")
    sent = keys(server)
    assert len(sent) == 3 and sent[0] == sent[1] and None not in sent and sent[2] != sent[0]
    assert server.billed == 2


# --- (c) no durable run, no config: no header ------------------------------------------------
def test_no_key_without_a_durable_run(server, tmp_path):
    ac.init(run_dir=str(tmp_path / "runs"))
    server.fail_next("lost")
    agent = ac.DialogAgent("Ann", sys_prompt="Be brief.",
                           model=model(server, idempotency_header="Idempotency-Key"))
    assert ask(agent) == "Paris."
    assert keys(server) == [None, None]
    assert all(not k.startswith("idempot") for r in server.requests for k in r.headers)
    assert server.billed == 2


# --- (d) a provider not configured to take keys never gets one ------------------------------
PROVIDERS: dict[str, dict[str, Any]] = {
    "openai_chat": {"model_name": "gpt-4o", "client_args": {"base_url": "{v1}"}},
    "azure_openai_chat": {"model_name": "dep", "client_args": {
        "azure_endpoint": "{root}", "api_version": "2024-10-21"}},
    "anthropic_chat": {"model_name": "claude-test", "client_args": {"base_url": "{root}"}},
    "gemini_chat": {"model_name": "gemini-test", "client_args": {"base_url": "{root}"}},
    "dashscope_chat": {"model_name": "qwen-test",
                       "client_args": {"base_url": "{root}/api/v1"}},
    "ollama_chat": {"model_name": "llama-test", "client_args": {"host": "{root}"}},
    "zhipuai_chat": {"model_name": "glm-test",
                     "client_args": {"base_url": "{root}/api/paas/v4"}},
    "yi_chat": {"model_name": "yi-test", "client_args": {"base_url": "{v1}"}},
}


def provider_config(kind: str, server: OpenAITestServer, **extra: Any) -> dict[str, Any]:
    spec = json.loads(json.dumps(PROVIDERS[kind]).replace("{v1}", server.base_url)
                      .replace("{root}", server.url))
    return {"config_name": f"{kind}-cfg", "model_type": kind, "api_key": "k",
            "retry": FAST, **spec, **extra}


@pytest.mark.parametrize("kind", list(PROVIDERS))
def test_providers_get_a_key_only_when_configured_to_take_one(server, tmp_path, kind):
    ac.init(run_dir=str(tmp_path / "runs"), durable=True)
    plain = ac.DialogAgent("Ann", sys_prompt="Be brief.",
                           model=build_model(provider_config(kind, server)))
    server.fail_next("lost")
    assert ask(plain) == "Paris."
    assert len(server.requests) == 2
    assert all(not k.startswith("idempot") for r in server.requests for k in r.headers)
    assert server.billed == 2
    server.clear()
    keyed = ac.DialogAgent("Bob", sys_prompt="Be brief.", model=build_model(provider_config(
        kind, server, config_name=f"{kind}-keyed", idempotency_header="Idempotency-Key")))
    server.fail_next("lost")
    assert ask(keyed) == "Paris."
    sent = keys(server)
    assert len(sent) == 2 and sent[0] is not None and sent[0] == sent[1]
    assert server.billed == 1


@pytest.mark.parametrize(("field", "value"), [
    ("idempotency_header", "Idempotency Key"), ("idempotency_header", 3),
    ("idempotency_header", ""), ("idempotency_keys", "sometimes")])
def test_bad_idempotency_config_names_its_field(server, field, value):
    extra = {"idempotency_header": "Idempotency-Key", field: value}
    with pytest.raises(ConfigError) as err:
        model(server, **extra)
    assert err.value.field == field


def test_always_needs_a_header(server):
    with pytest.raises(ConfigError) as err:
        model(server, idempotency_keys="always")
    assert err.value.field == "idempotency_keys"


# --- (b) SIGKILL while the server generates; resume sends the same key ----------------------
CLIENT = """
import os
import agentcast as ac
from agentcast.models.openai_chat import OpenAIChatModel

ac.init(run_dir=os.environ["RUN_DIR"], durable=True, resume=os.environ.get("RUN_ID"),
        logger_level="WARNING")
extra = {"idempotency_header": "Idempotency-Key"} if os.environ.get("KEYED") else {}
model = OpenAIChatModel(model_name="gpt-test", base_url=os.environ["BASE_URL"], api_key="k",
                        **extra)
ann = ac.DialogAgent("Ann", sys_prompt="Be brief.", model=model)
print("ANSWER", ann(ac.Msg("user", "Capital of France?", role="user")).content, flush=True)
"""


@pytest.mark.slow
@pytest.mark.parametrize(("keyed", "resume_while_generating"),
                         [(True, False), (True, True), (False, False)],
                         ids=["keyed", "keyed-resume-while-generating", "no-key"])
def test_killed_while_waiting_then_resumed_is_billed_once(server, tmp_path, keyed,
                                                          resume_while_generating):
    generating = 3.0 if resume_while_generating else 1.0

    def slow(request: Any) -> str:  # a completion that takes a while to generate
        time.sleep(generating if len(server.requests) == 1 else 0.0)
        return "Paris."

    server.default = slow
    env = {**os.environ, "PYTHONPATH": str(SRC), "AGENTCAST_QUIET": "1",
           "RUN_DIR": str(tmp_path / "runs"), "BASE_URL": server.base_url,
           **({"KEYED": "1"} if keyed else {})}
    client = subprocess.Popen([sys.executable, "-c", CLIENT], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not server.requests:  # the call reached the server; its answer is coming
            assert client.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        client.kill()  # SIGKILL: nothing journaled, nothing cleaned up
    finally:
        client.wait(10)
    assert client.returncode == -9
    if not resume_while_generating:
        deadline = time.monotonic() + 30
        while server.billed < 1:  # generated and billed, though nobody got it
            assert time.monotonic() < deadline
            time.sleep(0.02)
    (run_id,) = os.listdir(tmp_path / "runs")
    resumed = subprocess.run([sys.executable, "-c", CLIENT], env={**env, "RUN_ID": run_id},
                             capture_output=True, text=True, timeout=90)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "ANSWER Paris." in resumed.stdout
    sent = keys(server)
    assert len(sent) == 2
    if keyed:  # the resumed call carries the killed call's key and is answered from it
        assert sent[0] is not None and sent[0] == sent[1]
        assert server.requests[1].replayed
        assert server.billed == 1
    else:
        assert sent == [None, None]
        assert server.billed == 2
