"""OpenAI-compatible chat: OpenAI, Azure OpenAI, vLLM, FastChat, Ollama's /v1, DeepSeek,
DashScope compatible mode, and any local server (base_url + api_key).

Spoken over httpx (the ``openai`` extra), streamed by default with usage in the last chunk.
A stream without a finish reason is a truncated answer, ``[DONE]`` or not (llama-cpp-python
ends an older stream with ``[DONE]`` when a new request arrives): transient, so retried, and
the retry says why.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, ClassVar

from agentcast.exceptions import TransientModelError
from agentcast.message import Msg
from agentcast.models._http import check_type, env_first, map_status
from agentcast.models._provider import HTTPChatModel, estimate_usage, parse_arguments
from agentcast.models.base import ModelChunk, ToolCall, Usage
from agentcast.models.formatters.openai import format_openai, openai_tools


class OpenAIChatModel(HTTPChatModel):
    """Chat completions at ``{base_url}/chat/completions``.

    Speaker names go in the ``name`` field on OpenAI and Azure; other servers (vLLM, Ollama,
    DeepSeek, ...) mostly drop that field from the prompt, so there names go into the text
    unless ``name_field=True``. ``stream_usage=False`` for servers that reject
    ``stream_options``.
    """

    model_type = "openai_chat"
    provider = "openai"
    extra = "openai"
    api_key_env: tuple[str, ...] = ("OPENAI_API_KEY",)
    base_url_env: tuple[str, ...] = ("OPENAI_BASE_URL",)
    default_base_url = "https://api.openai.com/v1"
    supports_json_schema: ClassVar[bool] = True
    supports_json_mode: ClassVar[bool] = True

    def __init__(
        self,
        config_name: str = "",
        model_name: str = "",
        *,
        name_field: bool | None = None,
        stream_usage: bool = True,
        organization: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(config_name, model_name, **kwargs)
        check_type(self._where, "name_field", name_field, bool, "true or false")
        check_type(self._where, "stream_usage", stream_usage, bool, "true or false")
        self.name_field = (name_field if name_field is not None else
                           self.base_url == OpenAIChatModel.default_base_url
                           or isinstance(self, AzureOpenAIChatModel))
        self.stream_usage = stream_usage
        self.organization = organization or self.client_args.pop("organization", None)
        self.project = self.client_args.pop("project", None)

    # --- request ------------------------------------------------------------------------
    def format(self, messages: Sequence[Msg] | Any) -> list[dict[str, Any]]:
        return format_openai(messages, name_field=self.name_field)

    def _url(self) -> tuple[str, dict[str, str], dict[str, str]]:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        if self.organization:
            headers["OpenAI-Organization"] = self.organization
        if self.project:
            headers["OpenAI-Project"] = self.project
        return f"{self.base_url}/chat/completions", headers, {}

    def _body(self, messages: Sequence[Msg], tools: list[dict[str, Any]] | None,
              stream: bool, kwargs: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model_name, "messages": self.format(messages)}
        if tools:
            body["tools"] = openai_tools(tools)
        body.update(kwargs)
        body["stream"] = stream
        if stream and self.stream_usage:
            body.setdefault("stream_options", {"include_usage": True})
        return body

    # --- answer -------------------------------------------------------------------------
    async def _stream(
        self, messages: Sequence[Msg], *, tools: list[dict[str, Any]] | None, **kwargs: Any
    ) -> AsyncIterator[ModelChunk]:
        stream = bool(kwargs.pop("stream", self.streaming))
        url, headers, params = self._url()
        body = self._body(messages, tools, stream, kwargs)
        t = self.transport
        if not stream:
            data = await t.post_json(url, body, headers, params or None)
            yield self._parse_complete(data, messages, url)
            return
        calls: dict[int, dict[str, Any]] = {}
        usage: Usage | None = None
        text: list[str] = []
        finished: str | None = None
        done = False
        async for _event, payload in t.stream_sse(url, body, headers, params or None):
            if payload.strip() == "[DONE]":
                done = True
                break
            data = t.parse(payload, url)
            if isinstance(data, dict) and data.get("error"):
                raise map_status(int(data["error"].get("code") or 500)
                                 if str(data["error"].get("code", "")).isdigit() else 500,
                                 payload, {}, provider=self.provider, model=self.model_name,
                                 url=url)
            if data.get("usage"):
                usage = Usage(int(data["usage"].get("prompt_tokens") or 0),
                              int(data["usage"].get("completion_tokens") or 0))
            for choice in data.get("choices") or []:
                delta = choice.get("delta") or {}
                if delta.get("content"):
                    text.append(delta["content"])
                    yield ModelChunk(delta=delta["content"])
                for tc in delta.get("tool_calls") or []:
                    slot = calls.setdefault(int(tc.get("index", len(calls))),
                                            {"id": "", "name": "", "arguments": ""})
                    fn = tc.get("function") or {}
                    slot["id"] = tc.get("id") or slot["id"]
                    slot["name"] = fn.get("name") or slot["name"]
                    slot["arguments"] += fn.get("arguments") or ""
                if choice.get("finish_reason"):
                    finished = str(choice["finish_reason"])
        if not finished:
            raise t.interrupted(url) if done else t.truncated(url, "no finish_reason")
        tool_calls = [ToolCall(c["id"] or f"call_{i}", c["name"], parse_arguments(c["arguments"]))
                      for i, c in sorted(calls.items())]
        yield ModelChunk(tool_calls=tool_calls or None,
                         usage=usage or estimate_usage(messages, "".join(text), tool_calls),
                         finish_reason=finished)

    def _parse_complete(self, data: Any, messages: Sequence[Msg], url: str) -> ModelChunk:
        try:
            message = data["choices"][0]["message"]
        except (KeyError, IndexError, TypeError) as exc:
            raise TransientModelError(f"{self.provider} model {self.model_name!r}: unexpected "
                                      f"response from {url}: {str(data)[:200]}",
                                      model=self.model_name) from exc
        calls = [ToolCall(c.get("id") or f"call_{i}", c["function"]["name"],
                          parse_arguments(c["function"].get("arguments")))
                 for i, c in enumerate(message.get("tool_calls") or [])]
        text = message.get("content") or ""
        if isinstance(text, list):  # some servers return content parts
            text = "".join(p.get("text", "") for p in text if isinstance(p, dict))
        u = data.get("usage") or {}
        usage = (Usage(int(u.get("prompt_tokens") or 0), int(u.get("completion_tokens") or 0))
                 if u else estimate_usage(messages, text, calls))
        finish = data["choices"][0].get("finish_reason")
        return ModelChunk(delta=text, tool_calls=calls or None, usage=usage, raw=data,
                          finish_reason=str(finish) if finish else None)


class AzureOpenAIChatModel(OpenAIChatModel):
    """Azure OpenAI: ``{azure_endpoint}/openai/deployments/{deployment}/chat/completions``.

    ``model_name`` is the deployment name unless ``azure_deployment`` is given.
    """

    model_type = "azure_openai_chat"
    provider = "azure"
    api_key_env = ("AZURE_OPENAI_API_KEY",)
    base_url_env = ("AZURE_OPENAI_ENDPOINT",)
    default_base_url = ""

    def __init__(
        self,
        config_name: str = "",
        model_name: str = "",
        *,
        azure_endpoint: str | None = None,
        api_version: str | None = None,
        azure_deployment: str | None = None,
        base_url: str | None = None,
        client_args: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        args = dict(client_args or {})
        endpoint = azure_endpoint or args.pop("azure_endpoint", None) or base_url
        version = api_version or args.pop("api_version", None)
        deployment = azure_deployment or args.pop("azure_deployment", None)
        super().__init__(config_name, model_name, base_url=endpoint, client_args=args, **kwargs)
        self.api_version = version or env_first("OPENAI_API_VERSION") or "2024-10-21"
        self.deployment = deployment or self.model_name
        if not self.api_key:
            from agentcast.exceptions import ConfigError

            raise ConfigError(f"{self._where}: no API key for Azure OpenAI: set 'api_key' or "
                              "AZURE_OPENAI_API_KEY", field="api_key")

    def _url(self) -> tuple[str, dict[str, str], dict[str, str]]:
        return (f"{self.base_url}/openai/deployments/{self.deployment}/chat/completions",
                {"api-key": self.api_key or ""}, {"api-version": self.api_version})


__all__ = ["AzureOpenAIChatModel", "OpenAIChatModel"]
