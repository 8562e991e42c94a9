"""DashScope's non-chat APIs that AgentScope had model types for: text embeddings
(``dashscope_text_embedding``), image synthesis (``dashscope_image_synthesis``, an
asynchronous task that is polled), and the multimodal chat endpoint
(``dashscope_multimodal``, for qwen-vl / qwen-audio models).

Over httpx like ``dashscope_chat`` (the ``dashscope`` extra), with the same key variable
(DASHSCOPE_API_KEY) and base URL (``https://dashscope.aliyuncs.com/api/v1``).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from agentcast.exceptions import ConfigError, TransientModelError, UnresolvableModelError
from agentcast.models._http import check_type, map_status, run_sync
from agentcast.models._provider import with_retries
from agentcast.models.dashscope_chat import DashScopeChatModel
from agentcast.models.embeddings import HTTPEmbeddingModel
from agentcast.models.media import OpenAIImageModel

DEFAULT_TASK_TIMEOUT = 300.0  # seconds an image task may take before we stop polling
POLL_INTERVAL = 1.0


class DashScopeMultiModalModel(DashScopeChatModel):
    """``dashscope_multimodal``: every request goes to ``multimodal-generation`` (content as
    parts), whatever the model name, as AgentScope's wrapper of that name did."""

    model_type = "dashscope_multimodal"
    always_multimodal: ClassVar[bool] = True


class DashScopeTextEmbeddingModel(HTTPEmbeddingModel):
    """``POST {base}/services/embeddings/text-embedding/text-embedding``; at most 10 texts
    per request (text-embedding-v3's limit; v1/v2 take 25). ``text_type`` ("query" or
    "document") and ``dimension`` go in ``generate_args``."""

    model_type = "dashscope_text_embedding"
    provider = "dashscope"
    extra = "dashscope"
    api_key_env: tuple[str, ...] = ("DASHSCOPE_API_KEY",)
    base_url_env: tuple[str, ...] = ("DASHSCOPE_BASE_URL",)
    default_base_url = "https://dashscope.aliyuncs.com/api/v1"
    batch_size = 10

    async def _embed_batch(self, texts: list[str]) -> tuple[list[list[float]], int]:
        url = f"{self.base_url}/services/embeddings/text-embedding/text-embedding"
        body: dict[str, Any] = {"model": self.model_name, "input": {"texts": texts}}
        if self.generate_args:
            body["parameters"] = dict(self.generate_args)
        data = await self.transport.post_json(url, body, self._headers())
        if isinstance(data, dict) and data.get("code") and not data.get("output"):
            raise _error(data, url, self.model_name)
        try:
            rows = sorted(data["output"]["embeddings"], key=lambda r: r.get("text_index", 0))
            vectors = [[float(x) for x in r["embedding"]] for r in rows]
        except (KeyError, TypeError) as exc:
            raise TransientModelError(f"embedding model {self.model_name!r}: unexpected "
                                      f"response from {url}", model=self.model_name) from exc
        return vectors, int((data.get("usage") or {}).get("total_tokens") or 0)


class DashScopeImageSynthesisModel(OpenAIImageModel):
    """``dashscope_image_synthesis`` (wanx models): submit a text-to-image task, poll
    ``/tasks/{id}`` until it succeeds, return the image URLs (or local files with
    ``save_local=True``). ``size`` (e.g. "1024*1024"), ``n``, ``negative_prompt`` and the
    other parameters go in ``generate_args`` or per call. Polling stops after
    ``task_timeout`` seconds with a TransientModelError naming the task."""

    model_type = "dashscope_image_synthesis"
    provider = "dashscope"
    extra = "dashscope"
    api_key_env: tuple[str, ...] = ("DASHSCOPE_API_KEY",)
    base_url_env: tuple[str, ...] = ("DASHSCOPE_BASE_URL",)
    default_base_url = "https://dashscope.aliyuncs.com/api/v1"

    def __init__(self, config_name: str = "", model_name: str = "", *,
                 task_timeout: float = DEFAULT_TASK_TIMEOUT,
                 poll_interval: float = POLL_INTERVAL, **kwargs: Any) -> None:
        super().__init__(config_name, model_name, **kwargs)
        check_type(self._where, "task_timeout", task_timeout, (int, float), "seconds")
        check_type(self._where, "poll_interval", poll_interval, (int, float), "seconds")
        if task_timeout <= 0 or poll_interval <= 0:
            raise ConfigError(f"{self._where}: task_timeout and poll_interval must be > 0",
                              field="task_timeout" if task_timeout <= 0 else "poll_interval")
        self.task_timeout = float(task_timeout)
        self.poll_interval = float(poll_interval)

    async def generate(self, prompt: str, *, save_local: bool = False,
                       **kwargs: Any) -> list[str]:
        args = {**self.generate_args, **kwargs}
        inputs: dict[str, Any] = {"prompt": prompt}
        for key in ("negative_prompt", "ref_img"):
            if key in args:
                inputs[key] = args.pop(key)
        body = {"model": self.model_name, "input": inputs, "parameters": args}
        url = f"{self.base_url}/services/aigc/text2image/image-synthesis"
        headers = {**self._headers(), "X-DashScope-Async": "enable"}
        data = await with_retries(self.retry_policy, lambda: self.transport.post_json(
            url, body, headers))
        task_id = ((data or {}).get("output") or {}).get("task_id")
        if not task_id:
            raise _error(data if isinstance(data, dict) else {}, url, self.model_name)
        urls = await self._wait(str(task_id))
        if save_local:
            urls = [await self._download(u) for u in urls]
        return urls

    def generate_sync(self, prompt: str, **kwargs: Any) -> list[str]:
        return run_sync(self.generate(prompt, **kwargs))

    async def _wait(self, task_id: str) -> list[str]:
        url = f"{self.base_url}/tasks/{task_id}"
        deadline = time.monotonic() + self.task_timeout
        while True:
            response = await with_retries(self.retry_policy, lambda: self.transport.request(
                "GET", url, headers=self._headers()))
            data = self.transport.parse(response.text, url)
            output = (data or {}).get("output") or {}
            status = str(output.get("task_status") or "")
            if status == "SUCCEEDED":
                urls = [str(r["url"]) for r in output.get("results") or [] if r.get("url")]
                if not urls:
                    raise TransientModelError(f"image task {task_id} of {self.model_name!r} "
                                              "succeeded without an image", model=self.model_name)
                return urls
            if status in ("FAILED", "CANCELED", "UNKNOWN"):
                raise UnresolvableModelError(
                    f"image task {task_id} of {self.model_name!r} ended {status}: "
                    f"{output.get('code', '')} {output.get('message', '')}".strip(),
                    model=self.model_name)
            if time.monotonic() >= deadline:
                raise TransientModelError(
                    f"image task {task_id} of {self.model_name!r} still {status or 'unknown'} "
                    f"after {self.task_timeout:g} s (task_timeout)", model=self.model_name)
            await asyncio.sleep(self.poll_interval)

    async def _download(self, url: str) -> str:
        response = await with_retries(self.retry_policy, lambda: self.transport.request(
            "GET", url))
        suffix = Path(url.split("?", 1)[0]).suffix or ".png"
        path = self._out_path(suffix)
        Path(path).write_bytes(response.content)
        return path

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}


def _error(data: Mapping[str, Any], url: str, model: str) -> Exception:
    """A DashScope error body ({"code", "message"}) as the matching model error."""
    code = str(data.get("code", ""))
    status = {"InvalidApiKey": 401, "AccessDenied": 403, "ModelNotFound": 404,
              "Throttling": 429, "InvalidParameter": 400}.get(code.split(".")[0], 500)
    return map_status(status, json.dumps(dict(data)), {}, provider="dashscope", model=model,
                      url=url)


__all__ = ["DashScopeImageSynthesisModel", "DashScopeMultiModalModel",
           "DashScopeTextEmbeddingModel"]
