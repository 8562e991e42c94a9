"""Shared bits for the model-layer tests: one factory per provider, all pointed at the
local test server."""

from __future__ import annotations

import asyncio
from typing import Any

from agentcast.message import Msg

KEY = "sk-test"
FAST = {"initial_delay": 0.001, "max_delay": 0.01, "jitter": 0.0, "timeout": 5.0,
        "deadline": 20.0}
PROVIDERS = ["openai", "azure", "anthropic", "gemini", "dashscope", "ollama"]


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def ask(text: str = "hi") -> list[Msg]:
    return [Msg("system", "Be brief.", "system"), Msg("user", text, "user")]


def config_for(provider: str, server: Any, **extra: Any) -> dict[str, Any]:
    """The paper's config form for ``provider`` against ``server``."""
    base: dict[str, Any] = {"config_name": f"{provider}-cfg", "api_key": KEY,
                            "retry": dict(FAST)}
    if provider == "openai":
        base.update(model_type="openai_chat", model_name="gpt-4o",
                    client_args={"base_url": server.base_url})
    elif provider == "azure":
        base.update(model_type="azure_openai_chat", model_name="my-deployment",
                    client_args={"azure_endpoint": server.url, "api_version": "2024-10-21"})
    elif provider == "anthropic":
        base.update(model_type="anthropic_chat", model_name="claude-test",
                    client_args={"base_url": server.url})
    elif provider == "gemini":
        base.update(model_type="gemini_chat", model_name="gemini-test",
                    client_args={"base_url": server.url})
    elif provider == "dashscope":
        base.update(model_type="dashscope_chat", model_name="qwen-test",
                    client_args={"base_url": server.url + "/api/v1"})
    elif provider == "ollama":
        base.update(model_type="ollama_chat", model_name="llama-test",
                    client_args={"host": server.url})
        base.pop("api_key")
    else:
        raise ValueError(provider)
    retry = extra.pop("retry", None)
    if retry is not None:
        base["retry"] = {**base["retry"], **retry}
    base.update(extra)
    return base


def model_for(provider: str, server: Any, **extra: Any) -> Any:
    from agentcast.models.registry import build_model

    return build_model(config_for(provider, server, **extra))


async def drain_raw(model: Any, messages: list[Msg], **kwargs: Any) -> list[Any]:
    """The provider's own stream, without the retry layer: its errors arrive untouched."""
    return [chunk async for chunk in model.stream(messages, **kwargs)]
