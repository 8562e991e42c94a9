"""Wire formats the test server speaks: one provider-neutral reply, rendered per API.

A scripted reply is rendered into OpenAI chat completions, Anthropic Messages, Gemini
generateContent, DashScope generation or Ollama chat, streamed or not, so that every
provider is tested over the same real HTTP transport with the same script.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

_ids = itertools.count(1)


@dataclass
class Reply:
    """A provider-neutral chat reply."""

    text: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    usage: dict[str, int] | None = None
    finish_reason: str | None = None
    raw: Any = None  # returned verbatim (non-streaming) when set


def to_reply(item: Any) -> Reply:
    """Accept a string, a dict (text, tool_calls, usage, finish_reason, raw) or a Reply."""
    if isinstance(item, Reply):
        return item
    if isinstance(item, str):
        return Reply(text=item)
    if isinstance(item, dict):
        calls = []
        for i, c in enumerate(item.get("tool_calls") or []):
            if not isinstance(c, dict):  # a ToolCall-like object
                c = {"id": c.id, "name": c.name, "arguments": c.arguments}
            calls.append({"id": c.get("id") or f"call_{next(_ids)}_{i}", "name": c["name"],
                          "arguments": c.get("arguments", {})})
        return Reply(item.get("text", "") or "", calls, item.get("usage"),
                     item.get("finish_reason"), item.get("raw"))
    text = getattr(item, "text", None)  # a ModelResponse
    if isinstance(text, str):
        calls = [{"id": c.id, "name": c.name, "arguments": c.arguments}
                 for c in getattr(item, "tool_calls", [])]
        return Reply(text, calls)
    raise TypeError(f"test server cannot reply with a {type(item).__name__}")


def pieces(text: str) -> list[str]:
    """Split text into word-sized stream deltas (whitespace stays attached)."""
    return re.findall(r"\s*\S+\s*|\s+", text) or ([text] if text else [])


def args_json(arguments: Any) -> str:
    return arguments if isinstance(arguments, str) else json.dumps(arguments)


def args_obj(arguments: Any) -> Any:
    if isinstance(arguments, str):
        try:
            return json.loads(arguments)
        except ValueError:
            return {"_raw": arguments}
    return arguments


def sse(data: Any, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    body = data if isinstance(data, str) else json.dumps(data)
    return f"{head}data: {body}\n\n".encode()


class Dialect:
    """One provider API: request shape, reply rendering, errors, auth."""

    name = "base"
    stream_content_type = "text/event-stream"

    def wants_stream(self, path: str, query: dict[str, str], headers: dict[str, str],
                     body: Any) -> bool:
        return bool(isinstance(body, dict) and body.get("stream"))

    def model_of(self, path: str, body: Any) -> str:
        return str(body.get("model", "test-model")) if isinstance(body, dict) else "test-model"

    def authorized(self, headers: dict[str, str], query: dict[str, str], key: str) -> bool:
        return (headers.get("authorization", "") == f"Bearer {key}"
                or headers.get("api-key", "") == key)  # Azure OpenAI

    def error(self, status: int, message: str) -> dict[str, Any]:
        kinds = {400: "invalid_request_error", 401: "invalid_api_key", 403: "permission_denied",
                 404: "model_not_found", 429: "rate_limit_exceeded"}
        return {"error": {"message": message, "type": kinds.get(status, "server_error"),
                          "param": None, "code": kinds.get(status, "server_error")}}

    def complete(self, reply: Reply, model: str, usage: dict[str, int], body: Any) -> Any:
        raise NotImplementedError

    def stream(self, reply: Reply, model: str, usage: dict[str, int], body: Any) -> list[bytes]:
        raise NotImplementedError

    def malformed_frame(self) -> bytes:
        return b'data: {"choices": [{"delta": {"content": "oops"\n\n'


class OpenAIDialect(Dialect):
    name = "openai"

    def complete(self, reply: Reply, model: str, usage: dict[str, int], body: Any) -> Any:
        message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
        if reply.tool_calls:
            message["tool_calls"] = [
                {"id": c["id"], "type": "function",
                 "function": {"name": c["name"], "arguments": args_json(c["arguments"])}}
                for c in reply.tool_calls
            ]
        return {
            "id": f"chatcmpl-{next(_ids)}", "object": "chat.completion",
            "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": message, "logprobs": None,
                         "finish_reason": reply.finish_reason
                         or ("tool_calls" if reply.tool_calls else "stop")}],
            "usage": {"prompt_tokens": usage["prompt_tokens"],
                      "completion_tokens": usage["completion_tokens"],
                      "total_tokens": usage["prompt_tokens"] + usage["completion_tokens"]},
        }

    def stream(self, reply: Reply, model: str, usage: dict[str, int], body: Any) -> list[bytes]:
        cid, created = f"chatcmpl-{next(_ids)}", int(time.time())

        def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
            return sse({"id": cid, "object": "chat.completion.chunk", "created": created,
                        "model": model, "choices": [{"index": 0, "delta": delta,
                                                     "logprobs": None, "finish_reason": finish}]})

        frames = [chunk({"role": "assistant", "content": ""})]
        frames += [chunk({"content": p}) for p in pieces(reply.text)]
        for i, c in enumerate(reply.tool_calls):
            args = args_json(c["arguments"])
            half = len(args) // 2
            frames.append(chunk({"tool_calls": [{"index": i, "id": c["id"], "type": "function",
                                                  "function": {"name": c["name"],
                                                               "arguments": ""}}]}))
            for part in (args[:half], args[half:]):
                frames.append(chunk({"tool_calls": [{"index": i,
                                                     "function": {"arguments": part}}]}))
        frames.append(chunk({}, reply.finish_reason
                            or ("tool_calls" if reply.tool_calls else "stop")))
        options = body.get("stream_options") if isinstance(body, dict) else None
        if isinstance(options, dict) and options.get("include_usage"):
            frames.append(sse({"id": cid, "object": "chat.completion.chunk", "created": created,
                               "model": model, "choices": [],
                               "usage": self.complete(reply, model, usage, body)["usage"]}))
        frames.append(b"data: [DONE]\n\n")
        return frames


class AnthropicDialect(Dialect):
    name = "anthropic"

    def authorized(self, headers: dict[str, str], query: dict[str, str], key: str) -> bool:
        return (headers.get("x-api-key", "") == key
                or headers.get("authorization", "") == f"Bearer {key}")

    def error(self, status: int, message: str) -> dict[str, Any]:
        kinds = {400: "invalid_request_error", 401: "authentication_error",
                 403: "permission_error", 404: "not_found_error", 429: "rate_limit_error",
                 529: "overloaded_error", 503: "overloaded_error"}
        return {"type": "error", "error": {"type": kinds.get(status, "api_error"),
                                           "message": message}}

    def _stop(self, reply: Reply) -> str:
        return reply.finish_reason or ("tool_use" if reply.tool_calls else "end_turn")

    def complete(self, reply: Reply, model: str, usage: dict[str, int], body: Any) -> Any:
        content: list[dict[str, Any]] = [{"type": "text", "text": reply.text}] if reply.text else []
        content += [{"type": "tool_use", "id": c["id"], "name": c["name"],
                     "input": args_obj(c["arguments"])} for c in reply.tool_calls]
        return {"id": f"msg_{next(_ids)}", "type": "message", "role": "assistant",
                "model": model, "content": content, "stop_reason": self._stop(reply),
                "stop_sequence": None,
                "usage": {"input_tokens": usage["prompt_tokens"],
                          "output_tokens": usage["completion_tokens"]}}

    def stream(self, reply: Reply, model: str, usage: dict[str, int], body: Any) -> list[bytes]:
        start: dict[str, Any] = {"id": f"msg_{next(_ids)}", "type": "message", "role": "assistant",
                 "model": model, "content": [], "stop_reason": None, "stop_sequence": None,
                 "usage": {"input_tokens": usage["prompt_tokens"], "output_tokens": 1}}
        frames = [sse({"type": "message_start", "message": start}, "message_start")]
        index = 0
        if reply.text:
            frames.append(sse({"type": "content_block_start", "index": 0,
                               "content_block": {"type": "text", "text": ""}},
                              "content_block_start"))
            frames.append(sse({"type": "ping"}, "ping"))
            for p in pieces(reply.text):
                frames.append(sse({"type": "content_block_delta", "index": 0,
                                   "delta": {"type": "text_delta", "text": p}},
                                  "content_block_delta"))
            frames.append(sse({"type": "content_block_stop", "index": 0}, "content_block_stop"))
            index = 1
        for c in reply.tool_calls:
            args = args_json(args_obj(c["arguments"]))
            frames.append(sse({"type": "content_block_start", "index": index,
                               "content_block": {"type": "tool_use", "id": c["id"],
                                                 "name": c["name"], "input": {}}},
                              "content_block_start"))
            half = len(args) // 2
            for part in (args[:half], args[half:]):
                frames.append(sse({"type": "content_block_delta", "index": index,
                                   "delta": {"type": "input_json_delta", "partial_json": part}},
                                  "content_block_delta"))
            frames.append(sse({"type": "content_block_stop", "index": index},
                              "content_block_stop"))
            index += 1
        frames.append(sse({"type": "message_delta",
                           "delta": {"stop_reason": self._stop(reply), "stop_sequence": None},
                           "usage": {"output_tokens": usage["completion_tokens"]}},
                          "message_delta"))
        frames.append(sse({"type": "message_stop"}, "message_stop"))
        return frames

    def malformed_frame(self) -> bytes:
        return b'event: content_block_delta\ndata: {"type": "content_block_delta", "ind\n\n'


class GeminiDialect(Dialect):
    name = "gemini"
    _status = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
               404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL",
               503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}

    def wants_stream(self, path: str, query: dict[str, str], headers: dict[str, str],
                     body: Any) -> bool:
        return path.endswith(":streamGenerateContent")

    def model_of(self, path: str, body: Any) -> str:
        m = re.search(r"/models/([^/:]+):", path)
        return m.group(1) if m else "test-model"

    def authorized(self, headers: dict[str, str], query: dict[str, str], key: str) -> bool:
        return headers.get("x-goog-api-key", query.get("key", "")) == key

    def error(self, status: int, message: str) -> dict[str, Any]:
        return {"error": {"code": status, "message": message,
                          "status": self._status.get(status, "UNKNOWN")}}

    def _usage(self, usage: dict[str, int]) -> dict[str, int]:
        return {"promptTokenCount": usage["prompt_tokens"],
                "candidatesTokenCount": usage["completion_tokens"],
                "totalTokenCount": usage["prompt_tokens"] + usage["completion_tokens"]}

    def _calls(self, reply: Reply) -> list[dict[str, Any]]:
        return [{"functionCall": {"id": c["id"], "name": c["name"],
                                  "args": args_obj(c["arguments"])}} for c in reply.tool_calls]

    def _chunk(self, parts: list[dict[str, Any]], model: str, finish: str | None = None,
               usage: dict[str, int] | None = None) -> dict[str, Any]:
        cand: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
        if finish:
            cand["finishReason"] = finish
        out: dict[str, Any] = {"candidates": [cand], "modelVersion": model}
        if usage is not None:
            out["usageMetadata"] = self._usage(usage)
        return out

    def complete(self, reply: Reply, model: str, usage: dict[str, int], body: Any) -> Any:
        parts = ([{"text": reply.text}] if reply.text else []) + self._calls(reply)
        return self._chunk(parts, model, reply.finish_reason or "STOP", usage)

    def stream(self, reply: Reply, model: str, usage: dict[str, int], body: Any) -> list[bytes]:
        texts = pieces(reply.text)
        frames = [sse(self._chunk([{"text": t}], model)) for t in texts[:-1]]
        last = ([{"text": texts[-1]}] if texts else []) + self._calls(reply)
        frames.append(sse(self._chunk(last, model, reply.finish_reason or "STOP", usage)))
        return frames

    def malformed_frame(self) -> bytes:
        return b'data: {"candidates": [{"content": {"parts": [{"tex\n\n'


class DashScopeDialect(Dialect):
    name = "dashscope"
    _codes = {400: "InvalidParameter", 401: "InvalidApiKey", 403: "AccessDenied",
              404: "ModelNotFound", 429: "Throttling.RateQuota", 500: "InternalError",
              503: "ServiceUnavailable"}

    def wants_stream(self, path: str, query: dict[str, str], headers: dict[str, str],
                     body: Any) -> bool:
        return headers.get("x-dashscope-sse", "").lower() == "enable"

    def error(self, status: int, message: str) -> dict[str, Any]:
        return {"code": self._codes.get(status, "InternalError"), "message": message,
                "request_id": f"req-{next(_ids)}"}

    def _message(self, text: str, reply: Reply, multimodal: bool,
                 calls: bool) -> dict[str, Any]:
        msg: dict[str, Any] = {"role": "assistant",
                               "content": [{"text": text}] if multimodal else text}
        if calls and reply.tool_calls:
            msg["tool_calls"] = [{"id": c["id"], "type": "function",
                                  "function": {"name": c["name"],
                                               "arguments": args_json(c["arguments"])}}
                                 for c in reply.tool_calls]
        return msg

    def _out(self, msg: dict[str, Any], finish: str, usage: dict[str, int]) -> dict[str, Any]:
        return {"output": {"choices": [{"finish_reason": finish, "message": msg}]},
                "usage": {"input_tokens": usage["prompt_tokens"],
                          "output_tokens": usage["completion_tokens"],
                          "total_tokens": usage["prompt_tokens"] + usage["completion_tokens"]},
                "request_id": f"req-{next(_ids)}"}

    def _finish(self, reply: Reply) -> str:
        return reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop")

    def complete(self, reply: Reply, model: str, usage: dict[str, int], body: Any) -> Any:
        mm = "multimodal" in str(body.get("_path", "")) if isinstance(body, dict) else False
        return self._out(self._message(reply.text, reply, mm, True), self._finish(reply), usage)

    def stream(self, reply: Reply, model: str, usage: dict[str, int], body: Any) -> list[bytes]:
        params = body.get("parameters", {}) if isinstance(body, dict) else {}
        incremental = bool(params.get("incremental_output"))
        mm = "multimodal" in str(body.get("_path", "")) if isinstance(body, dict) else False
        frames, sofar = [], ""
        parts = pieces(reply.text) or [""]
        for n, p in enumerate(parts, 1):
            sofar += p
            last = n == len(parts)
            msg = self._message(p if incremental else sofar, reply, mm, last)
            data = json.dumps(self._out(msg, self._finish(reply) if last else "null", usage))
            frames.append(f"id:{n}\nevent:result\n:HTTP_STATUS/200\ndata:{data}\n\n".encode())
        return frames

    def malformed_frame(self) -> bytes:
        return b'id:1\nevent:result\n:HTTP_STATUS/200\ndata:{"output": {"choi\n\n'


class OllamaDialect(Dialect):
    name = "ollama"
    stream_content_type = "application/x-ndjson"

    def wants_stream(self, path: str, query: dict[str, str], headers: dict[str, str],
                     body: Any) -> bool:
        return not (isinstance(body, dict) and body.get("stream") is False)

    def authorized(self, headers: dict[str, str], query: dict[str, str], key: str) -> bool:
        return True  # Ollama has no API keys

    def error(self, status: int, message: str) -> dict[str, Any]:
        return {"error": message}

    def _line(self, model: str, msg: dict[str, Any], done: bool, reply: Reply,
              usage: dict[str, int]) -> dict[str, Any]:
        out: dict[str, Any] = {"model": model, "created_at": "2024-01-01T00:00:00Z",
                               "message": msg, "done": done}
        if done:
            out.update(done_reason=reply.finish_reason or "stop", total_duration=1000,
                       prompt_eval_count=usage["prompt_tokens"],
                       eval_count=usage["completion_tokens"])
        return out

    def _calls(self, reply: Reply) -> list[dict[str, Any]]:
        return [{"function": {"name": c["name"], "arguments": args_obj(c["arguments"])}}
                for c in reply.tool_calls]

    def complete(self, reply: Reply, model: str, usage: dict[str, int], body: Any) -> Any:
        msg: dict[str, Any] = {"role": "assistant", "content": reply.text}
        if reply.tool_calls:
            msg["tool_calls"] = self._calls(reply)
        return self._line(model, msg, True, reply, usage)

    def stream(self, reply: Reply, model: str, usage: dict[str, int], body: Any) -> list[bytes]:
        lines = [self._line(model, {"role": "assistant", "content": p}, False, reply, usage)
                 for p in pieces(reply.text)]
        if reply.tool_calls:
            lines.append(self._line(model, {"role": "assistant", "content": "",
                                            "tool_calls": self._calls(reply)}, False, reply,
                                    usage))
        lines.append(self._line(model, {"role": "assistant", "content": ""}, True, reply, usage))
        return [(json.dumps(line) + "\n").encode() for line in lines]

    def malformed_frame(self) -> bytes:
        return b'{"model": "x", "message": {"role": "assis\n'


class OllamaGenerateDialect(OllamaDialect):
    """Ollama's ``/api/generate``: the text is in ``response``, no ``message``."""

    name = "ollama_generate"

    def _gen_line(self, model: str, text: str, done: bool, reply: Reply,
                  usage: dict[str, int]) -> dict[str, Any]:
        out: dict[str, Any] = {"model": model, "created_at": "2024-01-01T00:00:00Z",
                               "response": text, "done": done}
        if done:
            out.update(done_reason=reply.finish_reason or "stop", context=[1, 2, 3],
                       total_duration=1000, load_duration=10, prompt_eval_count=usage[
                           "prompt_tokens"], prompt_eval_duration=100,
                       eval_count=usage["completion_tokens"], eval_duration=500)
        return out

    def complete(self, reply: Reply, model: str, usage: dict[str, int], body: Any) -> Any:
        return self._gen_line(model, reply.text, True, reply, usage)

    def stream(self, reply: Reply, model: str, usage: dict[str, int], body: Any) -> list[bytes]:
        lines = [self._gen_line(model, p, False, reply, usage) for p in pieces(reply.text)]
        lines.append(self._gen_line(model, "", True, reply, usage))
        return [(json.dumps(line) + "\n").encode() for line in lines]

    def malformed_frame(self) -> bytes:
        return b'{"model": "x", "response": "he\n'


DIALECTS: dict[str, Dialect] = {d.name: d for d in (
    OpenAIDialect(), AnthropicDialect(), GeminiDialect(), DashScopeDialect(), OllamaDialect(),
    OllamaGenerateDialect())}


def chat_dialect(path: str) -> Dialect | None:
    """Which chat API a request path belongs to (None: not a chat path)."""
    if path.endswith("/chat/completions"):
        return DIALECTS["openai"]
    if path.endswith("/v1/messages"):
        return DIALECTS["anthropic"]
    if ":generateContent" in path or ":streamGenerateContent" in path:
        return DIALECTS["gemini"]
    if path.endswith("/generation") and "/services/aigc/" in path:
        return DIALECTS["dashscope"]
    if path.endswith("/api/chat"):
        return DIALECTS["ollama"]
    if path.endswith("/api/generate"):
        return DIALECTS["ollama_generate"]
    return None


def endpoint_dialect(path: str) -> Dialect:
    """The API whose auth and error shape a request path uses (chat or not)."""
    chat = chat_dialect(path)
    if chat is not None:
        return chat
    if path.endswith((":embedContent", ":batchEmbedContents")):
        return DIALECTS["gemini"]
    if "/services/" in path or "/tasks/" in path:
        return DIALECTS["dashscope"]
    if path.startswith("/api/"):
        return DIALECTS["ollama"]
    return DIALECTS["openai"]
