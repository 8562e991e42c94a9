"""``litellm_chat``: any of the providers LiteLLM speaks, through the ``litellm`` package
(the ``litellm`` extra), as AgentScope's model type of that name.

``model_name`` is LiteLLM's (``"gpt-4o"``, ``"anthropic/claude-3-5-sonnet"``,
``"openai/<model>"`` for any OpenAI-compatible server with ``base_url``); keys come from
``api_key`` or LiteLLM's usual environment variables. LiteLLM's own retries are turned off:
the model's retry policy is the only one, and LiteLLM's errors are mapped to agentcast's
(``TransientModelError`` / ``UnresolvableModelError``) by their HTTP status. LiteLLM's cost
map is read from the package, never fetched at import.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, ClassVar

from agentcast.exceptions import (
    ConfigError,
    MissingExtraError,
    ModelError,
    TransientModelError,
)
from agentcast.message import Msg
from agentcast.models._http import check_type, map_status
from agentcast.models._provider import estimate_usage, parse_arguments
from agentcast.models.base import ChatModelBase, ModelChunk, ToolCall, Usage
from agentcast.models.formatters.openai import format_openai, openai_tools

_TRANSIENT_NAMES = ("Timeout", "APIConnectionError", "ServiceUnavailableError",
                    "InternalServerError", "RateLimitError", "APIError")


def import_litellm() -> Any:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no fetch at import
    try:
        import litellm
    except ImportError as exc:
        raise MissingExtraError("litellm", "litellm", "the litellm_chat model type") from exc
    return litellm


class LiteLLMChatModel(ChatModelBase):
    """Chat through ``litellm.acompletion``, streamed by default."""

    model_type = "litellm_chat"
    provider = "litellm"
    supports_json_mode: ClassVar[bool] = True

    def __init__(self, config_name: str = "", model_name: str = "", *,
                 api_key: str | None = None, base_url: str | None = None,
                 client_args: Mapping[str, Any] | None = None, stream: bool = True,
                 **kwargs: Any) -> None:
        where = f"model config {config_name or model_name!r}"
        check_type(where, "model_name", model_name, str, "a string")
        if not model_name:
            raise ConfigError(f"{where}: missing required field 'model_name' (LiteLLM's model "
                              "id, e.g. 'gpt-4o' or 'openai/<model>')", field="model_name")
        check_type(where, "api_key", api_key, str, "a string")
        check_type(where, "base_url", base_url, str, "a URL string")
        check_type(where, "client_args", client_args, Mapping, "an object")
        check_type(where, "stream", stream, bool, "true or false")
        args = dict(client_args or {})
        self.api_key = api_key or args.pop("api_key", None)
        self.base_url = base_url or args.pop("base_url", None) or args.pop("api_base", None)
        self.client_args = args  # passed to every litellm call (e.g. api_version, headers)
        self.streaming = stream
        self._where = where
        super().__init__(config_name, model_name, **kwargs)

    def format(self, messages: Sequence[Msg] | Any) -> list[dict[str, Any]]:
        return format_openai(messages, name_field=False)

    async def _stream(
        self, messages: Sequence[Msg], *, tools: list[dict[str, Any]] | None, **kwargs: Any
    ) -> AsyncIterator[ModelChunk]:
        litellm = import_litellm()
        stream = bool(kwargs.pop("stream", self.streaming))
        request: dict[str, Any] = {
            "model": self.model_name, "messages": self.format(messages), "stream": stream,
            "num_retries": 0, "max_retries": 0, **self.client_args, **kwargs}
        timeout = getattr(self.retry_policy, "timeout", None)
        if timeout:
            request.setdefault("timeout", timeout)
        if self.api_key:
            request["api_key"] = self.api_key
        if self.base_url:
            request["api_base"] = self.base_url
        if tools:
            request["tools"] = openai_tools(tools)
        if stream:
            request.setdefault("stream_options", {"include_usage": True})
        try:
            response = await litellm.acompletion(**request)
            if not stream:
                yield self._complete(response, messages)
                return
            async for chunk in self._chunks(response, messages):
                yield chunk
        except ModelError:
            raise
        except Exception as exc:
            raise self._map(exc) from exc

    def _complete(self, response: Any, messages: Sequence[Msg]) -> ModelChunk:
        message = response.choices[0].message
        text = message.content or ""
        calls = [ToolCall(c.id or f"call_{i}", c.function.name,
                          parse_arguments(c.function.arguments))
                 for i, c in enumerate(getattr(message, "tool_calls", None) or [])]
        u = getattr(response, "usage", None)
        usage = (Usage(int(u.prompt_tokens or 0), int(u.completion_tokens or 0)) if u
                 else estimate_usage(messages, text, calls))
        return ModelChunk(delta=text, tool_calls=calls or None, usage=usage, raw=response)

    async def _chunks(self, response: Any, messages: Sequence[Msg]) -> AsyncIterator[ModelChunk]:
        slots: dict[int, dict[str, Any]] = {}
        text: list[str] = []
        usage: Usage | None = None
        finished = False
        async for chunk in response:
            u = getattr(chunk, "usage", None)
            if u and (u.prompt_tokens or u.completion_tokens):
                usage = Usage(int(u.prompt_tokens or 0), int(u.completion_tokens or 0))
            for choice in chunk.choices or []:
                delta = choice.delta
                if getattr(delta, "content", None):
                    text.append(delta.content)
                    yield ModelChunk(delta=delta.content)
                for tc in getattr(delta, "tool_calls", None) or []:
                    slot = slots.setdefault(int(tc.index or 0),
                                            {"id": "", "name": "", "arguments": ""})
                    slot["id"] = tc.id or slot["id"]
                    if tc.function is not None:
                        slot["name"] = tc.function.name or slot["name"]
                        slot["arguments"] += tc.function.arguments or ""
                if choice.finish_reason:
                    finished = True
        if not finished:
            raise TransientModelError(f"litellm model {self.model_name!r}: the stream ended "
                                      "before the answer was complete", model=self.model_name)
        calls = [ToolCall(s["id"] or f"call_{i}", s["name"], parse_arguments(s["arguments"]))
                 for i, s in sorted(slots.items())]
        yield ModelChunk(tool_calls=calls or None,
                         usage=usage or estimate_usage(messages, "".join(text), calls))

    def _map(self, exc: BaseException) -> ModelError:
        status = getattr(exc, "status_code", None)
        url = self.base_url or "LiteLLM"
        if isinstance(status, int) and status >= 400:
            return map_status(status, str(getattr(exc, "message", exc)), {},
                              provider=self.provider, model=self.model_name, url=url)
        if type(exc).__name__ in _TRANSIENT_NAMES:
            return TransientModelError(f"litellm model {self.model_name!r}: "
                                       f"{type(exc).__name__}: {exc}", model=self.model_name)
        return TransientModelError(f"litellm model {self.model_name!r}: unexpected "
                                   f"{type(exc).__name__}: {exc}", model=self.model_name)

    def __repr__(self) -> str:
        return f"LiteLLMChatModel({self.config_name!r})"


__all__ = ["LiteLLMChatModel", "import_litellm"]
