"""Google Gemini generateContent, over httpx (the ``gemini`` extra), streamed by default.

OpenAI-style arguments are translated into ``generationConfig`` (``max_tokens`` ->
``maxOutputTokens``, ``response_format`` -> JSON mode / ``responseJsonSchema``, other
snake_case keys camelCased) and ``tool_choice`` into ``toolConfig``. A stream whose last
chunk has no ``finishReason`` is truncated (transient). Blocked prompts are unresolvable.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any, ClassVar

from agentcast.exceptions import TransientModelError, UnresolvableModelError
from agentcast.message import Msg
from agentcast.models._http import map_status
from agentcast.models._provider import HTTPChatModel, finish_reason_of
from agentcast.models.base import ModelChunk, ToolCall, Usage
from agentcast.models.formatters.gemini import format_gemini, gemini_tools

_ids = itertools.count(1)
_RENAME = {"max_tokens": "maxOutputTokens", "max_output_tokens": "maxOutputTokens",
           "stop": "stopSequences", "n": "candidateCount"}


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(p.title() for p in rest)


def generation_config(kwargs: dict[str, Any]) -> dict[str, Any]:
    """OpenAI-style generation arguments -> a Gemini generationConfig."""
    config: dict[str, Any] = dict(kwargs.pop("generation_config", None) or {})
    fmt = kwargs.pop("response_format", None)
    if isinstance(fmt, dict) and fmt.get("type") in ("json_object", "json_schema"):
        config["responseMimeType"] = "application/json"
        schema = (fmt.get("json_schema") or {}).get("schema")
        if schema:
            config["responseJsonSchema"] = schema
    for key, value in list(kwargs.items()):
        kwargs.pop(key)
        name = _RENAME.get(key, _camel(key))
        config[name] = [value] if name == "stopSequences" and isinstance(value, str) else value
    return config


def tool_config(choice: Any) -> dict[str, Any]:
    if isinstance(choice, dict) and "function" in choice:
        return {"functionCallingConfig": {"mode": "ANY",
                                          "allowedFunctionNames": [choice["function"]["name"]]}}
    mode = {"auto": "AUTO", "required": "ANY", "none": "NONE"}.get(str(choice), "AUTO")
    return {"functionCallingConfig": {"mode": mode}}


class GeminiChatModel(HTTPChatModel):
    """Gemini models at ``{base_url}/v1beta/models/{model}:generateContent``."""

    model_type = "gemini_chat"
    provider = "gemini"
    extra = "gemini"
    api_key_env: tuple[str, ...] = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
    base_url_env: tuple[str, ...] = ("GEMINI_BASE_URL",)
    default_base_url = "https://generativelanguage.googleapis.com"
    supports_json_schema: ClassVar[bool] = True
    supports_json_mode: ClassVar[bool] = True

    def __init__(self, config_name: str = "", model_name: str = "", **kwargs: Any) -> None:
        super().__init__(config_name, model_name, **kwargs)
        self.api_version = str(self.client_args.pop("api_version", None) or "v1beta")

    def format(self, messages: Sequence[Msg] | Any) -> dict[str, Any]:
        return format_gemini(messages)

    def _body(self, messages: Sequence[Msg], tools: list[dict[str, Any]] | None,
              kwargs: dict[str, Any]) -> dict[str, Any]:
        body = self.format(messages)
        if tools:
            body["tools"] = gemini_tools(tools)
        if "tool_choice" in kwargs:
            body["toolConfig"] = tool_config(kwargs.pop("tool_choice"))
        for key in ("safety_settings", "safetySettings", "cached_content"):
            if key in kwargs:
                body[_camel(key)] = kwargs.pop(key)
        config = generation_config(kwargs)
        if config:
            body["generationConfig"] = config
        return body

    async def _stream(
        self, messages: Sequence[Msg], *, tools: list[dict[str, Any]] | None, **kwargs: Any
    ) -> AsyncIterator[ModelChunk]:
        stream = bool(kwargs.pop("stream", self.streaming))
        body = self._body(messages, tools, kwargs)
        headers = {"x-goog-api-key": self.api_key or ""}
        root = f"{self.base_url}/{self.api_version}/models/{self.model_name}"
        t = self.transport
        if not stream:
            url = f"{root}:generateContent"
            data = await t.post_json(url, body, headers)
            text, calls, usage, finish = self._parse(data, url)
            yield ModelChunk(delta=text, tool_calls=calls or None, usage=usage or Usage(),
                             raw=data, finish_reason=finish_reason_of(finish))
            return
        url = f"{root}:streamGenerateContent"
        all_calls: list[ToolCall] = []
        final_usage: Usage | None = None
        finished = ""
        async for _event, payload in t.stream_sse(url, body, headers, {"alt": "sse"}):
            text, calls, usage, finish = self._parse(t.parse(payload, url), url)
            all_calls += calls
            final_usage = usage or final_usage
            finished = finish or finished
            if text:
                yield ModelChunk(delta=text)
        if not finished:
            raise t.truncated(url)
        yield ModelChunk(tool_calls=all_calls or None, usage=final_usage or Usage(),
                         finish_reason=finish_reason_of(finished))

    def _parse(self, data: Any, url: str) -> tuple[str, list[ToolCall], Usage | None, str]:
        if not isinstance(data, dict):
            raise TransientModelError(f"gemini model {self.model_name!r}: unexpected response "
                                      f"from {url}", model=self.model_name)
        if data.get("error"):
            err = data["error"]
            raise map_status(int(err.get("code") or 500), json.dumps(data), {},
                             provider=self.provider, model=self.model_name, url=url)
        feedback = data.get("promptFeedback") or {}
        if feedback.get("blockReason") and not data.get("candidates"):
            raise UnresolvableModelError(
                f"gemini model {self.model_name!r}: the prompt was blocked "
                f"({feedback['blockReason']}); change the prompt or safety_settings",
                model=self.model_name)
        text, calls, finish = "", [], ""
        for cand in (data.get("candidates") or [])[:1]:
            for part in (cand.get("content") or {}).get("parts") or []:
                if "text" in part and not part.get("thought"):
                    text += part["text"]
                call = part.get("functionCall")
                if call:
                    calls.append(ToolCall(call.get("id") or f"call_{next(_ids)}", call["name"],
                                          call.get("args") or {}))
            finish = cand.get("finishReason") or ""
        meta = data.get("usageMetadata")
        usage = (Usage(int(meta.get("promptTokenCount") or 0),
                       int(meta.get("candidatesTokenCount") or 0)
                       + int(meta.get("thoughtsTokenCount") or 0)) if meta else None)
        return text, calls, usage, finish


__all__ = ["GeminiChatModel", "generation_config"]
