"""Gemini embeddings: ``models/{m}:embedContent`` for one text, ``:batchEmbedContents`` for
several (up to 100 per request), over httpx (the ``gemini`` extra).

``task_type`` (e.g. ``RETRIEVAL_QUERY``), ``title`` and ``output_dimensionality`` go in the
config's ``generate_args`` and are sent with every request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agentcast.exceptions import TransientModelError
from agentcast.models.embeddings import HTTPEmbeddingModel

_FIELDS = {"task_type": "taskType", "title": "title",
           "output_dimensionality": "outputDimensionality"}


class GeminiEmbeddingModel(HTTPEmbeddingModel):
    """Gemini text embeddings (``text-embedding-004``, ``gemini-embedding-001``, ...)."""

    model_type = "gemini_embedding"
    provider = "gemini"
    extra = "gemini"
    api_key_env: tuple[str, ...] = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
    base_url_env: tuple[str, ...] = ("GEMINI_BASE_URL",)
    default_base_url = "https://generativelanguage.googleapis.com"
    batch_size = 100
    api_version = "v1beta"

    def _headers(self) -> dict[str, str]:
        return {"x-goog-api-key": self.api_key or ""}

    def _request(self, text: str, extra: Mapping[str, Any]) -> dict[str, Any]:
        name = self.model_name if self.model_name.startswith("models/") else (
            f"models/{self.model_name}")
        req: dict[str, Any] = {"model": name, "content": {"parts": [{"text": text}]}}
        for key, value in extra.items():
            req[_FIELDS.get(key, key)] = value
        return req

    async def _embed_batch(self, texts: list[str]) -> tuple[list[list[float]], int]:
        name = self.model_name.removeprefix("models/")
        root = f"{self.base_url}/{self.api_version}/models/{name}"
        args = dict(self.generate_args)
        if len(texts) == 1:
            url = f"{root}:embedContent"
            data = await self.transport.post_json(url, self._request(texts[0], args),
                                                  self._headers())
            rows: Any = [data.get("embedding")] if isinstance(data, dict) else []
        else:
            url = f"{root}:batchEmbedContents"
            body = {"requests": [self._request(t, args) for t in texts]}
            data = await self.transport.post_json(url, body, self._headers())
            rows = data.get("embeddings") if isinstance(data, dict) else []
        try:
            vectors = [[float(x) for x in row["values"]] for row in rows or []]
        except (KeyError, TypeError) as exc:
            raise TransientModelError(f"embedding model {self.model_name!r}: unexpected "
                                      f"response from {url}", model=self.model_name) from exc
        if len(vectors) != len(texts):
            raise TransientModelError(f"embedding model {self.model_name!r}: {len(vectors)} "
                                      f"vectors for {len(texts)} texts from {url}",
                                      model=self.model_name)
        return vectors, sum(len(t) // 4 for t in texts)


__all__ = ["GeminiEmbeddingModel"]
