"""The test server's non-chat OpenAI endpoints: embeddings, images, audio.

Each answers from its own script (``server.script(kind, ...)``) or with a deterministic
default, so tests of embedding, image and audio models need no setup.
"""

from __future__ import annotations

import base64
import struct
import time
from typing import TYPE_CHECKING, Any

from agentcast.testing._dialects import Dialect

if TYPE_CHECKING:
    from agentcast.testing.openai_server import OpenAITestServer, RecordedRequest

# 1x1 transparent PNG: a valid image for the images endpoint.
PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def _estimate(n_chars: int) -> int:
    return max(1, n_chars // 4)


class MediaEndpoints:
    """Mixin for the request handler (which provides _json, _send and owner)."""

    owner: OpenAITestServer

    def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        raise NotImplementedError

    def _send(self, status: int, body: bytes, ctype: str = "application/json",
              headers: dict[str, str] | None = None) -> None:
        raise NotImplementedError

    def _embeddings(self, req: RecordedRequest, dialect: Dialect) -> None:
        body = req.json if isinstance(req.json, dict) else {}
        texts = body.get("input", body.get("prompt", ""))
        texts = [texts] if isinstance(texts, str) else list(texts or [])
        item = self.owner._next("embeddings", req)
        vectors = item if item is not None else [self.owner._fake_vector(str(t)) for t in texts]
        tokens = _estimate(sum(len(str(t)) for t in texts))
        model = str(body.get("model", "test-embedding"))
        if req.path.endswith("/api/embed"):
            self._json(200, {"model": model, "embeddings": vectors, "prompt_eval_count": tokens})
            return
        if req.path.endswith("/api/embeddings"):  # Ollama's older single-prompt endpoint
            self._json(200, {"embedding": vectors[0]})
            return
        b64 = body.get("encoding_format") == "base64"
        data = [{"object": "embedding", "index": i,
                 "embedding": base64.b64encode(struct.pack(f"<{len(v)}f", *v)).decode()
                 if b64 else v} for i, v in enumerate(vectors)]
        self._json(200, {"object": "list", "data": data, "model": model,
                         "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})

    def _images(self, req: RecordedRequest, dialect: Dialect) -> None:
        body = req.json if isinstance(req.json, dict) else {}
        data = []
        for i in range(int(body.get("n") or 1)):
            item = self.owner._next("images", req)
            image = item if isinstance(item, bytes) else PNG_1PX
            if body.get("response_format") == "b64_json":
                data.append({"b64_json": base64.b64encode(image).decode(),
                             "revised_prompt": body.get("prompt")})
            else:
                url = self.owner._serve_file(f"img-{time.time_ns()}-{i}.png", "image/png", image)
                data.append({"url": url, "revised_prompt": body.get("prompt")})
        self._json(200, {"created": int(time.time()), "data": data})

    def _transcriptions(self, req: RecordedRequest, dialect: Dialect) -> None:
        if "file" not in req.files:
            self._json(400, dialect.error(400, "multipart field 'file' is required"))
            return
        item = self.owner._next("transcriptions", req)
        text = item if isinstance(item, str) else "hello world"
        if req.form.get("response_format") == "text":
            self._send(200, text.encode(), "text/plain")
        else:
            self._json(200, {"text": text})

    def _speech(self, req: RecordedRequest, dialect: Dialect) -> None:
        body = req.json if isinstance(req.json, dict) else {}
        item = self.owner._next("speech", req)
        fmt = str(body.get("response_format") or "mp3")
        audio = item if isinstance(item, bytes) else b"ID3" + str(body.get("input", "")).encode()
        mime = {"mp3": "audio/mpeg", "wav": "audio/wav", "opus": "audio/opus",
                "aac": "audio/aac", "flac": "audio/flac", "pcm": "audio/pcm"}.get(fmt, "audio/mpeg")
        self._send(200, audio, mime)
