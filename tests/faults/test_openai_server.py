"""The transport layer against a real HTTP server speaking the OpenAI API, with faults."""

from __future__ import annotations

import asyncio
import time

import pytest

pytest.importorskip("httpx")

from pydantic import BaseModel

from agentcast import Msg
from agentcast.exceptions import UnresolvableModelError
from agentcast.faults import RetryPolicy
from agentcast.models.openai_chat import OpenAIChatModel
from agentcast.testing.openai_server import OpenAITestServer

from .helpers import ask, run

KEY = "sk-test"
# Small waits so that hundreds of faults cost seconds; enough retries that 30% faults pass.
HTTP_FAST = RetryPolicy(max_retries=12, initial_delay=0.002, max_delay=0.02, jitter=0.5,
                        timeout=5.0, deadline=60.0)


def echo(request) -> str:
    return "echo: " + request.json["messages"][-1]["content"]


@pytest.fixture
def server():
    with OpenAITestServer(api_key=KEY, default=echo, timeout_delay=3.0) as s:
        yield s


def model_for(server, **kwargs) -> OpenAIChatModel:
    kwargs.setdefault("retry", HTTP_FAST)
    kwargs.setdefault("api_key", KEY)
    return OpenAIChatModel(model_name="gpt-test", base_url=server.base_url, **kwargs)


@pytest.mark.parametrize(("stream", "n"), [(True, 500), (False, 200)], ids=["stream", "plain"])
def test_500_calls_with_30_percent_faults_all_succeed_once(server, stream, n):
    server.inject_faults(0.3, seed=7)
    model = model_for(server, stream=stream)
    printed: dict[int, list[str]] = {}

    async def one(i: int, gate: asyncio.Semaphore):
        async with gate:
            printed[i] = []
            resp = await model(ask(f"message {i}"),
                               on_chunk=lambda c, i=i: printed[i].append(c.delta))
            return i, resp

    async def main():
        gate = asyncio.Semaphore(25)
        return await asyncio.gather(*(one(i, gate) for i in range(n)))

    results = run(main())
    texts = [resp.text for _, resp in results]
    assert texts == [f"echo: message {i}" for i in range(n)]  # each its own, none doubled
    # A live printer saw each reply exactly once too, even across truncated streams.
    if stream:
        assert all("".join(printed[i]) == f"echo: message {i}" for i in range(n))
    faults = [r for r in server.requests if r.fault]
    assert 0.3 * n < len(faults) < 0.6 * n  # 30% of all requests: about 0.43 per call
    # Every fault was retried (a reset can also spoil a pooled connection: one more retry).
    assert sum(resp.retries for _, resp in results) >= len(faults)
    assert len(server.requests) == n + len(faults)
    kinds = {r.fault for r in faults}
    assert {"429", "500", "503", "reset", "malformed"} <= kinds
    if stream:
        assert "truncate" in kinds


def test_401_fails_on_the_first_call_with_a_clear_message(server):
    model = model_for(server, api_key="sk-wrong")
    with pytest.raises(UnresolvableModelError) as info:
        run(model(ask()))
    message = str(info.value)
    assert "401" in message and "API key" in message and "api_key" in message
    assert info.value.status == 401
    assert len(server.requests) == 1  # never retried


def test_retry_after_is_honoured(server):
    server.fail_next("429", retry_after=0.6)
    model = model_for(server)
    times: list[float] = []

    def timed(request):
        times.append(time.monotonic())
        return echo(request)

    server.add(timed)
    started = time.monotonic()
    resp = run(model(ask("wait for me")))
    assert resp.text == "echo: wait for me" and resp.retries == 1
    assert [r.fault for r in server.requests] == ["429", None]
    assert times[0] - started >= 0.6  # our own backoff alone would be a few milliseconds


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "plain"])
def test_truncated_answer_is_retried(server, stream):
    server.add("The quick brown fox jumps over the lazy dog.")
    server.fail_next("truncate")
    model = model_for(server, stream=stream)
    seen: list[str] = []
    resp = run(model(ask(), on_chunk=lambda c: seen.append(c.delta)))
    assert resp.text == "The quick brown fox jumps over the lazy dog."
    assert resp.retries == 1
    assert [r.fault for r in server.requests] == ["truncate", None]
    assert "".join(seen) == resp.text


def test_stalled_server_hits_the_per_attempt_timeout(server):
    server.fail_next("timeout", delay=3.0)
    model = model_for(server, retry=HTTP_FAST.with_overrides({"timeout": 0.3}))
    started = time.monotonic()
    resp = run(model(ask("slow")))
    assert resp.text == "echo: slow" and resp.retries == 1
    assert time.monotonic() - started < 2.5


def test_structured_output_goes_native_over_the_wire(server):
    class Pick(BaseModel):
        name: str
        score: int

    server.add('{"name": "Ann"}', '{"name": "Ann", "score": 3}')
    model = model_for(server)
    resp = run(model([Msg("user", "Pick one.", role="user")], structured_model=Pick))
    assert resp.parsed == Pick(name="Ann", score=3) and resp.reasks == 1
    first, second = (r.json for r in server.requests)
    assert first["response_format"]["type"] == "json_schema"
    assert "score" in second["messages"][-1]["content"]


def test_dict_dialog_agent_over_the_wire(server):
    from agentcast.agents.dict_dialog import DictDialogAgent

    server.add('```json\n{"speech": "I vote Bob.", "vote": "Bob",}\n```')
    agent = DictDialogAgent("villager", "Vote someone out.", model_for(server),
                            required_keys=["speech", "vote"], keys_to_content="speech",
                            keys_to_metadata=["vote"])
    msg = agent(Msg("Moderator", "Vote now.", role="user"))
    assert msg.content == "I vote Bob." and msg.vote == "Bob"
    body = server.requests[0].json
    assert body["response_format"] == {"type": "json_object"}
    assert '"vote"' in body["messages"][-1]["content"]


def test_stream_cut_off_with_done_but_no_finish_reason_is_retried_and_said(server, caplog):
    """llama-cpp-python ends an older stream with [DONE] and no finish_reason when a new
    request arrives: that is a truncated answer, not a short one."""
    from agentcast import hooks

    server.add("The quick brown fox jumps over the lazy dog.")
    server.fail_next("cutoff")
    model = model_for(server, stream=True)
    events: list[dict] = []
    unsubscribe = hooks.subscribe(
        lambda kind, data: events.append(data)
        if kind == "model_event" and data["event"] == "retry" else None)
    try:
        with caplog.at_level("WARNING", logger="agentcast.models"):
            resp = run(model(ask()))
    finally:
        unsubscribe()
    assert resp.text == "The quick brown fox jumps over the lazy dog."
    assert resp.retries == 1
    assert [r.fault for r in server.requests] == ["cutoff", None]
    assert any("cut off" in r.getMessage() for r in caplog.records)
    assert len(events) == 1 and "cut off" in str(events[0]["error"])


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "plain"])
def test_reply_cut_at_max_tokens_is_warned(server, stream, caplog):
    from agentcast import hooks

    server.add({"text": "The answer is long and", "finish_reason": "length"})
    events: list[dict] = []
    off = hooks.subscribe(lambda kind, data: events.append(data)
                          if kind == "model_event" and data["event"] == "length_cut" else None)
    try:
        with caplog.at_level("WARNING", logger="agentcast.models"):
            resp = run(model_for(server, stream=stream)(ask(), agent="Ann", max_tokens=5))
    finally:
        off()
    assert resp.text == "The answer is long and" and resp.finish_reason == "length"
    assert [e["event"] for e in events] == ["length_cut"] and events[0]["agent"] == "Ann"
    assert any("max_tokens=5" in r.getMessage() for r in caplog.records)


# --- the server honours idempotency keys, as an idempotent API does ----------------------------
def _post(server, key: str | None, text: str, stream: bool = False) -> str:
    import httpx

    headers = {"Authorization": f"Bearer {KEY}", **({"Idempotency-Key": key} if key else {})}
    r = httpx.post(f"{server.base_url}/chat/completions", headers=headers, timeout=10,
                   json={"model": "m", "stream": stream,
                         "messages": [{"role": "user", "content": text}]})
    assert r.status_code == 200, r.text
    if stream:
        import json

        frames = [json.loads(line[6:]) for line in r.text.splitlines()
                  if line.startswith("data: {")]
        return "".join(c["delta"].get("content") or "" for f in frames for c in f["choices"])
    return str(r.json()["choices"][0]["message"]["content"])


def test_a_repeated_key_gets_the_first_completion_without_billing_again(server):
    assert _post(server, "k1", "one") == "echo: one"
    assert _post(server, "k1", "two") == "echo: one"  # the first completion, not a new one
    assert _post(server, "k1", "three", stream=True) == "echo: one"  # in the form asked
    assert _post(server, "k2", "two") == "echo: two"
    assert _post(server, None, "three") == "echo: three"
    assert _post(server, None, "three") == "echo: three"
    assert server.billed == 4
    assert [r.replayed for r in server.requests] == [False, True, True, False, False, False]


def test_a_repeated_key_waits_for_the_completion_in_progress(server):
    import threading

    def slow(request) -> str:
        time.sleep(0.5)
        return echo(request)

    server.default = slow
    answers: list[str] = []
    first = threading.Thread(target=lambda: answers.append(_post(server, "k", "one")))
    first.start()
    while not server.requests:
        time.sleep(0.01)
    assert _post(server, "k", "two") == "echo: one"
    first.join()
    assert answers == ["echo: one"] and server.billed == 1


def test_a_lost_completion_is_billed_and_kept_under_its_key(server):
    import httpx

    server.fail_next("lost")
    with pytest.raises(httpx.TransportError):
        _post(server, "k", "one")
    assert server.billed == 1
    assert _post(server, "k", "one") == "echo: one" and server.billed == 1


def test_a_server_without_keys_ignores_them():
    with OpenAITestServer(api_key=KEY, default=echo, idempotency_header=None) as s:
        assert _post(s, "k", "one") == "echo: one"
        assert _post(s, "k", "two") == "echo: two"
        assert s.billed == 2
