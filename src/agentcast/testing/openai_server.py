"""A real HTTP server on 127.0.0.1 that speaks the OpenAI API (and its neighbours).

Tests of model providers should cross a real socket: the wire format, streaming, error
bodies and dropped connections are where providers break. The server answers from a script
(a FIFO of replies, or functions of the request) and injects faults on demand or at random
with a seeded probability. It speaks, on one port:

- OpenAI: ``/v1/chat/completions`` (plain and SSE, tool calls, usage), ``/v1/embeddings``,
  ``/v1/images/generations`` (b64_json or a URL served here), ``/v1/audio/transcriptions``
  (multipart), ``/v1/audio/speech`` (bytes);
- Anthropic ``/v1/messages``, Gemini ``/v1beta/models/{m}:generateContent`` and
  ``:streamGenerateContent``, ``:embedContent``, ``:batchEmbedContents``, DashScope
  ``/api/v1/services/aigc/*/generation``, text embeddings and image synthesis (an async task
  polled at ``/api/v1/tasks/{id}``), Ollama ``/api/chat``, ``/api/generate``, ``/api/embed``;
- ZhipuAI (``/api/paas/v4/chat/completions``, ``/embeddings``) and Yi are OpenAI's shape.

Chat requests honour an idempotency key (``Idempotency-Key`` by default), as an idempotent
API does: the first request with a key generates and bills the completion; a repeated key
gets that completion again (in the form it now asks for: streamed or not), nothing generated
or billed, and waits for it when the first is still being generated. ``billed`` counts the
completions generated; ``RecordedRequest.replayed`` marks the answers that came from a key.

Example::

    with OpenAITestServer() as server:
        server.add("Hello!", {"tool_calls": [{"name": "add", "arguments": {"a": 1}}]})
        server.fail_next("429", retry_after=0.1)
        model = OpenAIChatModel(model_name="gpt-4o", base_url=server.base_url, api_key="k")
"""

from __future__ import annotations

import hashlib
import json
import random
import socket
import struct
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from agentcast.testing._dialects import Dialect, Reply, chat_dialect, endpoint_dialect, to_reply
from agentcast.testing._media import PNG_1PX, MediaEndpoints, _estimate
from agentcast.testing._vendors import VendorEndpoints

FAULT_KINDS = ("429", "500", "502", "503", "529", "400", "401", "403", "404", "reset",
               "timeout", "truncate", "malformed", "echo", "cutoff", "huge_body", "huge_line",
               "lost")
TRANSIENT_FAULTS = ("429", "500", "503", "reset", "truncate", "malformed")


@dataclass
class Fault:
    """One injected failure. ``kind`` is an HTTP status ("429", "503", ...) or "reset",
    "timeout" (sleep ``delay`` s before closing), "truncate" (cut the body or stream
    half-way), "malformed" (a 200 whose JSON does not parse), "echo" (a 400 whose error
    message repeats the request line, headers and body, as some servers do: for testing
    that credentials are masked), "cutoff" (a stream that stops
    half-way with no finish reason but ends cleanly with ``[DONE]``, as llama-cpp-python ends
    an older stream when a new request arrives), "huge_body" (a 200 JSON answer of ``size``
    bytes, chunked, no Content-Length) or "huge_line" (a stream whose one line has ``size``
    bytes and no newline). The huge ones are written piece by piece: the server never holds
    them. "lost" (chat): the completion is generated and billed (and kept under the request's
    idempotency key), then the connection drops before any of it is sent: an answer lost on
    the way back."""

    kind: str
    retry_after: float | None = None
    delay: float | None = None
    message: str | None = None
    size: int = 150 * 1024 * 1024

    def __post_init__(self) -> None:
        self.kind = str(self.kind)
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {', '.join(FAULT_KINDS)}")


@dataclass
class RecordedRequest:
    """What the server received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    fault: str | None = None
    replayed: bool = False  # answered with the completion of an earlier request's key


Scripted = Any  # a reply item, a Fault, or a callable(RecordedRequest) -> either
_KINDS = ("chat", "embeddings", "images", "transcriptions", "speech", "image_tasks")


class _Keyed:
    """The completion generated under one idempotency key (None while being generated)."""

    __slots__ = ("done", "value")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: tuple[Reply, dict[str, Any]] | None = None


class OpenAITestServer:
    """Scripted OpenAI-compatible (and Anthropic/Gemini/DashScope/Ollama) HTTP server.

    ``api_key``: when set, requests must carry it (else 401 in the API's own error format).
    ``default``: the chat reply when the script is empty (else a 400 naming the problem).
    ``timeout_delay``: how long a "timeout" fault stalls (longer than your client timeout).
    ``response_formats``: the ``response_format`` types the chat endpoint accepts (default:
    all); others get HTTP 500 naming ``response_format``, as llama-cpp-python's server answers
    a ``json_schema`` request.
    ``idempotency_header``: the header whose key makes a chat request idempotent (None: keys
    are ignored, as by the vendors' own APIs).
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        default: Scripted | None = None,
        timeout_delay: float = 5.0,
        embedding_dim: int = 8,
        host: str = "127.0.0.1",
        port: int = 0,
        response_formats: Iterable[str] | None = None,
        idempotency_header: str | None = "Idempotency-Key",
    ) -> None:
        self.api_key = api_key
        self.idempotency_header = idempotency_header.lower() if idempotency_header else None
        self.billed = 0  # chat completions generated (a replayed key's answer is not one)
        self._keyed: dict[str, _Keyed] = {}
        self.response_formats = None if response_formats is None else tuple(response_formats)
        self.default = default
        self.timeout_delay = timeout_delay
        self.embedding_dim = embedding_dim
        self.requests: list[RecordedRequest] = []
        self._scripts: dict[str, deque[Scripted]] = {k: deque() for k in _KINDS}
        self._faults: deque[Fault] = deque()
        self._random: tuple[float, tuple[str, ...], random.Random, float] | None = None
        self._files: dict[str, tuple[str, bytes]] = {}
        self._tasks: dict[str, dict[str, Any]] = {}  # DashScope asynchronous tasks
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._host, self._port = host, port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ----------------------------------------------------------------------
    def start(self) -> OpenAITestServer:
        if self._httpd is not None:
            return self
        server = self

        class Handler(_Handler):
            owner = server

        self._stopping.clear()
        self._httpd = _QuietServer((self._host, self._port), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name="OpenAITestServer", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd = None

    def __enter__(self) -> OpenAITestServer:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("OpenAITestServer is not started")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """Root URL (Anthropic, Gemini, DashScope, Ollama clients take this)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """OpenAI-style base URL, ending in /v1."""
        return self.url + "/v1"

    # --- scripting ----------------------------------------------------------------------
    def add(self, *replies: Scripted) -> OpenAITestServer:
        """Queue chat replies: str, dict(text, tool_calls, usage, finish_reason, raw), a
        Fault, or a callable(request) returning one of those."""
        return self.script("chat", *replies)

    def script(self, kind: str, *items: Scripted) -> OpenAITestServer:
        """Queue replies for ``kind``: chat, embeddings (list of vectors), images (bytes),
        transcriptions (str), speech (bytes)."""
        if kind not in self._scripts:
            raise ValueError(f"unknown script kind {kind!r}; known: {', '.join(_KINDS)}")
        with self._lock:
            self._scripts[kind].extend(items)
        return self

    def fail_next(self, kind: str = "500", n: int = 1, *, retry_after: float | None = None,
                  delay: float | None = None, message: str | None = None,
                  size: int | None = None) -> OpenAITestServer:
        """Fail the next ``n`` API requests (any endpoint) with this fault."""
        with self._lock:
            self._faults.extend(
                Fault(kind, retry_after, delay, message,
                      *(() if size is None else (size,))) for _ in range(n))
        return self

    def inject_faults(self, probability: float, kinds: Iterable[str] = TRANSIENT_FAULTS, *,
                      seed: int = 0, retry_after: float = 0.0) -> OpenAITestServer:
        """Fail each API request with ``probability`` (seeded), with a kind drawn from
        ``kinds``; ``probability=0`` turns it off."""
        kinds = tuple(str(k) for k in kinds)
        for k in kinds:
            Fault(k)
        with self._lock:
            self._random = ((probability, kinds, random.Random(seed), retry_after)
                            if probability > 0 else None)
        return self

    def pending(self, kind: str = "chat") -> int:
        """Scripted replies not yet used."""
        return len(self._scripts[kind])

    def clear(self) -> None:
        with self._lock:
            for q in self._scripts.values():
                q.clear()
            self._faults.clear()
            self._tasks.clear()
            self._random = None
            self.requests.clear()
            self._keyed.clear()
            self.billed = 0

    # --- internals used by the handler --------------------------------------------------
    def _pick_fault(self) -> Fault | None:
        with self._lock:
            if self._faults:
                return self._faults.popleft()
            if self._random is not None:
                p, kinds, rng, after = self._random
                if rng.random() < p:
                    kind = rng.choice(kinds)
                    return Fault(kind, retry_after=after if kind == "429" else None)
        return None

    def _next(self, kind: str, request: RecordedRequest, *, peek: bool = False) -> Any:
        """The next scripted item (resolved if callable); faults in the FIFO come back as
        Fault. ``peek`` leaves it queued (a truncated answer must not use up a reply)."""
        with self._lock:
            queue = self._scripts[kind]
            if queue:
                item = queue[0] if peek else queue.popleft()
            elif kind == "chat":
                item = self.default
            else:
                item = None
        if callable(item) and not isinstance(item, Fault):
            item = item(request)
        return item

    def _claim(self, key: str) -> tuple[Reply, dict[str, Any]] | None:
        """None: this request generates the completion of ``key`` (then :meth:`_settle`);
        else the completion an earlier request with ``key`` generated (waited for while it
        is being generated)."""
        while True:
            with self._lock:
                entry = self._keyed.get(key)
                if entry is None:
                    self._keyed[key] = _Keyed()
                    return None
                if entry.value is not None:
                    return entry.value
            entry.done.wait(1.0)
            if self._stopping.is_set():
                raise RuntimeError("the server is stopping")

    def _settle(self, key: str | None, value: tuple[Reply, dict[str, Any]] | None) -> None:
        """A completion was generated (billed, and kept under ``key``), or, with ``value``
        None, it was not (the key is free again)."""
        with self._lock:
            if value is not None:
                self.billed += 1
            if key is None:
                return
            entry = self._keyed.pop(key) if value is None else self._keyed[key]
            entry.value = value
        entry.done.set()

    def _serve_file(self, name: str, mime: str, data: bytes) -> str:
        self._files[name] = (mime, data)
        return f"{self.url}/files/{name}"

    def _fake_vector(self, text: str) -> list[float]:
        digest = hashlib.sha256(text.encode()).digest()
        return [round((b - 128) / 128, 4) for b in digest[: self.embedding_dim]]


class _QuietServer(ThreadingHTTPServer):
    """Clients hanging up (timeouts, retries) are part of the tests, not server errors."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, OSError)):
            super().handle_error(request, client_address)


class _Handler(MediaEndpoints, VendorEndpoints, BaseHTTPRequestHandler):
    owner: OpenAITestServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # --- plumbing -----------------------------------------------------------------------
    def _send(self, status: int, body: bytes, ctype: str = "application/json",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(data).encode(), headers=headers)

    def _reset(self) -> None:
        """Drop the connection with a TCP RST and no response."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def _stream(self, frames: list[bytes], ctype: str, cut: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if cut:  # half the frames, then drop the connection mid-stream
            frames = frames[: max(1, len(frames) // 2)]
        for frame in frames:
            self.wfile.write(f"{len(frame):x}\r\n".encode() + frame + b"\r\n")
            self.wfile.flush()
        if cut:
            self._reset()
            return
        self.wfile.write(b"0\r\n\r\n")

    def _read(self) -> RecordedRequest:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        req = RecordedRequest(self.command, parts.path, dict(parse_qsl(parts.query)), headers,
                              body)
        ctype = headers.get("content-type", "")
        if ctype.startswith("multipart/form-data"):
            msg = BytesParser(policy=HTTP).parsebytes(
                b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True)
                payload = payload if isinstance(payload, bytes) else b""
                if part.get_filename():
                    req.files[str(name)] = (part.get_filename() or "", payload)
                else:
                    req.form[str(name)] = payload.decode()
        elif body:
            try:
                req.json = json.loads(body)
            except ValueError:
                req.json = None
        with self.owner._lock:
            self.owner.requests.append(req)
        return req

    # --- verbs --------------------------------------------------------------------------
    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path.startswith("/files/") and path[7:] in self.owner._files:
            mime, data = self.owner._files[path[7:]]
            self._send(200, data, mime)
        elif "/tasks/" in path:  # DashScope's asynchronous task status
            owner = self.owner
            if owner.api_key is not None and not endpoint_dialect(path).authorized(
                    {k.lower(): v for k, v in self.headers.items()}, {}, owner.api_key):
                self._json(401, endpoint_dialect(path).error(401, "Invalid API-key provided."))
                return
            self._task_status(path.rsplit("/tasks/", 1)[1])
        elif path.endswith("/models"):
            self._json(200, {"object": "list", "data": [{"id": "test-model",
                                                          "object": "model"}]})
        else:
            self._json(404, {"error": {"message": f"no such path {path}"}})

    def do_POST(self) -> None:
        owner = self.owner
        req = self._read()
        dialect = endpoint_dialect(req.path)
        if isinstance(req.json, dict) and dialect.name == "dashscope" and chat_dialect(req.path):
            req.json["_path"] = req.path
        if owner.api_key is not None and not dialect.authorized(req.headers, req.query,
                                                                 owner.api_key):
            req.fault = "401"
            self._json(401, dialect.error(401, "Incorrect API key provided."))
            return
        fault = owner._pick_fault()
        kind = self._kind(req.path)
        if kind is None:
            self._json(404, dialect.error(404, f"no such endpoint {req.path}"))
            return
        if fault is None and kind == "chat":
            with owner._lock:
                queue = owner._scripts["chat"]
                if queue and isinstance(queue[0], Fault):
                    fault = queue.popleft()
        if fault is not None:
            req.fault = fault.kind
            self._fault(fault, dialect, req, kind)
            return
        refused = self._refused_format(req) if kind == "chat" else None
        if refused is not None:
            req.fault = "response_format"
            self._json(500, dialect.error(500, refused))
            return
        try:
            getattr(self, f"_{kind}")(req, dialect)
        except Exception as exc:
            self._json(400, dialect.error(400, f"OpenAITestServer: {type(exc).__name__}: {exc}"))

    def _refused_format(self, req: RecordedRequest) -> str | None:
        allowed = self.owner.response_formats
        fmt = req.json.get("response_format") if isinstance(req.json, dict) else None
        if allowed is None or not isinstance(fmt, dict) or fmt.get("type") in allowed:
            return None
        return (f"1 validation error for CreateChatCompletionRequest\nresponse_format.type\n"
                f"  Input should be {' or '.join(map(repr, allowed))} [type=literal_error, "
                f"input_value={fmt.get('type')!r}]")

    @staticmethod
    def _kind(path: str) -> str | None:
        if chat_dialect(path) is not None:
            return "chat"
        for suffix, kind in (("/text-embedding/text-embedding", "dashscope_embeddings"),
                             (":embedContent", "gemini_embeddings"),
                             (":batchEmbedContents", "gemini_embeddings"),
                             ("/text2image/image-synthesis", "image_tasks"),
                             ("/embeddings", "embeddings"), ("/api/embed", "embeddings"),
                             ("/images/generations", "images"),
                             ("/audio/transcriptions", "transcriptions"),
                             ("/audio/speech", "speech")):
            if path.endswith(suffix):
                return kind
        return None

    def _fault(self, fault: Fault, dialect: Dialect, req: RecordedRequest, kind: str) -> None:
        owner = self.owner
        if fault.kind == "reset":
            self._reset()
        elif fault.kind == "timeout":
            owner._stopping.wait(fault.delay if fault.delay is not None else owner.timeout_delay)
            self._reset()
        elif fault.kind == "malformed":
            stream = kind == "chat" and dialect.wants_stream(req.path, req.query, req.headers,
                                                             req.json)
            if stream:
                self._stream([dialect.malformed_frame()], dialect.stream_content_type, False)
            else:
                self._send(200, b'{"id": "x", "choices": [{"message": {"content": "he')
        elif fault.kind == "echo":
            echoed = json.dumps({"path": self.path, "headers": dict(req.headers),
                                 "body": req.body.decode("utf-8", "replace")})
            self._json(400, dialect.error(400, f"Invalid request. You sent: {echoed}"))
        elif fault.kind in ("huge_body", "huge_line"):
            self._huge(fault)
        elif fault.kind == "lost":
            if kind == "chat":
                self._chat(req, dialect, lost=True)
            else:
                self._reset()
        elif fault.kind == "cutoff" and kind == "chat":
            self._chat(req, dialect, cut=True, clean=True)
        elif fault.kind in ("truncate", "cutoff"):
            if kind == "chat":
                self._chat(req, dialect, cut=True)
            else:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "400")
                self.end_headers()
                self.wfile.write(b'{"data": [')
                self._reset()
        else:
            status = int(fault.kind)
            headers = {}
            if fault.retry_after is not None:
                headers["Retry-After"] = f"{fault.retry_after:g}"
            message = fault.message or {
                400: "Invalid request.", 401: "Incorrect API key provided.",
                403: "You do not have access to this model.",
                404: "The model does not exist.", 429: "Rate limit reached.",
            }.get(status, "The server had an error while processing your request.")
            self._json(status, dialect.error(status, message), headers)

    def _huge(self, fault: Fault) -> None:
        """Write ``fault.size`` bytes of one JSON string value (a body, or one SSE line)."""
        line = fault.kind == "huge_line"
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream" if line else "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        head = b'data: {"choices": [{"delta": {"content": "' if line else \
            b'{"choices": [{"message": {"content": "'
        piece = b"a" * (1 << 20)
        try:
            for frame in [head, *([piece] * (fault.size // len(piece))), b'"}}]}']:
                self.wfile.write(f"{len(frame):x}\r\n".encode() + frame + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            self.close_connection = True  # the client stopped reading: as it should

    # --- endpoints ----------------------------------------------------------------------
    def _chat(self, req: RecordedRequest, dialect: Dialect, cut: bool = False,
              clean: bool = False, lost: bool = False) -> None:
        """A completion: generated and billed, or (cut) half of one, neither billed nor
        kept; with an idempotency key, generated once per key and answered from then on."""
        owner = self.owner
        header = owner.idempotency_header
        key = req.headers.get(header) if header and not cut else None
        if key is not None:
            stored = owner._claim(key)
            if stored is not None:
                req.replayed = True
                if lost:
                    self._reset()
                else:
                    self._answer(req, dialect, *stored)
                return
        try:
            item = owner._next("chat", req, peek=cut)
            reply: Reply | None = None if item is None else to_reply(item)
        except BaseException:
            owner._settle(key, None)
            raise
        if reply is None:
            owner._settle(key, None)
            self._json(400, dialect.error(
                400, f"OpenAITestServer: no scripted reply left for POST {req.path}"))
            return
        usage = {"prompt_tokens": _estimate(len(req.body)),
                 "completion_tokens": _estimate(len(reply.text) + len(str(reply.tool_calls)))}
        usage.update(reply.usage or {})
        if not cut:  # generated: billed, and kept under its key, whether it arrives or not
            owner._settle(key, (reply, usage))
        if lost:
            self._reset()
            return
        self._answer(req, dialect, reply, usage, cut, clean)

    def _answer(self, req: RecordedRequest, dialect: Dialect, reply: Reply,
                usage: dict[str, Any], cut: bool = False, clean: bool = False) -> None:
        model = dialect.model_of(req.path, req.json)
        if dialect.wants_stream(req.path, req.query, req.headers, req.json):
            frames = dialect.stream(reply, model, usage, req.json)
            if clean:  # the first half, no finish reason, then a clean end
                self._stream([*frames[:max(1, (len(frames) - 2) // 2)], b"data: [DONE]\n\n"],
                             dialect.stream_content_type, False)
                return
            self._stream(frames, dialect.stream_content_type, cut)
        elif cut:
            body = json.dumps(dialect.complete(reply, model, usage, req.json)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self._reset()
        elif reply.raw is not None:
            self._json(200, reply.raw)
        else:
            self._json(200, dialect.complete(reply, model, usage, req.json))


__all__ = ["FAULT_KINDS", "PNG_1PX", "TRANSIENT_FAULTS", "Fault", "OpenAITestServer",
           "RecordedRequest"]
