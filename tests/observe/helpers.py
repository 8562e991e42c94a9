"""Small helpers shared by the observe tests."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from agentcast import hooks
from agentcast.message import Msg
from agentcast.models.base import Usage


def call(model: Any, messages: list[Msg], agent: str | None = "alice", **kwargs: Any) -> Any:
    """One real model call (guards and events included) from sync test code."""
    return asyncio.run(model(messages, agent=agent, **kwargs))


def emit_model_call(model: str, prompt: int, completion: int, agent: str | None = "alice",
                    config_name: str | None = None, error: Any = None) -> None:
    hooks.emit("model_call", {"model": model, "config_name": config_name or model,
                              "agent": agent, "usage": Usage(prompt, completion),
                              "latency": 0.01, "retries": 0, "error": error, "messages": [],
                              "response": None})


def emit_reply(agent: str, seq: int, content: Any, receivers: list[str] = ()) -> Msg:
    msg = Msg(agent, content)
    now = time.time()
    hooks.emit("reply", {"agent": agent, "seq_id": f"{agent}#{seq}", "msg": msg, "input": None,
                         "started": now - 0.01, "ended": now, "error": None})
    for r in receivers:
        hooks.emit("observe", {"agent": r, "msg": msg})
    return msg
