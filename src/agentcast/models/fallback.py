"""Fallback models: when one model keeps failing, the next one named answers.

Two forms, same rules:

- any model config may say ``"fallback": ["cfg-b", "cfg-c"]`` (and ``"fallback_on"``);
- ``{"model_type": "fallback", "models": ["cfg-a", "cfg-b"]}`` is a model of its own.

A model is given up only after its own layers are spent: transport retries exhausted
(``RetriesExhaustedError``) by default; ``fallback_on`` may add ``"parse"`` (re-asks spent,
``ResponseParseError``) and ``"unresolvable"`` (e.g. a revoked key). Each fallback is called
through its own ``__call__`` (its retry policy, budget guards and usage events), with its
own fallbacks switched off so that chains cannot loop.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from agentcast.exceptions import (
    ConfigError,
    ModelError,
    ResponseParseError,
    RetriesExhaustedError,
    UnresolvableModelError,
)
from agentcast.message import Msg
from agentcast.models.base import ChatModelBase, ModelChunk, ModelResponse

log = logging.getLogger("agentcast.models")

_CLASSES: dict[str, type[ModelError]] = {
    "transient": RetriesExhaustedError,
    "parse": ResponseParseError,
    "unresolvable": UnresolvableModelError,
}
DEFAULT_FALLBACK_ON = ("transient",)


def check_fallback_config(fallback: Any, fallback_on: Any) -> tuple[tuple[Any, ...], tuple[str, ...]]:
    """Normalise the config keys; a wrong value names the field."""
    if fallback is None:
        chain: tuple[Any, ...] = ()
    elif isinstance(fallback, (str, ChatModelBase)):
        chain = (fallback,)
    elif isinstance(fallback, Iterable):
        chain = tuple(fallback)
    else:
        raise ConfigError("'fallback' must be a config name or a list of them", field="fallback")
    on = (fallback_on,) if isinstance(fallback_on, str) else tuple(fallback_on or ())
    unknown = [k for k in on if k not in _CLASSES]
    if unknown:
        raise ConfigError(
            f"'fallback_on' has unknown value(s) {unknown}; known: {sorted(_CLASSES)}",
            field="fallback_on",
        )
    return chain, on or DEFAULT_FALLBACK_ON


def falls_back(exc: BaseException, fallback_on: Sequence[str]) -> bool:
    return any(isinstance(exc, _CLASSES[k]) for k in fallback_on)


async def call_chain(
    refs: Sequence[Any],
    first_error: ModelError | None,
    messages: Sequence[Msg],
    call_kwargs: dict[str, Any],
    fallback_on: Sequence[str],
) -> ModelResponse:
    """Try each model in ``refs`` in order; raise the last error when all fail."""
    from agentcast.models.registry import get_model

    error = first_error
    on_chunk = call_kwargs.get("on_chunk")
    for ref in refs:
        model = get_model(ref)
        if error is not None:
            log.warning("falling back to %s after: %s", getattr(model, "config_name", ref), error)
            if on_chunk is not None:
                on_chunk(ModelChunk(reset=True))  # a new model starts a new answer
        try:
            return await model(messages, **{**call_kwargs, "fallback": ()})
        except ModelError as exc:
            if not falls_back(exc, fallback_on):
                raise
            if error is not None and exc.__context__ is None:
                exc.__context__ = error
            error = exc
    assert error is not None
    raise error


class FallbackModel(ChatModelBase):
    """A model that is a list of models tried in order (model type ``"fallback"``)."""

    model_type = "fallback"

    def __init__(self, models: Sequence[Any], config_name: str = "", model_name: str = "",
                 **kwargs: Any) -> None:
        if isinstance(models, str) or not models:
            raise ConfigError("'models' must be a non-empty list of config names", field="models")
        super().__init__(config_name, model_name or "fallback", **kwargs)
        self.models = list(models)

    async def __call__(  # type: ignore[override]
        self, messages: Sequence[Msg], *, fallback: Any = None, **kwargs: Any
    ) -> ModelResponse:
        return await call_chain(self.models, None, messages, kwargs, self.fallback_on)

    def stream(self, messages: Sequence[Msg], *, tools: list[dict[str, Any]] | None = None,
               **kwargs: Any) -> Any:
        from agentcast.models.registry import get_model

        return get_model(self.models[0]).stream(messages, tools=tools, **kwargs)


__all__ = ["DEFAULT_FALLBACK_ON", "FallbackModel", "call_chain", "check_fallback_config",
           "falls_back"]
