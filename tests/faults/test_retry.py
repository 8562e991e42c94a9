"""Accessibility and unresolvable errors: transport retries under the RetryPolicy."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from agentcast import hooks
from agentcast.exceptions import (
    ConfigError,
    RetriesExhaustedError,
    TransientModelError,
    UnresolvableModelError,
)
from agentcast.faults import RetryPolicy, classify_error
from agentcast.models.base import ChatModelBase, ModelChunk
from agentcast.testing.scripted import ScriptedModel

from .helpers import FAST, ask, run


class FlakyStream(ChatModelBase):
    """Streams ``text`` in pieces; the first ``breaks`` attempts die after ``cut`` pieces."""

    def __init__(self, attempts_text: list[str], breaks: int, cut: int = 2, **kw) -> None:
        super().__init__("flaky", **kw)
        self.texts = attempts_text
        self.breaks = breaks
        self.cut = cut
        self.attempts = 0

    async def _stream(self, messages, *, tools, **kwargs) -> AsyncIterator[ModelChunk]:
        n = self.attempts
        self.attempts += 1
        text = self.texts[min(n, len(self.texts) - 1)]
        pieces = [text[i:i + 3] for i in range(0, len(text), 3)]
        for i, piece in enumerate(pieces):
            if n < self.breaks and i == self.cut:
                raise ConnectionResetError("peer reset the stream")
            await asyncio.sleep(0)
            yield ModelChunk(delta=piece)


def test_transient_errors_are_retried_and_counted():
    model = ScriptedModel([TransientModelError("503", status=503),
                           TransientModelError("429", status=429), "ok"], retry=FAST)
    resp = run(model(ask()))
    assert resp.text == "ok"
    assert resp.retries == 2
    assert len(model.calls) == 3


def test_unmapped_timeouts_and_connection_errors_are_transient():
    model = ScriptedModel([asyncio.TimeoutError(), ConnectionResetError("reset"), "fine"],
                          retry=FAST)
    assert run(model(ask())).text == "fine"
    assert len(model.calls) == 3


def test_unresolvable_fails_at_once_without_retry():
    model = ScriptedModel([UnresolvableModelError("401: bad API key; set OPENAI_API_KEY",
                                                  status=401), "never"], retry=FAST)
    with pytest.raises(UnresolvableModelError, match="bad API key"):
        run(model(ask()))
    assert len(model.calls) == 1


def test_bugs_are_not_retried():
    model = ScriptedModel([KeyError("oops"), "never"], retry=FAST)
    with pytest.raises(KeyError):
        run(model(ask()))
    assert len(model.calls) == 1


def test_retries_are_bounded_by_count():
    model = ScriptedModel(default=TransientModelError("down", status=503), retry=FAST)
    with pytest.raises(RetriesExhaustedError, match="gave up after 4 attempt") as info:
        run(model(ask()))
    assert len(model.calls) == 4  # first try + max_retries=3
    assert info.value.attempts == 4
    assert isinstance(info.value.__cause__, TransientModelError)


def test_retries_are_bounded_by_deadline():
    policy = RetryPolicy(max_retries=1000, initial_delay=0.02, max_delay=0.02, jitter=0.0,
                         deadline=0.2)
    model = ScriptedModel(default=TransientModelError("down"), retry=policy)
    started = time.monotonic()
    with pytest.raises(RetriesExhaustedError, match="deadline"):
        run(model(ask()))
    assert time.monotonic() - started < 2.0
    assert len(model.calls) < 20


def test_retry_after_is_honoured():
    model = ScriptedModel([TransientModelError("429", status=429, retry_after=0.3), "ok"],
                          retry=FAST)
    started = time.monotonic()
    assert run(model(ask())).text == "ok"
    assert time.monotonic() - started >= 0.3


def test_too_long_retry_after_gives_up_instead_of_sleeping():
    policy = RetryPolicy(max_retries=3, initial_delay=0.001, max_retry_after=1.0)
    model = ScriptedModel([TransientModelError("429", status=429, retry_after=3600), "ok"],
                          retry=policy)
    started = time.monotonic()
    with pytest.raises(RetriesExhaustedError, match="max_retry_after"):
        run(model(ask()))
    assert time.monotonic() - started < 1.0


def test_per_attempt_timeout_is_a_transient_fault():
    # The first attempt stalls past the timeout; the second answers at once.
    class Stall(ScriptedModel):
        async def _stream(self, messages, *, tools, **kwargs):
            if not self.calls:
                self.calls.append({})
                await asyncio.sleep(10)
            async for chunk in super()._stream(messages, tools=tools, **kwargs):
                yield chunk

    model = Stall(["ok"], retry=FAST.with_overrides({"timeout": 0.1}))
    started = time.monotonic()
    resp = run(model(ask()))
    assert resp.text == "ok" and resp.retries == 1
    assert time.monotonic() - started < 2.0


def test_timeout_bounds_silence_not_length():
    # 20 chunks 0.02 s apart take 0.4 s in all, longer than the 0.1 s timeout: still fine.
    class Slow(ChatModelBase):
        async def _stream(self, messages, *, tools, **kwargs):
            for i in range(20):
                await asyncio.sleep(0.02)
                yield ModelChunk(delta=str(i % 10))

    resp = run(Slow("slow", retry=FAST.with_overrides({"timeout": 0.1}))(ask()))
    assert resp.text == "01234567890123456789" and resp.retries == 0


def test_outer_cancellation_is_not_mistaken_for_a_timeout():
    model = ScriptedModel(["ok"], latency=5.0, retry=FAST)

    async def main():
        task = asyncio.ensure_future(model(ask()))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(main())
    assert len(model.calls) == 1


def test_broken_stream_is_retried_without_duplicated_text():
    model = FlakyStream(["Hello there, world!"], breaks=2, retry=FAST)
    seen: list[ModelChunk] = []
    resp = run(model(ask(), on_chunk=seen.append))
    assert resp.text == "Hello there, world!"
    assert resp.retries == 2
    # Retries reproduced the shown prefix, so the printer saw every character exactly once.
    assert "".join(c.delta for c in seen) == "Hello there, world!"
    assert not any(c.reset for c in seen)


def test_diverging_retry_tells_the_printer_to_reset():
    model = FlakyStream(["Hello there, world!", "Goodbye, moon."], breaks=1, retry=FAST)
    seen: list[ModelChunk] = []
    resp = run(model(ask(), on_chunk=seen.append))
    assert resp.text == "Goodbye, moon."
    resets = [i for i, c in enumerate(seen) if c.reset]
    assert len(resets) == 1
    assert "".join(c.delta for c in seen[: resets[0]]) == "Hello "
    assert "".join(c.delta for c in seen[resets[0] + 1:]) == "Goodbye, moon."


def test_retries_reported_in_model_call_event():
    events: list[dict] = []
    unsubscribe = hooks.subscribe(
        lambda kind, data: events.append(data) if kind == "model_call" else None)
    try:
        model = ScriptedModel([TransientModelError("x"), "ok"], retry=FAST)
        run(model(ask(), agent="alice"))
    finally:
        unsubscribe()
    assert [e["retries"] for e in events] == [1]
    assert events[0]["agent"] == "alice" and events[0]["error"] is None


def test_policy_from_model_config_keys():
    model = ScriptedModel([], max_retries=7, timeout=12.5,
                          retry={"initial_delay": 0.1, "max_delay": 2})
    p = model.retry_policy
    assert (p.max_retries, p.timeout, p.initial_delay, p.max_delay) == (7, 12.5, 0.1, 2)
    with pytest.raises(ConfigError, match="retry.bogus"):
        ScriptedModel([], retry={"bogus": 1})
    with pytest.raises(ConfigError, match="max_retries"):
        ScriptedModel([], max_retries="three")


def test_policy_per_call_override():
    model = ScriptedModel(default=TransientModelError("down"), retry=FAST)
    with pytest.raises(RetriesExhaustedError):
        run(model(ask(), retry={"max_retries": 0}))
    assert len(model.calls) == 1


def test_backoff_grows_caps_and_jitters():
    p = RetryPolicy(initial_delay=1, multiplier=2, max_delay=5, jitter=0.0)
    assert [p.backoff(n) for n in (1, 2, 3, 4, 5)] == [1, 2, 4, 5, 5]
    j = RetryPolicy(initial_delay=1, multiplier=2, max_delay=5, jitter=0.5)
    values = {j.backoff(3) for _ in range(50)}
    assert all(2.0 <= v <= 4.0 for v in values) and len(values) > 1


def test_classify_errors_from_sdks_by_status_and_name():
    class APIStatusError(Exception):
        def __init__(self, status_code):
            self.status_code = status_code

    class RemoteProtocolError(Exception):
        pass

    assert classify_error(APIStatusError(429)) == "transient"
    assert classify_error(APIStatusError(503)) == "transient"
    assert classify_error(APIStatusError(401)) == "unresolvable"
    assert classify_error(RemoteProtocolError()) == "transient"
    assert classify_error(ValueError()) == "other"


def test_shorter_retry_resets_the_printer():
    # The retry's whole answer is a prefix of what was already shown: too much is on screen.
    model = FlakyStream(["Hello there, world!", "Hell"], breaks=1, cut=3, retry=FAST)
    seen: list[ModelChunk] = []
    resp = run(model(ask(), on_chunk=seen.append))
    assert resp.text == "Hell"
    assert [c.reset for c in seen].count(True) == 1
    after = seen[[c.reset for c in seen].index(True) + 1:]
    assert "".join(c.delta for c in after) == "Hell"


def test_deadline_cuts_a_hung_attempt():
    policy = RetryPolicy(max_retries=5, initial_delay=0.001, timeout=None, deadline=0.3)
    model = ScriptedModel(["never"], latency=30.0, retry=policy)
    started = time.monotonic()
    with pytest.raises(RetriesExhaustedError, match="deadline"):
        run(model(ask()))
    assert time.monotonic() - started < 2.0
