"""Anthropic Messages API (Claude), over httpx (the ``anthropic`` extra), streamed by default.

``max_tokens`` is required by the API: it defaults to 4096 (set it in generate_args).
OpenAI-style ``tool_choice`` and ``stop`` are translated; a stream without ``message_stop``
is a truncated answer (transient), an ``overloaded_error`` is transient.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

from agentcast.exceptions import TransientModelError
from agentcast.message import Msg
from agentcast.models._http import map_status
from agentcast.models._provider import HTTPChatModel, finish_reason_of, parse_arguments
from agentcast.models.base import ModelChunk, ToolCall, Usage
from agentcast.models.formatters.anthropic import (
    anthropic_tool_choice,
    anthropic_tools,
    format_anthropic,
)

API_VERSION = "2023-06-01"
_STATUS = {"authentication_error": 401, "permission_error": 403, "not_found_error": 404,
           "rate_limit_error": 429, "overloaded_error": 529, "api_error": 500,
           "invalid_request_error": 400, "request_too_large": 413}


class AnthropicChatModel(HTTPChatModel):
    """Claude models at ``{base_url}/v1/messages``."""

    model_type = "anthropic_chat"
    provider = "anthropic"
    extra = "anthropic"
    api_key_env: tuple[str, ...] = ("ANTHROPIC_API_KEY",)
    base_url_env: tuple[str, ...] = ("ANTHROPIC_BASE_URL",)
    default_base_url = "https://api.anthropic.com"
    max_tokens = 4096

    def format(self, messages: Sequence[Msg] | Any) -> tuple[str | None, list[dict[str, Any]]]:
        return format_anthropic(messages)

    def _body(self, messages: Sequence[Msg], tools: list[dict[str, Any]] | None,
              stream: bool, kwargs: dict[str, Any]) -> dict[str, Any]:
        system, msgs = self.format(messages)
        body: dict[str, Any] = {"model": self.model_name, "messages": msgs,
                                "max_tokens": self.max_tokens}
        if system:
            body["system"] = system
        if tools:
            body["tools"] = anthropic_tools(tools)
        kwargs.pop("response_format", None)  # no JSON mode: the prompt-based path applies
        if "stop" in kwargs:
            stop = kwargs.pop("stop")
            body["stop_sequences"] = [stop] if isinstance(stop, str) else stop
        if "tool_choice" in kwargs:
            body["tool_choice"] = anthropic_tool_choice(kwargs.pop("tool_choice"))
        body.update(kwargs)
        body["stream"] = stream
        return body

    async def _stream(
        self, messages: Sequence[Msg], *, tools: list[dict[str, Any]] | None, **kwargs: Any
    ) -> AsyncIterator[ModelChunk]:
        stream = bool(kwargs.pop("stream", self.streaming))
        url = f"{self.base_url}/v1/messages"
        headers = {"x-api-key": self.api_key or "", "anthropic-version": API_VERSION}
        body = self._body(messages, tools, stream, kwargs)
        t = self.transport
        if not stream:
            yield self._parse_complete(await t.post_json(url, body, headers), url)
            return
        blocks: dict[int, dict[str, Any]] = {}
        prompt = completion = 0
        done = False
        stop: str | None = None
        async for event, payload in t.stream_sse(url, body, headers):
            data = t.parse(payload, url)
            kind = data.get("type", event)
            if kind == "error":
                err = data.get("error") or {}
                raise map_status(_STATUS.get(err.get("type", ""), 500), payload, {},
                                 provider=self.provider, model=self.model_name, url=url)
            if kind == "message_start":
                usage = (data.get("message") or {}).get("usage") or {}
                prompt = int(usage.get("input_tokens") or 0)
                completion = int(usage.get("output_tokens") or 0)
            elif kind == "content_block_start":
                block = dict(data.get("content_block") or {})
                block["partial"] = ""
                blocks[int(data.get("index", len(blocks)))] = block
                if block.get("type") == "text" and block.get("text"):
                    yield ModelChunk(delta=block["text"])
            elif kind == "content_block_delta":
                delta = data.get("delta") or {}
                if delta.get("type") == "text_delta":
                    yield ModelChunk(delta=delta.get("text", ""))
                elif delta.get("type") == "input_json_delta":
                    blocks.setdefault(int(data.get("index", 0)), {"partial": ""})
                    blocks[int(data.get("index", 0))]["partial"] += delta.get("partial_json", "")
            elif kind == "message_delta":
                stop = (data.get("delta") or {}).get("stop_reason") or stop
                usage = data.get("usage") or {}
                completion = int(usage.get("output_tokens") or completion)
            elif kind == "message_stop":
                done = True
        if not done:
            raise t.truncated(url)
        calls = [ToolCall(b.get("id", f"toolu_{i}"), b.get("name", ""),
                          parse_arguments(b["partial"]) if b["partial"] else b.get("input") or {})
                 for i, b in sorted(blocks.items()) if b.get("type") == "tool_use"]
        yield ModelChunk(tool_calls=calls or None, usage=Usage(prompt, completion),
                         finish_reason=finish_reason_of(stop))

    def _parse_complete(self, data: Any, url: str) -> ModelChunk:
        if not isinstance(data, dict) or not isinstance(data.get("content"), list):
            raise TransientModelError(f"anthropic model {self.model_name!r}: unexpected response "
                                      f"from {url}: {json.dumps(data)[:200]}",
                                      model=self.model_name)
        text = "".join(b.get("text", "") for b in data["content"] if b.get("type") == "text")
        calls = [ToolCall(b["id"], b["name"], b.get("input") or {})
                 for b in data["content"] if b.get("type") == "tool_use"]
        usage = data.get("usage") or {}
        return ModelChunk(delta=text, tool_calls=calls or None, raw=data,
                          finish_reason=finish_reason_of(data.get("stop_reason")),
                          usage=Usage(int(usage.get("input_tokens") or 0),
                                      int(usage.get("output_tokens") or 0)))


__all__ = ["AnthropicChatModel"]
