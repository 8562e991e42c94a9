"""Ollama's completion endpoint ``/api/generate``: one prompt in, text out (NDJSON stream).

Why beside ``ollama_chat``: base models and some fine-tunes have no chat template, and
AgentScope's ``ollama_generate`` type sends them a single prompt. The messages are written
as a transcript (the system prompt goes to ``system``); tools are refused, because the
endpoint has none.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, ClassVar

from agentcast.exceptions import ConfigError, TransientModelError
from agentcast.message import Msg
from agentcast.models._http import check_type, map_status
from agentcast.models._provider import HTTPChatModel
from agentcast.models.base import ModelChunk, Usage
from agentcast.models.formatters.common import split_system
from agentcast.models.formatters.text import format_transcript
from agentcast.models.ollama_chat import apply_generate_args

_TOP_LEVEL = ("format", "keep_alive", "raw", "suffix", "images", "think", "system")


class OllamaGenerateModel(HTTPChatModel):
    """``POST {host}/api/generate``; ``options`` and ``keep_alive`` as in AgentScope's
    config (``options`` merge with per-call ones)."""

    model_type = "ollama_generate"
    provider = "ollama"
    extra = "ollama"
    base_url_env: tuple[str, ...] = ("OLLAMA_HOST",)
    default_base_url = "http://localhost:11434"
    key_required = False
    supports_json_mode: ClassVar[bool] = True

    def __init__(self, config_name: str = "", model_name: str = "", *,
                 options: Mapping[str, Any] | None = None, keep_alive: str | None = None,
                 host: str | None = None, **kwargs: Any) -> None:
        if host is not None:
            kwargs.setdefault("base_url", host)
        super().__init__(config_name, model_name, **kwargs)
        check_type(self._where, "options", options, Mapping, "an object")
        check_type(self._where, "keep_alive", keep_alive, str, 'a duration such as "5m"')
        self.options = dict(options or {})
        self.keep_alive = keep_alive

    def format(self, messages: Sequence[Msg] | Any) -> dict[str, str]:
        """``{"system": ..., "prompt": ...}``: leading system messages, then a transcript."""
        system, rest = split_system(messages)
        out = {"prompt": format_transcript(rest) if rest else ""}
        if system:
            out["system"] = "\n\n".join(system)
        return out

    def _body(self, messages: Sequence[Msg], stream: bool, kwargs: dict[str, Any]
              ) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model_name, **self.format(messages),
                                "stream": stream}
        if self.keep_alive is not None:
            body["keep_alive"] = self.keep_alive
        return apply_generate_args(body, kwargs, _TOP_LEVEL, self.options)

    async def _stream(
        self, messages: Sequence[Msg], *, tools: list[dict[str, Any]] | None, **kwargs: Any
    ) -> AsyncIterator[ModelChunk]:
        if tools:
            raise ConfigError(f"{self._where}: /api/generate takes no tools; use the "
                              "'ollama_chat' model type for tool calls", field="tools")
        stream = bool(kwargs.pop("stream", self.streaming))
        url = f"{self.base_url}/api/generate"
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        body = self._body(messages, stream, kwargs)
        t = self.transport
        if not stream:
            data = await t.post_json(url, body, headers)
            text, usage, _done = self._parse(data, url)
            yield ModelChunk(delta=text, usage=usage or Usage(), raw=data)
            return
        final: Usage | None = None
        done = False
        async for line in t.stream_lines(url, body, headers):
            if not line.strip():
                continue
            text, usage, is_done = self._parse(t.parse(line, url), url)
            final = usage or final
            done = done or is_done
            if text:
                yield ModelChunk(delta=text)
        if not done:
            raise t.truncated(url)
        yield ModelChunk(usage=final or Usage())

    def _parse(self, data: Any, url: str) -> tuple[str, Usage | None, bool]:
        if not isinstance(data, dict):
            raise TransientModelError(f"ollama model {self.model_name!r}: unexpected response "
                                      f"from {url}", model=self.model_name)
        if data.get("error"):
            status = 404 if "not found" in str(data["error"]) else 500
            raise map_status(status, json.dumps(data), {}, provider=self.provider,
                             model=self.model_name, url=url)
        done = bool(data.get("done"))
        usage = Usage(int(data.get("prompt_eval_count") or 0),
                      int(data.get("eval_count") or 0)) if done else None
        return str(data.get("response") or ""), usage, done


__all__ = ["OllamaGenerateModel"]
