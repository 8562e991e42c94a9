"""The ChatModel protocol every model (scripted or provider) implements.

One code path for streaming and non-streaming: a model implements ``_stream`` (an async
iterator of chunks); ``__call__`` drains it, optionally handing each chunk to ``on_chunk``
(that is how ``speak`` prints tokens live). Providers that cannot stream yield one chunk.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, ClassVar, Protocol, runtime_checkable

from agentcast import hooks
from agentcast.faults import RetryPolicy
from agentcast.message import Msg
from agentcast.models.types import ModelChunk, ModelResponse, ToolCall, Usage

# The value types live in models/types.py; re-exported here, where callers import them.
__all__ = ["STRUCTURED_MODES", "ChatModel", "ChatModelBase", "ChunkCallback", "ModelChunk",
           "ModelResponse", "ToolCall", "Usage", "model_event", "take_text_tool_calls",
           "warn_length_cut"]

ChunkCallback = Callable[[ModelChunk], Any]
# How structured output is asked for, strongest first: the server enforces the schema; the
# server enforces JSON and the schema is in the prompt; only the prompt asks.
STRUCTURED_MODES = ("json_schema", "json_object", "prompt")


def model_event(model: Any, event: str, detail: str, agent: str | None = None,
                **extra: Any) -> None:
    """Tell listeners (monitor, studio, run store) what a call is doing or had to do."""
    if hooks.listeners:
        hooks.emit("model_event", {"model": getattr(model, "model_name", str(model)),
                                   "config_name": getattr(model, "config_name", ""),
                                   "agent": agent, "event": event, "detail": detail, **extra})


@runtime_checkable
class ChatModel(Protocol):
    """What agents need from a model."""

    config_name: str
    model_name: str

    async def __call__(
        self,
        messages: Sequence[Msg],
        *,
        tools: list[dict[str, Any]] | None = None,
        on_chunk: ChunkCallback | None = None,
        **kwargs: Any,
    ) -> ModelResponse: ...

    def stream(
        self, messages: Sequence[Msg], *, tools: list[dict[str, Any]] | None = None, **kwargs: Any
    ) -> AsyncIterator[ModelChunk]: ...


class ChatModelBase:
    """Shared machinery: drain the stream, time it, report usage, run budget guards, and the
    layered fault tolerance (models/retry.py, parsing.py, repair.py, fallback.py).

    Subclasses implement ``_stream`` and raise ``TransientModelError`` (with ``retry_after``)
    or ``UnresolvableModelError`` from it. The constructor consumes these config keys, so
    providers should pass ``**kwargs`` on: ``generate_args``, ``retry`` (a RetryPolicy or its
    fields), ``max_retries`` and ``timeout`` (shortcuts into it), ``fallback`` and
    ``fallback_on``, ``structured_output``. ``self.retry_policy.timeout`` is the HTTP read timeout to give an SDK
    client, whose own retries must be off. Set ``supports_json_schema`` / ``supports_json_mode``
    when the provider takes ``response_format`` in the OpenAI form; ``structured_output``
    (config: "json_schema" | "json_object" | "prompt") says what this server really accepts
    and is lowered for good when the server refuses a mode (models/parsing.py).
    """

    model_type: str = "base"
    supports_json_schema: ClassVar[bool] = False
    supports_json_mode: ClassVar[bool] = False
    # The header that carries an idempotency key to this model's server, and when a key is
    # sent ("durable": in a durable run; "always"). None: never (models/idempotency.py).
    idempotency_header: str | None = None
    idempotency_keys: str = "durable"

    def __init__(self, config_name: str = "", model_name: str = "", **kwargs: Any) -> None:
        self.config_name = config_name or model_name or type(self).__name__
        self.model_name = model_name or self.config_name
        self.generate_args: dict[str, Any] = dict(kwargs.pop("generate_args", None) or {})
        self.retry_policy = RetryPolicy.from_config(
            kwargs.pop("retry", None), max_retries=kwargs.pop("max_retries", None),
            timeout=kwargs.pop("timeout", "default"),
        )
        self.structured_output = kwargs.pop("structured_output", None) or (
            "json_schema" if self.supports_json_schema else
            "json_object" if self.supports_json_mode else "prompt")
        if self.structured_output not in STRUCTURED_MODES:
            from agentcast.exceptions import ConfigError

            raise ConfigError(
                f"model config {self.config_name!r}: field 'structured_output' must be one of "
                f"{', '.join(map(repr, STRUCTURED_MODES))}, got {self.structured_output!r}",
                field="structured_output")
        self.fallback: tuple[Any, ...] = ()
        self.fallback_on: tuple[str, ...] = ("transient",)
        fallback, fallback_on = kwargs.pop("fallback", None), kwargs.pop("fallback_on", None)
        if fallback is not None or fallback_on is not None:
            from agentcast.models.fallback import check_fallback_config

            self.fallback, self.fallback_on = check_fallback_config(fallback, fallback_on)

    def _stream(
        self, messages: Sequence[Msg], *, tools: list[dict[str, Any]] | None, **kwargs: Any
    ) -> AsyncIterator[ModelChunk]:
        raise NotImplementedError

    async def prepare(self) -> None:
        """One-time work before the first call (loading weights), run outside every call's
        timeout and deadline so that a slow load is neither a timeout nor retried. Default:
        nothing."""

    def attempt_stream(
        self, messages: Sequence[Msg], *, tools: list[dict[str, Any]] | None = None, **kwargs: Any
    ) -> AsyncIterator[ModelChunk]:
        """The raw stream of one attempt: no guards, no retries, no event. The building block
        of the retry layer, which runs inside a guarded, reported request."""
        return self._stream(messages, tools=tools, **{**self.generate_args, **kwargs})

    async def stream(
        self, messages: Sequence[Msg], *, tools: list[dict[str, Any]] | None = None,
        agent: str | None = None, **kwargs: Any
    ) -> AsyncIterator[ModelChunk]:
        """The stream of one attempt, without retries, but admitted by the budget guards and
        reported (usage included) like any call; ``__call__(on_chunk=...)`` streams with
        every fault layer."""
        kwargs, reservation = self.admit(messages, tools, agent, kwargs)
        started = time.perf_counter()
        response = ModelResponse(model=self.model_name)
        error: BaseException | None = None
        parts: list[str] = []
        try:
            async for chunk in self.attempt_stream(messages, tools=tools, **kwargs):
                if chunk.usage is not None:
                    response.usage = chunk.usage
                parts.append(chunk.delta)
                yield chunk
        except BaseException as exc:
            error = exc
            raise
        finally:
            response.text = "".join(parts)
            response.latency = time.perf_counter() - started
            self.report(messages, agent, response, error, reservation)

    def admit(self, messages: Sequence[Msg], tools: list[dict[str, Any]] | None,
              agent: str | None, kwargs: dict[str, Any]) -> tuple[dict[str, Any], Any]:
        """Run the pre-call guards. A guard may set a completion cap (``max_tokens``) that
        the call did not have, so that what it reserved is a real bound: it is sent along.
        Returns the (maybe capped) kwargs and the guards' reservation handle."""
        if not hooks.guards:
            return kwargs, None
        declared = kwargs.get("max_tokens", self.generate_args.get("max_tokens"))
        info: dict[str, Any] = {
            "model": self.model_name, "config_name": self.config_name, "agent": agent,
            "messages": messages, "tools": tools, "max_tokens": declared}
        hooks.check_guards(info)
        if declared is None and info.get("max_tokens") is not None:
            kwargs = {**kwargs, "max_tokens": info["max_tokens"]}
        return kwargs, info.get("reservation")

    def report(self, messages: Sequence[Msg], agent: str | None, response: ModelResponse,
               error: BaseException | None, reservation: Any) -> None:
        """Emit the call's one ``model_call`` event (usage, latency, error), which also
        settles the guards' reservation to what the call really used."""
        if hooks.listeners:
            hooks.emit(
                "model_call",
                {"model": self.model_name, "config_name": self.config_name, "agent": agent,
                 "usage": response.usage, "latency": response.latency,
                 "retries": max(0, getattr(error, "attempts", 1) - 1) if error is not None
                 else response.retries, "error": error,
                 "messages": list(messages), "response": response,
                 "reservation": reservation},
            )

    async def __call__(
        self,
        messages: Sequence[Msg],
        *,
        tools: list[dict[str, Any]] | None = None,
        on_chunk: ChunkCallback | None = None,
        agent: str | None = None,
        parse_func: Callable[[ModelResponse], Any] | None = None,
        fault_handler: Callable[..., Any] | None = None,
        max_retries: int | None = None,
        structured_model: type[Any] | None = None,
        retry: RetryPolicy | dict[str, Any] | None = None,
        fallback: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> ModelResponse:
        """One model call with every fault layer.

        Transport faults are retried under ``retry`` (default: the model's policy).
        ``parse_func`` / ``structured_model`` (a pydantic class) turn on parsing with repair
        and up to ``max_retries`` re-asks (note: not the transport ``max_retries`` of the
        config), then ``fault_handler``. ``fallback`` overrides the config's fallback models
        (``()`` turns them off). Other kwargs go to the provider.
        """
        from agentcast.models.call import CallOptions, run_call

        policy = self.retry_policy if retry is None else (
            retry if isinstance(retry, RetryPolicy) else self.retry_policy.with_overrides(retry)
        )
        options = CallOptions(
            tools=tools, on_chunk=on_chunk, agent=agent, parse_func=parse_func,
            structured_model=structured_model, fault_handler=fault_handler,
            max_reasks=max_retries, retry=policy,
            fallback=None if fallback is None else tuple(fallback), provider_args=kwargs)
        return await run_call(self, messages, options)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config_name!r})"


def take_text_tool_calls(model: Any, response: ModelResponse, tools: list[dict[str, Any]],
                         agent: str | None) -> None:
    """A reply that is a tool call written as text (a server without tool support) becomes
    a real tool call, so it runs instead of being taken as the answer."""
    from agentcast.models.text_tools import tool_calls_in_text

    calls = tool_calls_in_text(response.text, tools)
    if calls:
        import logging

        logging.getLogger("agentcast.models").info(
            "%s: the reply was %d tool call(s) written as text; running them as calls",
            model.model_name, len(calls))
        model_event(model, "text_tool_calls", ", ".join(c.name for c in calls), agent=agent)
        response.tool_calls, response.text = calls, ""


def warn_length_cut(model: Any, response: ModelResponse, agent: str | None,
                    max_tokens: Any) -> None:
    """A reply cut at max_tokens looks complete but is not: say so, once per reply."""
    import logging

    detail = (f"the reply{f' to {agent}' if agent else ''} was cut at max_tokens="
              f"{max_tokens if max_tokens is not None else '(server default)'} "
              f"(finish_reason 'length', {len(response.text)} characters); raise max_tokens "
              "or ask for a shorter answer")
    logging.getLogger("agentcast.models").warning("%s: %s", model.model_name, detail)
    model_event(model, "length_cut", detail, agent=agent)
