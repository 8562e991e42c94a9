"""Embedding models: not chat models, so they have a small protocol of their own.

``await model.embed(texts) -> list[list[float]]`` (``embed_sync`` from plain code).
Providers: any OpenAI-compatible ``/embeddings`` endpoint, Ollama's ``/api/embed``, and
sentence-transformers running locally (the ``embeddings`` extra).
"""

from __future__ import annotations

import asyncio
import base64
import struct
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from agentcast.exceptions import ConfigError, MissingExtraError, TransientModelError
from agentcast.models._http import check_type, run_sync
from agentcast.models._provider import HTTPConfig, retry_policy, with_retries
from agentcast.models.base import Usage


@runtime_checkable
class EmbeddingModel(Protocol):
    """What memory and retrieval need from an embedding model."""

    config_name: str
    model_name: str

    async def embed(self, texts: Sequence[str]) -> list[list[float]]: ...

    def embed_sync(self, texts: Sequence[str]) -> list[list[float]]: ...


class EmbeddingModelBase:
    """Batching and the sync wrapper; subclasses implement ``_embed_batch``."""

    model_type = "embedding"
    batch_size = 256

    config_name: str
    model_name: str
    last_usage: Usage
    retry_policy: Any

    def _init_names(self, config_name: str, model_name: str, retry: Any = None,
                    max_retries: Any = None, timeout: Any = None) -> None:
        self.model_name = model_name
        self.config_name = config_name or model_name
        self.last_usage = Usage()
        self.retry_policy = retry_policy(retry, max_retries, timeout)

    async def embed(self, texts: Sequence[str] | str) -> list[list[float]]:
        items = [texts] if isinstance(texts, str) else list(texts)
        out: list[list[float]] = []
        usage = Usage()
        for i in range(0, len(items), self.batch_size):
            batch = items[i:i + self.batch_size]

            def attempt(b: list[str] = batch) -> Any:
                return self._embed_batch(b)

            vectors, used = await with_retries(self.retry_policy, attempt, self.model_name)
            out += vectors
            usage.prompt_tokens += used
        self.last_usage = usage
        return out

    def embed_sync(self, texts: Sequence[str] | str) -> list[list[float]]:
        return run_sync(self.embed(texts))

    async def _embed_batch(self, texts: list[str]) -> tuple[list[list[float]], int]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config_name!r})"


class HTTPEmbeddingModel(HTTPConfig, EmbeddingModelBase):
    """An embedding model behind an HTTP API: the shared config fields and the key header."""

    def __init__(self, config_name: str = "", model_name: str = "", *,
                 api_key: str | None = None, base_url: str | None = None,
                 client_args: Mapping[str, Any] | None = None, timeout: float | None = None,
                 headers: Mapping[str, str] | None = None,
                 generate_args: Mapping[str, Any] | None = None,
                 batch_size: int | None = None, retry: Any = None,
                 max_retries: int | None = None) -> None:
        self._configure(config_name, model_name, api_key=api_key, base_url=base_url,
                        client_args=client_args, timeout=timeout, headers=headers,
                        generate_args=generate_args)
        check_type(self._where, "batch_size", batch_size, int, "an integer")
        self._init_names(config_name, model_name, retry, max_retries, timeout)
        self.generate_args = dict(generate_args or {})
        if batch_size:
            self.batch_size = batch_size

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}


class OpenAIEmbeddingModel(HTTPEmbeddingModel):
    """``POST {base_url}/embeddings`` (OpenAI, vLLM, DashScope compatible mode, ...)."""

    model_type = "openai_embedding"
    provider = "openai"
    extra = "openai"
    api_key_env: tuple[str, ...] = ("OPENAI_API_KEY",)
    base_url_env: tuple[str, ...] = ("OPENAI_BASE_URL",)
    default_base_url = "https://api.openai.com/v1"

    async def _embed_batch(self, texts: list[str]) -> tuple[list[list[float]], int]:
        url = f"{self.base_url}/embeddings"
        body = {"model": self.model_name, "input": texts, **self.generate_args}
        data = await self.transport.post_json(url, body, self._headers())
        try:
            rows = sorted(data["data"], key=lambda r: r.get("index", 0))
            vectors = [_decode(r["embedding"]) for r in rows]
        except (KeyError, TypeError) as exc:
            raise TransientModelError(f"embedding model {self.model_name!r}: unexpected "
                                      f"response from {url}", model=self.model_name) from exc
        return vectors, int((data.get("usage") or {}).get("prompt_tokens") or 0)


def _decode(value: Any) -> list[float]:
    if isinstance(value, str):  # encoding_format="base64": little-endian float32
        raw = base64.b64decode(value)
        return list(struct.unpack(f"<{len(raw) // 4}f", raw))
    return [float(x) for x in value]


class OllamaEmbeddingModel(HTTPEmbeddingModel):
    """``POST {host}/api/embed`` of a local Ollama."""

    model_type = "ollama_embedding"
    provider = "ollama"
    extra = "ollama"
    base_url_env: tuple[str, ...] = ("OLLAMA_HOST",)
    default_base_url = "http://localhost:11434"
    key_required = False

    async def _embed_batch(self, texts: list[str]) -> tuple[list[list[float]], int]:
        url = f"{self.base_url}/api/embed"
        body = {"model": self.model_name, "input": texts, **self.generate_args}
        data = await self.transport.post_json(url, body, self._headers())
        if not isinstance(data, dict) or "embeddings" not in data:
            raise TransientModelError(f"embedding model {self.model_name!r}: unexpected "
                                      f"response from {url}", model=self.model_name)
        return [_decode(v) for v in data["embeddings"]], int(data.get("prompt_eval_count") or 0)


class SentenceTransformerEmbeddingModel(EmbeddingModelBase):
    """sentence-transformers in this process; loaded on first use, run in a thread."""

    model_type = "sentence_transformers_embedding"

    def __init__(self, config_name: str = "", model_name: str = "", *,
                 device: str | None = None, client_args: Mapping[str, Any] | None = None,
                 generate_args: Mapping[str, Any] | None = None, **_: Any) -> None:
        where = f"model config {config_name or model_name!r}"
        check_type(where, "model_name", model_name, str, "a string")
        if not model_name:
            raise ConfigError(f"{where}: missing required field 'model_name'",
                              field="model_name")
        check_type(where, "client_args", client_args, Mapping, "an object")
        self._init_names(config_name, model_name)
        self.device = device
        self.client_args = dict(client_args or {})
        self.generate_args = dict(generate_args or {})
        self._model: Any = None
        self._lock = threading.Lock()

    def _encode(self, texts: list[str]) -> list[list[float]]:
        with self._lock:
            if self._model is None:
                try:
                    from sentence_transformers import SentenceTransformer
                except ImportError as exc:
                    raise MissingExtraError("embeddings", "sentence-transformers") from exc
                self._model = SentenceTransformer(self.model_name, device=self.device,
                                                  **self.client_args)
        vectors = self._model.encode(texts, **self.generate_args)
        return [[float(x) for x in v] for v in vectors]

    async def _embed_batch(self, texts: list[str]) -> tuple[list[list[float]], int]:
        vectors = await asyncio.to_thread(self._encode, texts)
        return vectors, sum(len(t) // 4 for t in texts)


__all__ = ["EmbeddingModel", "EmbeddingModelBase", "HTTPEmbeddingModel", "OllamaEmbeddingModel",
           "OpenAIEmbeddingModel", "SentenceTransformerEmbeddingModel"]
