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
from agentcast.exceptions import ModelError
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

    def stream(
        self, messages: Sequence[Msg], *, tools: list[dict[str, Any]] | None = None, **kwargs: Any
    ) -> AsyncIterator[ModelChunk]:
        """The raw stream of one attempt, without retries; ``__call__(on_chunk=...)`` streams
        with every fault layer."""
        return self._stream(messages, tools=tools, **{**self.generate_args, **kwargs})

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
        policy = self.retry_policy if retry is None else (
            retry if isinstance(retry, RetryPolicy) else self.retry_policy.with_overrides(retry)
        )
        try:
            if parse_func is None and structured_model is None:
                return await self._request(messages, tools, on_chunk, agent, policy, kwargs)
            from agentcast.models.parsing import call_parsed

            asked = False

            async def request(msgs: Sequence[Msg], kw: dict[str, Any]) -> ModelResponse:
                nonlocal asked
                if asked and on_chunk is not None:
                    on_chunk(ModelChunk(reset=True))  # a re-ask: a new answer starts
                asked = True
                return await self._request(msgs, tools, on_chunk, agent, policy, kw)

            return await call_parsed(
                self, messages, request, kwargs, parse_func=parse_func,
                structured_model=structured_model, fault_handler=fault_handler,
                max_retries=max_retries, agent=agent,
            )
        except ModelError as exc:
            chain = self.fallback if fallback is None else tuple(fallback)
            if not chain:
                raise
            from agentcast.models.fallback import call_chain, falls_back

            if not falls_back(exc, self.fallback_on):
                raise
            call_kwargs = dict(
                kwargs, tools=tools, on_chunk=on_chunk, agent=agent, parse_func=parse_func,
                fault_handler=fault_handler, max_retries=max_retries,
                structured_model=structured_model,
            )
            return await call_chain(chain, exc, messages, call_kwargs, self.fallback_on)

    async def _request(
        self,
        messages: Sequence[Msg],
        tools: list[dict[str, Any]] | None,
        on_chunk: ChunkCallback | None,
        agent: str | None,
        policy: RetryPolicy,
        kwargs: dict[str, Any],
    ) -> ModelResponse:
        """One request (with its transport retries): guards before, one event after."""
        from agentcast.models.formatters.common import as_seen_by
        from agentcast.models.retry import request_with_retries

        if hooks.guards:
            hooks.check_guards(
                {"model": self.model_name, "config_name": self.config_name, "agent": agent,
                 "messages": messages,
                 "max_tokens": kwargs.get("max_tokens", self.generate_args.get("max_tokens"))}
            )
        await self.prepare()
        started = time.perf_counter()
        error: BaseException | None = None
        response: ModelResponse | None = None
        if hooks.listeners and agent is not None:  # the studio's "thinking… 12 s"
            model_event(self, "thinking", f"{agent} is waiting for {self.model_name}",
                        agent=agent, started=time.time())
        try:
            seen = as_seen_by(messages, agent) if agent else messages
            response = await request_with_retries(self, seen, tools, on_chunk, kwargs, policy)
            if tools and not response.tool_calls and "{" in response.text:
                take_text_tool_calls(self, response, tools, agent)
            if response.finish_reason == "length":
                warn_length_cut(self, response, agent,
                                kwargs.get("max_tokens", self.generate_args.get("max_tokens")))
            return response
        except BaseException as exc:
            error = exc
            raise
        finally:
            if response is None:
                response = ModelResponse(model=self.model_name)
            response.latency = time.perf_counter() - started
            if hooks.listeners and agent is not None:
                model_event(self, "thinking_done", f"{agent}: {response.latency:.1f} s",
                            agent=agent, elapsed=response.latency)
            if hooks.listeners:
                hooks.emit(
                    "model_call",
                    {"model": self.model_name, "config_name": self.config_name, "agent": agent,
                     "usage": response.usage, "latency": response.latency,
                     "retries": max(0, getattr(error, "attempts", 1) - 1) if error is not None
                     else response.retries, "error": error,
                     "messages": list(messages), "response": response},
                )

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
