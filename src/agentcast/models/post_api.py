"""A chat model behind any home-grown POST endpoint (a Flask wrapper, an in-house gateway).

The request body is a JSON template (``json_args``). Strings in it that are exactly
``"{{messages}}"`` (the messages as OpenAI-style dicts), ``"{{prompt}}"`` (a "name: text"
transcript) or ``"{{model}}"`` are replaced; without a messages/prompt placeholder the
messages go under ``messages_key``. The reply text is read from ``response_path`` (dotted,
list indexes allowed: "data.choices.0.text"), or from the usual places when not given.
One chunk per call: such servers rarely stream.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from agentcast.exceptions import ConfigError, UnresolvableModelError
from agentcast.message import Msg
from agentcast.models._http import check_type
from agentcast.models._provider import HTTPChatModel, estimate_usage
from agentcast.models.base import ModelChunk, Usage
from agentcast.models.formatters.openai import format_openai
from agentcast.models.formatters.text import format_transcript

_GUESSES = ("choices.0.message.content", "choices.0.text", "data.response.choices.0.message"
            ".content", "output.text", "output.choices.0.message.content", "message.content",
            "response", "text", "output", "content", "generated_text", "0.generated_text",
            "result", "answer", "reply", "data.response", "data.text", "data")


def dig(data: Any, path: str) -> Any:
    """Follow a dotted path through dicts and lists; KeyError when it leads nowhere."""
    for key in path.split(".") if path else []:
        if isinstance(data, list):
            try:
                data = data[int(key)]
            except (ValueError, IndexError) as exc:
                raise KeyError(path) from exc
        elif isinstance(data, dict) and key in data:
            data = data[key]
        else:
            raise KeyError(path)
    return data


def _fill(template: Any, values: dict[str, Any], used: set[str]) -> Any:
    if isinstance(template, str):
        for name, value in values.items():
            if template == "{{" + name + "}}":
                used.add(name)
                return value
        return template
    if isinstance(template, list):
        return [_fill(v, values, used) for v in template]
    if isinstance(template, dict):
        return {k: _fill(v, values, used) for k, v in template.items()}
    return template


class PostAPIChatModel(HTTPChatModel):
    """POST ``json_args`` (with the messages filled in) to ``api_url``; read the answer."""

    model_type = "post_api_chat"
    provider = "post_api"
    extra = "web"
    key_required = False
    requires_model_name = False

    def __init__(
        self,
        config_name: str = "",
        model_name: str = "",
        *,
        api_url: str | None = None,
        json_args: Mapping[str, Any] | None = None,
        messages_key: str = "messages",
        message_format: str = "openai",
        response_path: str | None = None,
        usage_path: str | None = None,
        **kwargs: Any,
    ) -> None:
        where = f"model config {config_name or model_name or 'post_api_chat'!r}"
        if not api_url:
            raise ConfigError(f"{where}: missing required field 'api_url' (the URL to POST "
                              "to)", field="api_url")
        check_type(where, "api_url", api_url, str, "a URL string")
        check_type(where, "json_args", json_args, Mapping, "an object (the request template)")
        check_type(where, "messages_key", messages_key, str, "a string")
        check_type(where, "response_path", response_path, str, "a dotted path string")
        check_type(where, "usage_path", usage_path, str, "a dotted path string")
        if message_format not in ("openai", "transcript"):
            raise ConfigError(f"{where}: field 'message_format' must be 'openai' or "
                              f"'transcript', got {message_format!r}", field="message_format")
        kwargs.setdefault("stream", False)
        super().__init__(config_name, model_name, base_url=api_url, **kwargs)
        self.api_url = api_url
        self.json_args = dict(json_args or {})
        self.messages_key = messages_key
        self.message_format = message_format
        self.response_path = response_path
        self.usage_path = usage_path

    def build_body(self, messages: Sequence[Msg], kwargs: dict[str, Any]) -> dict[str, Any]:
        msgs = format_openai(messages, name_field=False)
        prompt = format_transcript(messages)
        used: set[str] = set()
        body = _fill(copy.deepcopy(self.json_args),
                     {"messages": msgs, "prompt": prompt, "model": self.model_name}, used)
        if not used & {"messages", "prompt"}:
            body[self.messages_key] = msgs if self.message_format == "openai" else prompt
        body.update(kwargs)
        return body  # type: ignore[no-any-return]

    def extract(self, data: Any) -> str:
        paths = [self.response_path] if self.response_path else list(_GUESSES)
        for path in paths:
            try:
                value = dig(data, path)
            except KeyError:
                continue
            if isinstance(value, str):
                return value
        if isinstance(data, str):
            return data
        raise UnresolvableModelError(
            f"post_api model {self.config_name!r}: no reply text at "
            f"{self.response_path or 'any usual place'} in {str(data)[:200]}; set "
            "'response_path' in the model config", model=self.model_name)

    async def _stream(
        self, messages: Sequence[Msg], *, tools: list[dict[str, Any]] | None, **kwargs: Any
    ) -> AsyncIterator[ModelChunk]:
        kwargs.pop("stream", None)
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        body = self.build_body(messages, kwargs)
        if tools:
            body["tools"] = tools
        response = await self.transport.request("POST", self.api_url, json_body=body,
                                                headers=headers)
        ctype = response.headers.get("content-type", "")
        data = (self.transport.parse(response.text, self.api_url) if "json" in ctype
                else response.text)
        text = self.extract(data)
        usage: Usage | None = None
        if self.usage_path:
            try:
                u = dig(data, self.usage_path)
                usage = Usage(int(u.get("prompt_tokens") or u.get("input_tokens") or 0),
                              int(u.get("completion_tokens") or u.get("output_tokens") or 0))
            except (KeyError, AttributeError, TypeError, ValueError):
                usage = None
        yield ModelChunk(delta=text, usage=usage or estimate_usage(messages, text), raw=data)


__all__ = ["PostAPIChatModel", "dig"]
