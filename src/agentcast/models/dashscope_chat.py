"""DashScope native generation API (Alibaba's Qwen models), over httpx (``dashscope`` extra).

Text requests go to ``text-generation``, requests with images/audio to
``multimodal-generation``. Streaming uses ``X-DashScope-SSE: enable`` with
``incremental_output`` so each event carries only new text. For the OpenAI-compatible mode
use ``openai_chat`` with ``base_url=https://dashscope.aliyuncs.com/compatible-mode/v1``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, ClassVar

from agentcast.exceptions import TransientModelError
from agentcast.message import Msg
from agentcast.models._http import map_status
from agentcast.models._provider import (
    HTTPChatModel,
    estimate_usage,
    finish_reason_of,
    parse_arguments,
)
from agentcast.models.base import ModelChunk, ToolCall, Usage
from agentcast.models.formatters.dashscope import format_dashscope
from agentcast.models.formatters.openai import openai_tools

_CODES = {"InvalidApiKey": 401, "AccessDenied": 403, "ModelNotFound": 404,
          "Throttling": 429, "InternalError": 500, "ServiceUnavailable": 503,
          "InvalidParameter": 400, "DataInspectionFailed": 400, "Arrearage": 400}


def _text(content: Any) -> str:
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content or ""


class DashScopeChatModel(HTTPChatModel):
    """Qwen models over DashScope's native API."""

    model_type = "dashscope_chat"
    provider = "dashscope"
    extra = "dashscope"
    api_key_env: tuple[str, ...] = ("DASHSCOPE_API_KEY",)
    base_url_env: tuple[str, ...] = ("DASHSCOPE_BASE_URL",)
    default_base_url = "https://dashscope.aliyuncs.com/api/v1"
    supports_json_mode: ClassVar[bool] = True
    always_multimodal: ClassVar[bool] = False  # send every request to multimodal-generation

    def format(self, messages: Sequence[Msg] | Any) -> tuple[list[dict[str, Any]], bool]:
        return format_dashscope(messages)

    def _error(self, data: dict[str, Any], url: str) -> Exception:
        code = str(data.get("code", ""))
        status = next((s for prefix, s in _CODES.items() if code.startswith(prefix)), 500)
        import json

        return map_status(status, json.dumps(data), {}, provider=self.provider,
                          model=self.model_name, url=url)

    async def _stream(
        self, messages: Sequence[Msg], *, tools: list[dict[str, Any]] | None, **kwargs: Any
    ) -> AsyncIterator[ModelChunk]:
        stream = bool(kwargs.pop("stream", self.streaming))
        msgs, multimodal = self.format(messages)
        if not multimodal and (self.always_multimodal or any(
                t in self.model_name for t in ("-vl", "-audio", "-omni"))):
            # multimodal models take the multimodal endpoint (and its content form) always
            msgs = [{**m, "content": [{"text": m["content"]}]} if isinstance(m["content"], str)
                    else m for m in msgs]
            multimodal = True
        kind = "multimodal-generation" if multimodal else "text-generation"
        url = f"{self.base_url}/services/aigc/{kind}/generation"
        params: dict[str, Any] = {"result_format": "message", **kwargs}
        if tools:
            params["tools"] = openai_tools(tools)
        headers = {"Authorization": f"Bearer {self.api_key}"}
        t = self.transport
        if not stream:
            body = {"model": self.model_name, "input": {"messages": msgs}, "parameters": params}
            data = await t.post_json(url, body, headers)
            text, calls, usage, finish = self._parse(data, url, {})
            yield ModelChunk(delta=text, tool_calls=calls or None,
                             usage=usage or estimate_usage(messages, text, calls), raw=data,
                             finish_reason=finish_reason_of(finish.replace("null", "")))
            return
        params["incremental_output"] = True
        body = {"model": self.model_name, "input": {"messages": msgs}, "parameters": params}
        headers.update({"X-DashScope-SSE": "enable", "Accept": "text/event-stream"})
        slots: dict[int, dict[str, Any]] = {}
        final_usage: Usage | None = None
        finished = ""
        async for _event, payload in t.stream_sse(url, body, headers):
            text, _calls, usage, finish = self._parse(t.parse(payload, url), url, slots)
            final_usage = usage or final_usage
            finished = finish if finish not in ("", "null") else finished
            if text:
                yield ModelChunk(delta=text)
        if not finished:
            raise t.truncated(url)
        calls = [ToolCall(s["id"] or f"call_{i}", s["name"], parse_arguments(s["arguments"]))
                 for i, s in sorted(slots.items())]
        yield ModelChunk(tool_calls=calls or None, usage=final_usage or Usage(),
                         finish_reason=finish_reason_of(finished))

    def _parse(self, data: Any, url: str, slots: dict[int, dict[str, Any]]
               ) -> tuple[str, list[ToolCall], Usage | None, str]:
        """One response or stream event; stream tool-call pieces accumulate in ``slots``."""
        if not isinstance(data, dict):
            raise TransientModelError(f"dashscope model {self.model_name!r}: unexpected "
                                      f"response from {url}", model=self.model_name)
        if data.get("code") and not data.get("output"):
            raise self._error(data, url)
        choices = (data.get("output") or {}).get("choices") or []
        text, calls, finish = "", [], ""
        for choice in choices[:1]:
            message = choice.get("message") or {}
            text = _text(message.get("content"))
            for i, tc in enumerate(message.get("tool_calls") or []):
                fn = tc.get("function") or {}
                slot = slots.setdefault(int(tc.get("index", i)),
                                        {"id": "", "name": "", "arguments": ""})
                slot["id"] = tc.get("id") or slot["id"]
                slot["name"] = fn.get("name") or slot["name"]
                slot["arguments"] += fn.get("arguments") or ""
            finish = str(choice.get("finish_reason") or "")
        if not slots or finish not in ("", "null"):
            calls = [ToolCall(s["id"] or f"call_{i}", s["name"], parse_arguments(s["arguments"]))
                     for i, s in sorted(slots.items())]
        u = data.get("usage")
        usage = Usage(int(u.get("input_tokens") or 0), int(u.get("output_tokens") or 0)) \
            if u else None
        return text, calls, usage, finish


__all__ = ["DashScopeChatModel"]
