"""Calling image and speech models from agents, and recording those calls.

Image and speech models (models/media.py) are not chat models, so they do not report to the
hook bus themselves. Agents call them through ``media_call`` so that each call shows up in
the run store and the studio like a chat model call: who called which model, how long it
took, what came back, and the error if it failed.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from typing import Any

from agentcast import hooks


def resolve_media_model(ref: Any, method: str) -> Any:
    """A model object with ``method`` (generate / transcribe / synthesize), or a callable.

    ``ref``: a config name or "provider:model" string (resolved by the model registry), a
    model object, or a plain function (sync or async) standing in for one.
    """
    if ref is None:
        return None
    if isinstance(ref, str):
        from agentcast.models.registry import get_model

        ref = get_model(ref)
    if hasattr(ref, method) or callable(ref):
        return ref
    raise TypeError(f"{type(ref).__name__} has no {method}() and is not callable")


async def invoke(model: Any, method: str, *args: Any, **kwargs: Any) -> Any:
    """``model.method(*args)`` (or ``model(*args)``), awaited when it is async."""
    fn = getattr(model, method, None) if not inspect.isfunction(model) else None
    result = (fn or model)(*args, **kwargs)
    if inspect.isawaitable(result):
        result = await result
    return result


def model_name(model: Any) -> str:
    return str(getattr(model, "model_name", None) or getattr(model, "__name__", None)
               or type(model).__name__)


async def media_call(agent: str, model: Any, method: str, *args: Any,
                     summary: Callable[[Any], str] = str, **kwargs: Any) -> Any:
    """Call a media model on behalf of ``agent`` and emit a ``model_call`` event for it."""
    started = time.perf_counter()
    error: BaseException | None = None
    result: Any = None
    try:
        result = await invoke(model, method, *args, **kwargs)
        return result
    except BaseException as exc:
        error = exc
        raise
    finally:
        if hooks.listeners:
            from agentcast.models.base import ModelResponse, Usage

            name = model_name(model)
            text = summary(result) if error is None else ""
            hooks.emit("model_call", {
                "model": name, "config_name": getattr(model, "config_name", name),
                "agent": agent, "usage": Usage(), "latency": time.perf_counter() - started,
                "retries": 0, "error": error, "messages": [],
                "response": ModelResponse(text=f"{method}: {text}", model=name),
            })


def first_text(x: Any) -> str:
    """The text an agent should act on: the last message's content."""
    items = x if isinstance(x, list) else [x]
    for m in reversed(items):
        if m is not None and getattr(m, "content", None) not in (None, ""):
            c = m.content
            return c if isinstance(c, str) else str(c)
    return ""


def urls_of(msg: Any) -> list[str]:
    url = getattr(msg, "url", None) if msg is not None else None
    if not url:
        return []
    return [url] if isinstance(url, str) else list(url)


__all__ = ["first_text", "invoke", "media_call", "model_name", "resolve_media_model",
           "urls_of"]
