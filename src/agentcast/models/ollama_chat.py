"""Ollama's native ``/api/chat`` (NDJSON streaming), over httpx (the ``ollama`` extra).

Generation arguments go into ``options`` (``max_tokens`` -> ``num_predict``);
``response_format`` becomes ``format`` ("json" or a JSON schema). No API key. For Ollama's
OpenAI-compatible ``/v1`` use ``openai_chat`` with ``base_url=http://localhost:11434/v1``.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, ClassVar

from agentcast.exceptions import TransientModelError
from agentcast.message import Msg
from agentcast.models._http import map_status
from agentcast.models._provider import HTTPChatModel, finish_reason_of, parse_arguments
from agentcast.models.base import ModelChunk, ToolCall, Usage
from agentcast.models.formatters.ollama import format_ollama
from agentcast.models.formatters.openai import openai_tools

_ids = itertools.count(1)
_TOP_LEVEL = ("format", "keep_alive", "think")
_RENAME = {"max_tokens": "num_predict"}



def apply_generate_args(body: dict[str, Any], kwargs: dict[str, Any],
                        top_level: Sequence[str], options: Mapping[str, Any] | None = None
                        ) -> dict[str, Any]:
    """Put OpenAI-style call arguments where Ollama's API wants them (for /api/chat and
    /api/generate alike): ``response_format`` becomes ``format``, ``tool_choice`` is dropped
    (unsupported), ``top_level`` keys stay in the body, everything else goes to ``options``
    (``max_tokens`` as ``num_predict``), over the model's own ``options``."""
    fmt = kwargs.pop("response_format", None)
    if isinstance(fmt, dict) and fmt.get("type") == "json_object":
        body["format"] = "json"
    elif isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        body["format"] = (fmt.get("json_schema") or {}).get("schema") or "json"
    kwargs.pop("tool_choice", None)
    merged = {**dict(options or {}), **dict(kwargs.pop("options", None) or {})}
    for key, value in kwargs.items():
        if key in top_level:
            body[key] = value
        else:
            merged[_RENAME.get(key, key)] = value
    if merged:
        body["options"] = merged
    return body

class OllamaChatModel(HTTPChatModel):
    """Local models served by Ollama (``host`` or OLLAMA_HOST, default localhost:11434)."""

    model_type = "ollama_chat"
    provider = "ollama"
    extra = "ollama"
    base_url_env: tuple[str, ...] = ("OLLAMA_HOST",)
    default_base_url = "http://localhost:11434"
    key_required = False
    supports_json_schema: ClassVar[bool] = True
    supports_json_mode: ClassVar[bool] = True

    def format(self, messages: Sequence[Msg] | Any) -> list[dict[str, Any]]:
        return format_ollama(messages)

    def _body(self, messages: Sequence[Msg], tools: list[dict[str, Any]] | None,
              stream: bool, kwargs: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model_name, "messages": self.format(messages),
                                "stream": stream}
        if tools:
            body["tools"] = openai_tools(tools)
        return apply_generate_args(body, kwargs, _TOP_LEVEL)

    async def _stream(
        self, messages: Sequence[Msg], *, tools: list[dict[str, Any]] | None, **kwargs: Any
    ) -> AsyncIterator[ModelChunk]:
        stream = bool(kwargs.pop("stream", self.streaming))
        url = f"{self.base_url}/api/chat"
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        body = self._body(messages, tools, stream, kwargs)
        t = self.transport
        if not stream:
            data = await t.post_json(url, body, headers)
            text, calls, usage, _done = self._parse(data, url)
            yield ModelChunk(delta=text, tool_calls=calls or None, usage=usage or Usage(),
                             raw=data, finish_reason=finish_reason_of(data.get("done_reason")))
            return
        all_calls: list[ToolCall] = []
        final: Usage | None = None
        done = False
        reason = None
        async for line in t.stream_lines(url, body, headers):
            if not line.strip():
                continue
            data = t.parse(line, url)
            text, calls, usage, is_done = self._parse(data, url)
            if is_done and isinstance(data, dict):
                reason = data.get("done_reason")
            all_calls += calls
            final = usage or final
            done = done or is_done
            if text:
                yield ModelChunk(delta=text)
        if not done:
            raise t.truncated(url)
        yield ModelChunk(tool_calls=all_calls or None, usage=final or Usage(),
                         finish_reason=finish_reason_of(reason))

    def _parse(self, data: Any, url: str) -> tuple[str, list[ToolCall], Usage | None, bool]:
        if not isinstance(data, dict):
            raise TransientModelError(f"ollama model {self.model_name!r}: unexpected response "
                                      f"from {url}", model=self.model_name)
        if data.get("error"):
            import json

            status = 404 if "not found" in str(data["error"]) else 500
            raise map_status(status, json.dumps(data), {}, provider=self.provider,
                             model=self.model_name, url=url)
        message = data.get("message") or {}
        calls = [ToolCall(tc.get("id") or f"call_{next(_ids)}",
                          (tc.get("function") or {}).get("name", ""),
                          parse_arguments((tc.get("function") or {}).get("arguments")))
                 for tc in message.get("tool_calls") or []]
        done = bool(data.get("done"))
        usage = Usage(int(data.get("prompt_eval_count") or 0),
                      int(data.get("eval_count") or 0)) if done else None
        return message.get("content") or "", calls, usage, done


__all__ = ["OllamaChatModel"]
