"""A server sending a huge body or a huge stream line is refused at a size cap, without the
client reading it all into memory (issue 12: 150 MB used to be read whole, +450 MB RSS)."""

from __future__ import annotations

import tracemalloc

import pytest

pytest.importorskip("httpx")

from agentcast import Msg
from agentcast.exceptions import ConfigError, ResponseTooLargeError
from agentcast.models._http import MAX_RESPONSE_BYTES
from agentcast.models.openai_chat import OpenAIChatModel
from agentcast.testing.openai_server import OpenAITestServer

from .helpers import FAST, run

MB = 1024 * 1024


def call_with_peak(model: OpenAIChatModel) -> tuple[BaseException | None, int]:
    tracemalloc.start()
    try:
        run(model([Msg("user", "hi", "user")]))
        error = None
    except Exception as exc:
        error = exc
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return error, peak


@pytest.mark.parametrize(("kind", "stream"), [("huge_body", False), ("huge_line", True)])
def test_150_mb_answer_is_refused_at_the_default_cap(kind, stream):
    with OpenAITestServer() as server:
        server.fail_next(kind, size=150 * MB)
        model = OpenAIChatModel(model_name="m", base_url=server.base_url, api_key="k",
                                stream=stream, retry=FAST)
        error, peak = call_with_peak(model)
        assert len(server.requests) == 1  # refused for good, not retried
    assert isinstance(error, ResponseTooLargeError), error
    assert "max_" in str(error)
    # Bounded by the cap (body: 64 MB; line: 8 MB), never the 150 MB sent (nor 3x that).
    assert peak < MAX_RESPONSE_BYTES * 2.2, f"peak {peak / MB:.0f} MB"


@pytest.mark.parametrize(("kind", "stream"), [("huge_body", False), ("huge_line", True)])
def test_configured_caps_hold_with_little_memory(kind, stream):
    with OpenAITestServer() as server:
        server.fail_next(kind, size=40 * MB)
        model = OpenAIChatModel(model_name="m", base_url=server.base_url, api_key="k",
                                stream=stream, retry=FAST,
                                client_args={"max_response_bytes": 2 * MB,
                                             "max_line_bytes": MB})
        error, peak = call_with_peak(model)
    assert isinstance(error, ResponseTooLargeError)
    assert error.limit == (MB if stream else 2 * MB)
    assert peak < 12 * MB, f"peak {peak / MB:.1f} MB"


def test_normal_answers_pass_under_small_caps():
    with OpenAITestServer() as server:
        server.add("hello " * 100, "hello " * 100)
        for stream in (True, False):
            model = OpenAIChatModel(model_name="m", base_url=server.base_url, api_key="k",
                                    stream=stream, client_args={"max_response_bytes": 64_000,
                                                                "max_line_bytes": 8_000})
            assert run(model([Msg("user", "hi", "user")])).text == "hello " * 100


def test_bad_cap_names_the_field():
    with pytest.raises(ConfigError) as info:
        OpenAIChatModel(model_name="m", base_url="http://127.0.0.1:9", api_key="k",
                        client_args={"max_line_bytes": "big"})
    assert info.value.field == "client_args.max_line_bytes"
