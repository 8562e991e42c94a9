"""One model call, its layers composed in one place, outermost first:

1. **fallback** — when this model is spent, the next one named answers (models/fallback.py);
2. **parse and re-ask** — the reply is parsed; an unusable one is shown back with the error,
   a bounded number of times, then the fault handler (models/parsing.py);
3. **guards and events** — budget guards before, one-time preparation (loading weights)
   outside any deadline, the history laid out from the speaker's seat, then one
   ``model_call`` event and the "thinking" events for progress (here);
4. **retry** — transient faults retried under the policy's bounds (models/retry.py), every
   attempt carrying the request's one idempotency key when the model takes keys
   (models/idempotency.py);
5. **one attempt** — the provider's ``_stream`` drained (models/retry.py ``drain``).

``ChatModelBase.__call__`` only turns its keyword arguments into a typed
:class:`CallOptions` and calls :func:`run_call`. Embeddings and media models use the same
retry layer (``retry.retry_call``), since they have no parse, fallback or stream.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agentcast import hooks
from agentcast.exceptions import ModelError
from agentcast.faults import RetryPolicy
from agentcast.message import Msg
from agentcast.models.types import ModelChunk, ModelResponse

if TYPE_CHECKING:
    from agentcast.models.base import ChatModelBase, ChunkCallback


@dataclass(frozen=True, slots=True)
class CallOptions:
    """What one call is asked to do (what used to travel as one ``**kwargs`` dict).

    ``max_reasks`` is the parse layer's bound (the paper's ``max_retries`` argument), not
    the transport's; ``retry`` is the resolved transport policy; ``fallback`` overrides the
    config's chain (``()`` turns it off); ``provider_args`` go to the provider as they are.
    """

    tools: list[dict[str, Any]] | None = None
    on_chunk: ChunkCallback | None = None
    agent: str | None = None
    parse_func: Callable[[ModelResponse], Any] | None = None
    structured_model: type[Any] | None = None
    fault_handler: Callable[..., Any] | None = None
    max_reasks: int | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    fallback: tuple[Any, ...] | None = None
    provider_args: Mapping[str, Any] = field(default_factory=dict)

    @property
    def parses(self) -> bool:
        return self.parse_func is not None or self.structured_model is not None

    def as_call_kwargs(self) -> dict[str, Any]:
        """The same call as keyword arguments, for another model (a fallback)."""
        return dict(self.provider_args, tools=self.tools, on_chunk=self.on_chunk,
                    agent=self.agent, parse_func=self.parse_func,
                    fault_handler=self.fault_handler, max_retries=self.max_reasks,
                    structured_model=self.structured_model)


async def run_call(model: ChatModelBase, messages: Sequence[Msg],
                   options: CallOptions) -> ModelResponse:
    """Layers 1 and 2 (fallback around parse and re-ask) around :func:`guarded_request`."""
    try:
        if not options.parses:
            return await guarded_request(model, messages, options, dict(options.provider_args))
        from agentcast.models.parsing import call_parsed

        asked = False

        async def request(msgs: Sequence[Msg], kw: dict[str, Any]) -> ModelResponse:
            nonlocal asked
            if asked and options.on_chunk is not None:
                options.on_chunk(ModelChunk(reset=True))  # a re-ask: a new answer starts
            asked = True
            return await guarded_request(model, msgs, options, kw)

        return await call_parsed(
            model, messages, request, dict(options.provider_args),
            parse_func=options.parse_func, structured_model=options.structured_model,
            fault_handler=options.fault_handler, max_retries=options.max_reasks,
            agent=options.agent)
    except ModelError as exc:
        chain = model.fallback if options.fallback is None else options.fallback
        if not chain:
            raise
        from agentcast.models.fallback import call_chain, falls_back

        if not falls_back(exc, model.fallback_on):
            raise
        return await call_chain(chain, exc, messages, options.as_call_kwargs(),
                                model.fallback_on)


async def guarded_request(model: ChatModelBase, messages: Sequence[Msg], options: CallOptions,
                          provider_args: dict[str, Any]) -> ModelResponse:
    """Layer 3 around the retry layer: guards before, preparation outside the deadline,
    the speaker's-seat layout, then one event after (and the reply's checks)."""
    from agentcast.models.base import model_event, take_text_tool_calls, warn_length_cut
    from agentcast.models.formatters.common import as_seen_by
    from agentcast.models.retry import request_with_retries

    agent, tools = options.agent, options.tools
    # budget guards reserve the call's worst case; a cap they set is sent with the call
    provider_args, reservation = model.admit(messages, tools, agent, provider_args)
    max_tokens = provider_args.get("max_tokens", model.generate_args.get("max_tokens"))
    await model.prepare()
    started = time.perf_counter()
    error: BaseException | None = None
    response: ModelResponse | None = None
    if hooks.listeners and agent is not None:  # the studio's "thinking… 12 s"
        model_event(model, "thinking", f"{agent} is waiting for {model.model_name}",
                    agent=agent, started=time.time())
    try:
        seen = as_seen_by(messages, agent) if agent else messages
        if model.idempotency_header is None:
            response = await request_with_retries(model, seen, tools, options.on_chunk,
                                                  provider_args, options.retry)
        else:  # one key for every attempt of this request (models/idempotency.py)
            response = await _keyed(model, seen, tools, options, provider_args)
        if tools and not response.tool_calls and "{" in response.text:
            take_text_tool_calls(model, response, tools, agent)
        if response.finish_reason == "length":
            warn_length_cut(model, response, agent, max_tokens)
        return response
    except BaseException as exc:
        error = exc
        raise
    finally:
        if response is None:
            response = ModelResponse(model=model.model_name)
        response.latency = time.perf_counter() - started
        if hooks.listeners and agent is not None:
            model_event(model, "thinking_done", f"{agent}: {response.latency:.1f} s",
                        agent=agent, elapsed=response.latency)
        model.report(messages, agent, response, error, reservation)


async def _keyed(model: ChatModelBase, messages: Sequence[Msg],
                 tools: list[dict[str, Any]] | None, options: CallOptions,
                 provider_args: dict[str, Any]) -> ModelResponse:
    """The retry layer with this request's idempotency key on every attempt, when it has
    one: in a durable run, or with ``idempotency_keys: "always"`` (``model`` takes keys)."""
    from agentcast.models import idempotency
    from agentcast.models.retry import request_with_retries

    header = model.idempotency_header
    key = idempotency.next_idempotency_key(model.idempotency_keys == "always")
    if header is None or key is None:  # (header: for the type checker; the caller checked)
        return await request_with_retries(model, messages, tools, options.on_chunk,
                                          provider_args, options.retry)
    with idempotency.sending_idempotency_key(header, key):
        return await request_with_retries(model, messages, tools, options.on_chunk,
                                          provider_args, options.retry)


__all__ = ["CallOptions", "guarded_request", "run_call"]
