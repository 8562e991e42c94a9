"""Credentials without a recognisable shape never reach the log, the run store or an error
text: a password in base_url, an Ocp-Apim-Subscription-Key header, a key given as ${VAR},
the base64 of an ``Authorization: Basic`` header. The model server echoes every request
header back in a 400, as some servers do."""

from __future__ import annotations

import asyncio
import base64
import logging

import pytest

import agentcast as ac
from agentcast.exceptions import ModelError
from agentcast.message import Msg
from agentcast.models.registry import clear_model_configs, get_model
from agentcast.observe import end_run
from agentcast.observe.run import current_run
from agentcast.testing import OpenAITestServer

URL_USER, URL_PASSWORD = "svcuser", "UrlPa55-Xy9q"
SUBSCRIPTION_KEY = "apim-subkey-9f8e7d6c"
ENV_CREDENTIAL = "envcred-Zq81x7w"
PROXY_USER, PROXY_PASSWORD = "proxyuser", "Pr0xyPass-77x"


def b64(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


PLANTED = {
    "base_url password": URL_PASSWORD,
    "base_url basic auth": b64(URL_USER, URL_PASSWORD),
    "subscription key header": SUBSCRIPTION_KEY,
    "${VAR} api key": ENV_CREDENTIAL,
    "basic auth header": b64(PROXY_USER, PROXY_PASSWORD),
    "basic auth password": PROXY_PASSWORD,
}


def leaks(data: bytes) -> list[str]:
    return [kind for kind, value in PLANTED.items() if value.encode() in data]


@pytest.fixture
def server():
    with OpenAITestServer() as srv:
        yield srv
    clear_model_configs()


def test_secret_sources_are_masked_everywhere(server, tmp_path, monkeypatch):
    monkeypatch.setenv("MYCORP_CRED", ENV_CREDENTIAL)  # a name no pattern would guess
    base = f"http://127.0.0.1:{server.port}/v1"
    configs = [
        {"config_name": "by-env", "model_type": "openai_chat", "model_name": "gpt-4o",
         "api_key": "${MYCORP_CRED}", "base_url": base,
         "headers": {"Ocp-Apim-Subscription-Key": SUBSCRIPTION_KEY,
                     "Proxy-Authorization": f"Basic {b64(PROXY_USER, PROXY_PASSWORD)}"}},
        {"config_name": "by-url", "model_type": "openai_chat", "model_name": "gpt-4o",
         "base_url": base.replace("//", f"//{URL_USER}:{URL_PASSWORD}@")},
    ]
    ac.init(run_dir=tmp_path, console=False, model_configs=configs)
    run = current_run()
    errors = []
    for name in ("by-env", "by-url"):
        for stream in (False, True):
            server.fail_next("echo")
            with pytest.raises(ModelError) as info:
                asyncio.run(get_model(name)([Msg("user", "hello", role="user")], agent="alice",
                                            stream=stream, on_chunk=lambda c: None))
            errors.append(info.value)
    # the server did receive every credential, and echoed it back
    received = str([r.headers for r in server.requests])
    assert set(leaks(received.encode())) == set(PLANTED) - {"base_url password",
                                                            "basic auth password"}
    for exc in errors:
        text = f"{exc}\n{exc!r}\n{exc.args}"
        assert "You sent" in text and leaks(text.encode()) == [], leaks(text.encode())
    # a developer logs the raw echo and the error; both go through the run's sinks
    log = logging.getLogger("agentcast.test")
    log.warning("server saw: %s", received)
    log.error("model call failed: %s", errors[0], exc_info=errors[0])
    run.flush()
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name.endswith("-wal") for p in files) or files
    for path in files:  # while the run is live (SQLite WAL included) ...
        assert leaks(path.read_bytes()) == [], path
    end_run()
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "log.jsonl" for p in files)
    assert any(b"You sent" in p.read_bytes() for p in files)  # the echo was recorded, masked
    for path in files:  # ... and after it
        assert leaks(path.read_bytes()) == [], path


def test_what_counts_as_a_secret_source():
    from agentcast import secrets

    secrets.register_url("https://api.example/v1?api_key=qk-123456789&page=20")
    secrets.register_headers({"X-Goog-Api-Key": "goog-987654321", "Content-Type": "application/json",
                              "Authorization": "Basic " + b64("u", "pw-0123456")})
    secrets.register_config({"model_name": "bert-base-uncased", "tokenizer": "my-tokenizer-x",
                             "author": "Ada Lovelace", "client_secret": "cs-5556667"})
    text = ("qk-123456789 goog-987654321 pw-0123456 cs-5556667 page=20 application/json "
            "bert-base-uncased my-tokenizer-x Ada Lovelace")
    assert secrets.mask(text) == ("[REDACTED] [REDACTED] [REDACTED] [REDACTED] page=20 "
                                  "application/json bert-base-uncased my-tokenizer-x Ada Lovelace")
