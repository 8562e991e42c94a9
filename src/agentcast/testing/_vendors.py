"""The test server's vendor endpoints beyond chat: Gemini ``embedContent`` /
``batchEmbedContents``, DashScope text embeddings and DashScope image synthesis (an
asynchronous task: submit with ``X-DashScope-Async: enable``, then poll ``/tasks/{id}``).

Shapes follow the vendors' documented requests and responses, so that the clients tested
here would talk to the real services. Scripts: ``"embeddings"`` (vectors, as for OpenAI),
``"images"`` (PNG bytes), ``"image_tasks"`` (a dict overriding the finished task's
``output``, e.g. ``{"task_status": "FAILED", "code": ..., "message": ...}``).
"""

from __future__ import annotations

import itertools
import time
from typing import TYPE_CHECKING, Any

from agentcast.testing._dialects import Dialect
from agentcast.testing._media import PNG_1PX, _estimate

if TYPE_CHECKING:
    from agentcast.testing.openai_server import OpenAITestServer, RecordedRequest

_task_ids = itertools.count(1)
POLLS_BEFORE_DONE = 1  # a task reports RUNNING this many times before it finishes


class VendorEndpoints:
    """Mixin for the request handler (which provides _json, _send and owner)."""

    owner: OpenAITestServer

    def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        raise NotImplementedError

    def _vectors(self, req: RecordedRequest, texts: list[str]) -> list[list[float]]:
        item = self.owner._next("embeddings", req)
        return item if item is not None else [self.owner._fake_vector(t) for t in texts]

    # --- Gemini ---------------------------------------------------------------------------
    def _gemini_embeddings(self, req: RecordedRequest, dialect: Dialect) -> None:
        body = req.json if isinstance(req.json, dict) else {}
        model = req.path.rsplit("/models/", 1)[-1].split(":", 1)[0]
        if req.path.endswith(":batchEmbedContents"):
            requests = body.get("requests")
            if not isinstance(requests, list) or not requests:
                self._json(400, dialect.error(400, "* BatchEmbedContentsRequest.requests: "
                                                   "contents is not specified"))
                return
            for r in requests:
                if str(r.get("model", "")).removeprefix("models/") != model:
                    self._json(400, dialect.error(
                        400, f"Model names should be the same in the request and the path: "
                             f"{r.get('model')!r} != 'models/{model}'"))
                    return
            texts = [_gemini_text(r.get("content")) for r in requests]
            vectors = self._vectors(req, texts)
            self._json(200, {"embeddings": [{"values": v} for v in vectors]})
            return
        if not isinstance(body.get("content"), dict):
            self._json(400, dialect.error(400, "* EmbedContentRequest.content: contents is "
                                               "not specified"))
            return
        vectors = self._vectors(req, [_gemini_text(body["content"])])
        self._json(200, {"embedding": {"values": vectors[0]}})

    # --- DashScope ------------------------------------------------------------------------
    def _dashscope_embeddings(self, req: RecordedRequest, dialect: Dialect) -> None:
        body = req.json if isinstance(req.json, dict) else {}
        texts = (body.get("input") or {}).get("texts")
        if isinstance(texts, str):
            texts = [texts]
        if not isinstance(texts, list) or not texts:
            self._json(400, dialect.error(400, "input.texts is required"))
            return
        vectors = self._vectors(req, [str(t) for t in texts])
        tokens = _estimate(sum(len(str(t)) for t in texts))
        self._json(200, {"output": {"embeddings": [{"text_index": i, "embedding": v}
                                                   for i, v in enumerate(vectors)]},
                         "usage": {"total_tokens": tokens},
                         "request_id": f"req-{time.time_ns()}"})

    def _image_tasks(self, req: RecordedRequest, dialect: Dialect) -> None:
        if req.headers.get("x-dashscope-async", "").lower() != "enable":
            self._json(403, {"code": "AccessDenied", "message": "current user api does not "
                             "support synchronous calls", "request_id": f"req-{time.time_ns()}"})
            return
        body = req.json if isinstance(req.json, dict) else {}
        prompt = (body.get("input") or {}).get("prompt")
        if not prompt:
            self._json(400, dialect.error(400, "input.prompt is required"))
            return
        n = int((body.get("parameters") or {}).get("n") or 1)
        task_id = f"task-{next(_task_ids)}"
        override = self.owner._next("image_tasks", req)
        self.owner._tasks[task_id] = {"n": n, "polls": 0, "override": override, "req": req}
        self._json(200, {"output": {"task_id": task_id, "task_status": "PENDING"},
                         "request_id": f"req-{time.time_ns()}"})

    def _task_status(self, task_id: str) -> None:
        task = self.owner._tasks.get(task_id)
        if task is None:
            self._json(404, {"code": "InvalidParameter", "message": f"task {task_id} not found",
                             "request_id": f"req-{time.time_ns()}"})
            return
        task["polls"] += 1
        metrics = {"TOTAL": task["n"], "SUCCEEDED": 0, "FAILED": 0}
        if task["polls"] <= POLLS_BEFORE_DONE:
            self._json(200, {"output": {"task_id": task_id, "task_status": "RUNNING",
                                        "task_metrics": metrics},
                             "request_id": f"req-{time.time_ns()}"})
            return
        output: dict[str, Any] = {"task_id": task_id, "task_status": "SUCCEEDED"}
        if "results" not in task:
            results = []
            for i in range(task["n"]):
                item = self.owner._next("images", task["req"])
                image = item if isinstance(item, bytes) else PNG_1PX
                url = self.owner._serve_file(f"{task_id}-{i}.png", "image/png", image)
                results.append({"url": url})
            task["results"] = results
        output["results"] = task["results"]
        output["task_metrics"] = {**metrics, "SUCCEEDED": task["n"]}
        if isinstance(task["override"], dict):
            output.update(task["override"])
        self._json(200, {"output": output, "usage": {"image_count": task["n"]},
                         "request_id": f"req-{time.time_ns()}"})


def _gemini_text(content: Any) -> str:
    parts = (content or {}).get("parts") or [] if isinstance(content, dict) else []
    return "".join(str(p.get("text", "")) for p in parts if isinstance(p, dict))
