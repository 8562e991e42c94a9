"""hf_local loading the real SmolLM2 GGUF through transformers (the hf-gguf extra): the load
happens once, outside the call's timeout, and is announced."""

from __future__ import annotations

import asyncio

import pytest

from agentcast import Msg, hooks
from agentcast.models.hf_local import HFLocalChatModel

from .conftest import find_gguf


@pytest.mark.timeout(600)
def test_gguf_loads_outside_the_call_timeout_once():
    import importlib.util

    missing = [p for p in ("transformers", "torch", "gguf", "accelerate")
               if importlib.util.find_spec(p) is None]
    if missing:  # the real-model suite fails without its parts; it never skips
        pytest.fail(f"hf_local GGUF loading needs {', '.join(missing)}: pip install "
                    "'agentcast[hf-gguf]' (scripts/test.sh installs them)")
    gguf = find_gguf()
    # A 10 s per-call timeout, below the load time (about 30 s here): the load must not
    # count against it, nor be retried.
    model = HFLocalChatModel("smol-hf", str(gguf.parent), max_new_tokens=6,
                             client_args={"gguf_file": gguf.name}, timeout=10.0)
    events: list[dict] = []
    off = hooks.subscribe(lambda kind, data: events.append(data)
                          if kind == "model_event" else None)
    try:
        first = asyncio.run(model([Msg("user", "Say hi.", "user")]))
        second = asyncio.run(model([Msg("user", "Say bye.", "user")], stream=False))
    finally:
        off()
    assert first.retries == 0 and second.retries == 0
    assert first.text.strip() and 0 < first.usage.completion_tokens <= 6
    assert [e["event"] for e in events] == ["loading", "loaded"]  # once
    assert model.load_seconds > 0
