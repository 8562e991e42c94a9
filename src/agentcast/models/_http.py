"""The HTTP plumbing every provider shares: one client per event loop, one error mapping.

Providers talk to their APIs with httpx directly (not the vendors' SDKs) so that there is a
single transport, a single place that maps failures onto the error tree, and no hidden SDK
retry loop competing with the retry policy in ``ChatModelBase.__call__``:

- 429 (not quota), 408/409/425, 5xx, 529, timeouts, resets, truncated or malformed bodies
  -> ``TransientModelError`` (with ``retry_after`` from the Retry-After header);
- 401/403 (what to fix), 404 (unknown model or wrong URL), 400/422, quota -> never retried.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import os
import threading
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Mapping
from typing import Any, TypeVar

from agentcast import secrets
from agentcast.exceptions import (
    ConfigError,
    MissingExtraError,
    ModelError,
    ResponseTooLargeError,
    TransientModelError,
    UnresolvableModelError,
    UnsupportedRequestError,
)
from agentcast.faults import TRANSIENT_STATUS  # the one table of retryable statuses
from agentcast.models import idempotency

T = TypeVar("T")
# Exhausted money, not a rate limit. (Gemini says "exceeded your current quota" for per-minute
# limits too, so that phrase counts only for OpenAI and Azure.)
_QUOTA_WORDS = ("insufficient_quota", "arrearage", "credit balance is too low")
_OPENAI_QUOTA = "exceeded your current quota"
CLIENT_ARG_KEYS = frozenset({"base_url", "timeout", "headers", "default_headers", "organization",
                             "project", "api_version", "azure_endpoint", "azure_deployment",
                             "verify", "proxy", "max_retries", "host", "max_response_bytes",
                             "max_line_bytes"})
# Caps on what a server may send, so that a runaway or hostile one cannot fill memory: a
# whole body (JSON answers, images, audio) and one line of a stream (SSE / NDJSON). Reading
# stops at the cap with ResponseTooLargeError. client_args.max_response_bytes /
# max_line_bytes change them per model.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
MAX_LINE_BYTES = 8 * 1024 * 1024
MAX_ERROR_BYTES = 64 * 1024  # an error body is only read for its message


def import_httpx(extra: str) -> Any:
    try:
        import httpx
    except ImportError as exc:
        raise MissingExtraError(extra, "httpx") from exc
    return httpx


def check_type(where: str, name: str, value: Any, types: type | tuple[type, ...],
               expected: str) -> None:
    """Raise a ConfigError naming the field when ``value`` has the wrong type."""
    if value is None:
        return
    bad_bool = isinstance(value, bool) and bool not in (types if isinstance(types, tuple)
                                                          else (types,))
    if bad_bool or not isinstance(value, types):
        raise ConfigError(f"{where}: field {name!r} must be {expected}, got "
                          f"{type(value).__name__} {value!r:.60}", field=name)


def env_first(*names: str) -> str | None:
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    return None


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from Retry-After (seconds or an HTTP date) or retry-after-ms."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def _retry_delay(text: str) -> float | None:
    """Gemini puts the wait in the body: details[].retryDelay = "37s"."""
    import re

    m = re.search(r'"retryDelay"\s*:\s*"(\d+(?:\.\d+)?)s"', text)
    return float(m.group(1)) if m else None


def error_message(text: str) -> str:
    """The human part of an API error body, whatever the provider's shape."""
    try:
        data = json.loads(text)
    except ValueError:
        return text.strip()[:500]
    if isinstance(data, dict):
        err = data.get("error", data)
        if isinstance(err, str):
            return err
        if isinstance(err, dict):
            msg = err.get("message") or data.get("message")
            code = err.get("code") or err.get("type") or err.get("status")
            if msg:
                return f"{msg} ({code})" if code else str(msg)
    return text.strip()[:500]


def map_status(status: int, text: str, headers: Mapping[str, str], *, provider: str,
               model: str, url: str, key_hint: str = "") -> ModelError:
    """Turn an HTTP error status into the right error class, saying what to do about it."""
    detail = error_message(text)
    where = f"{provider} model {model!r}"
    low = detail.lower()
    if any(w in low for w in _QUOTA_WORDS) or (
            provider in ("openai", "azure") and _OPENAI_QUOTA in low):
        return UnresolvableModelError(
            f"{where}: quota or billing exhausted (HTTP {status}): {detail}. Check the "
            "account's plan and billing; retrying will not help.", model=model, status=status)
    if status >= 400 and status not in (401, 403, 404, 408, 429) and \
            "response_format" in text.lower():
        # A server without structured output (llama-cpp-python answers 500 or 422 to a
        # json_schema response_format): retrying the same request cannot help.
        return UnsupportedRequestError(
            f"{where}: the server refused the request's response_format (HTTP {status}): "
            f"{detail}. Set structured_output to 'json_object' or 'prompt' in the model "
            "config.", model=model, status=status, feature="response_format")
    if status in TRANSIENT_STATUS:
        after = parse_retry_after(headers)
        if after is None:
            after = _retry_delay(text)
        return TransientModelError(f"{where}: HTTP {status} from {url}: {detail}", model=model,
                                   status=status, retry_after=after)
    if status == 401 or (status == 400 and "api key" in low and "valid" in low):
        return UnresolvableModelError(
            f"{where}: authentication failed (HTTP {status}): {detail}. Fix the API key: "
            + (key_hint or "set api_key in the model config."), model=model, status=status)
    if status == 403:
        return UnresolvableModelError(
            f"{where}: permission denied (HTTP 403): {detail}. Check that this key may use "
            f"model {model!r} (plan, region, organisation).", model=model, status=status)
    if status == 404:
        return UnresolvableModelError(
            f"{where}: not found (HTTP 404) at {url}: {detail}. Check model_name "
            f"({model!r}) and base_url.", model=model, status=status)
    return UnresolvableModelError(f"{where}: request rejected (HTTP {status}) by {url}: "
                                  f"{detail}", model=model, status=status)


def map_transport(exc: BaseException, *, provider: str, model: str, url: str,
                  timeout: float) -> ModelError | None:
    """httpx transport failures are transient; returns None for anything else."""
    httpx = import_httpx(provider)
    if isinstance(exc, httpx.TimeoutException):
        return TransientModelError(f"{provider} model {model!r}: no answer from {url} within "
                                   f"{timeout:g}s ({type(exc).__name__})", model=model)
    if isinstance(exc, (httpx.TransportError, httpx.StreamError)):
        return TransientModelError(f"{provider} model {model!r}: connection to {url} failed: "
                                   f"{type(exc).__name__}: {exc}", model=model)
    return None


_SSL: list[Any] = []


def _ssl_context() -> Any:
    """One default SSL context per process: building one costs tens of milliseconds, and a
    client is made per event loop (sync callers run a loop per call)."""
    if not _SSL:
        import ssl

        try:
            import certifi

            _SSL.append(ssl.create_default_context(cafile=certifi.where()))
        except ImportError:
            _SSL.append(ssl.create_default_context())
    return _SSL[0]


def _post_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    """A POST's headers, with the idempotency key of the request being sent, if it has one
    (set by the call layer for models configured to take keys: models/idempotency.py)."""
    sent = idempotency.idempotency_header_now()
    if sent is None:
        return dict(headers or {})
    return {**(headers or {}), sent[0]: sent[1]}


def _note_secrets(url: str, headers: Mapping[str, str] | None, params: Any) -> None:
    """Register the credentials a request carries (URL userinfo, auth headers, key params)."""
    secrets.register_url(url)
    secrets.register_headers(headers)
    secrets.register_headers(params)


# Servers seen ending a stream when another request arrived (llama-cpp-python's default
# interrupt_requests): from then on this process sends them one request at a time, or two
# agents sharing such a server would cut each other's answers (and their retries) forever.
_ONE_AT_A_TIME: set[str] = set()
_SERVER_LOCKS: weakref.WeakKeyDictionary[Any, dict[str, asyncio.Lock]] = \
    weakref.WeakKeyDictionary()


def server_of(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def one_at_a_time(url: str) -> bool:
    """Whether requests to this URL's server are being serialised."""
    return server_of(url) in _ONE_AT_A_TIME


class _ServerTurn:
    """Holds the server's lock (when it has one) for the length of one request."""

    __slots__ = ("_lock",)

    def __init__(self, url: str) -> None:
        self._lock: asyncio.Lock | None = None
        server = server_of(url)
        if server in _ONE_AT_A_TIME:
            locks = _SERVER_LOCKS.setdefault(asyncio.get_running_loop(), {})
            self._lock = locks.setdefault(server, asyncio.Lock())

    async def __aenter__(self) -> None:
        if self._lock is not None:
            await self._lock.acquire()

    async def __aexit__(self, *exc: object) -> None:
        if self._lock is not None:
            self._lock.release()


class HTTPTransport:
    """An httpx.AsyncClient per event loop (a client must not cross loops), JSON requests,
    SSE and NDJSON streams, and error mapping."""

    def __init__(self, *, provider: str, extra: str, model: str, timeout: float,
                 headers: Mapping[str, str] | None = None, verify: Any = True,
                 proxy: str | None = None, key_hint: str = "",
                 max_response_bytes: int = MAX_RESPONSE_BYTES,
                 max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self.provider, self.extra, self.model = provider, extra, model
        self.max_response_bytes, self.max_line_bytes = max_response_bytes, max_line_bytes
        self.timeout, self.headers = timeout, dict(headers or {})
        self.verify, self.proxy, self.key_hint = verify, proxy, key_hint
        secrets.register_headers(self.headers)  # so that no error text or log can carry them
        secrets.register_url(proxy)
        self._clients: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()

    def client(self) -> Any:
        httpx = import_httpx(self.extra)
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None or client.is_closed:
            kwargs: dict[str, Any] = {"timeout": httpx.Timeout(self.timeout,
                                                               connect=min(self.timeout, 10.0)),
                                      "headers": self.headers,
                                      "verify": _ssl_context() if self.verify is True
                                      else self.verify}
            if self.proxy:
                kwargs["proxy"] = self.proxy
            client = self._clients[loop] = httpx.AsyncClient(**kwargs)
        return client

    async def aclose(self) -> None:
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()

    def _fail(self, exc: BaseException, url: str) -> BaseException:
        mapped = map_transport(exc, provider=self.provider, model=self.model, url=url,
                               timeout=self.timeout)
        return mapped if mapped is not None else exc

    def too_large(self, url: str, what: str, limit: int) -> ResponseTooLargeError:
        return ResponseTooLargeError(
            f"{self.provider} model {self.model!r}: {what} from {url} is larger than "
            f"{limit:,} bytes; reading stopped there. Raise client_args."
            f"{'max_line_bytes' if 'line' in what else 'max_response_bytes'} if it is "
            "expected.", model=self.model, limit=limit)

    async def _read_capped(self, response: Any, url: str, limit: int,
                           quiet: bool = False) -> bytes:
        """The body, refused (or, with ``quiet``, cut) past ``limit`` bytes without reading
        the rest."""
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit and not quiet:
            raise self.too_large(url, f"the response body ({int(declared):,} bytes declared)",
                                 limit)
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > limit:
                if quiet:
                    return bytes(body[:limit])
                raise self.too_large(url, "the response body", limit)
        return bytes(body)

    async def _check(self, response: Any, url: str) -> None:
        if response.status_code >= 400:
            text = (await self._read_capped(response, url, MAX_ERROR_BYTES, quiet=True)
                    ).decode("utf-8", "replace")
            raise map_status(response.status_code, text, response.headers,
                             provider=self.provider, model=self.model, url=url,
                             key_hint=self.key_hint)

    async def request(self, method: str, url: str, *, json_body: Any = None,
                      headers: Mapping[str, str] | None = None, files: Any = None,
                      data: Any = None, params: Any = None) -> Any:
        """Send a request; return the httpx.Response (status already checked)."""
        _note_secrets(url, headers, params)
        httpx = import_httpx(self.extra)
        try:
            async with _ServerTurn(url):
                client = self.client()
                sent = client.build_request(method, url, json=json_body, files=files,
                                            data=data, params=params,
                                            headers=_post_headers(headers) if method == "POST"
                                            else dict(headers or {}))
                streamed = await client.send(sent, stream=True)
                try:
                    await self._check(streamed, url)
                    body = await self._read_capped(streamed, url, self.max_response_bytes)
                finally:
                    await streamed.aclose()
                response = httpx.Response(streamed.status_code, headers=streamed.headers,
                                          content=body, request=sent)
        except ModelError:
            raise
        except Exception as exc:
            raise self._fail(exc, url) from exc
        return response

    async def post_json(self, url: str, body: Any, headers: Mapping[str, str] | None = None,
                        params: Any = None) -> Any:
        response = await self.request("POST", url, json_body=body, headers=headers,
                                      params=params)
        return self.parse(response.text, url)

    def parse(self, text: str, url: str) -> Any:
        try:
            return json.loads(text)
        except ValueError as exc:
            raise TransientModelError(
                f"{self.provider} model {self.model!r}: malformed JSON from {url}: "
                f"{text[:120]!r}", model=self.model) from exc

    async def stream_lines(self, url: str, body: Any, headers: Mapping[str, str] | None = None,
                           params: Any = None) -> AsyncIterator[str]:
        """POST and yield the response body line by line (without line endings)."""
        _note_secrets(url, headers, params)
        try:
            async with _ServerTurn(url), self.client().stream(
                    "POST", url, json=body, params=params,
                    headers=_post_headers(headers)) as response:
                await self._check(response, url)
                async for line in self._lines(response, url):
                    yield line
        except ModelError:
            raise
        except Exception as exc:
            raise self._fail(exc, url) from exc

    async def _lines(self, response: Any, url: str) -> AsyncIterator[str]:
        """Lines of a streamed body (\n or \r\n endings), each and all bounded."""
        buffer = bytearray()
        total = 0
        async for chunk in response.aiter_bytes():
            total += len(chunk)
            if total > self.max_response_bytes:
                raise self.too_large(url, "the streamed response", self.max_response_bytes)
            buffer += chunk
            start = 0
            while (end := buffer.find(b"\n", start)) >= 0:
                line = buffer[start:end]
                yield (line[:-1] if line.endswith(b"\r") else line).decode("utf-8", "replace")
                start = end + 1
            del buffer[:start]
            if len(buffer) > self.max_line_bytes:
                raise self.too_large(url, "one line of the stream", self.max_line_bytes)
        if buffer:
            yield buffer.rstrip(b"\r").decode("utf-8", "replace")

    async def stream_sse(self, url: str, body: Any, headers: Mapping[str, str] | None = None,
                         params: Any = None) -> AsyncIterator[tuple[str, str]]:
        """POST and yield server-sent events as (event name, data text)."""
        event, data = "", list[str]()
        async for line in self.stream_lines(url, body, headers, params):
            if not line:
                if data:
                    yield event, "\n".join(data)
                event, data = "", []
            elif line.startswith(":"):
                continue
            else:
                key, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if key == "event":
                    event = value
                elif key == "data":
                    data.append(value)
        if data:
            yield event, "\n".join(data)

    def interrupted(self, url: str) -> TransientModelError:
        """A stream ended cleanly but without a finish reason: the server cut it, as
        llama-cpp-python does when another request arrives. From now on this process sends
        that server one request at a time (said once, in the log)."""
        server = server_of(url)
        if server not in _ONE_AT_A_TIME:
            _ONE_AT_A_TIME.add(server)
            import logging

            logging.getLogger("agentcast.models").warning(
                "%s cut a stream short (no finish_reason before [DONE]), as a server that "
                "interrupts a running request for a new one does; agentcast now sends it one "
                "request at a time. For llama-cpp-python, start it with --interrupt_requests "
                "False to queue requests instead.", server)
        return self.truncated(url, "no finish_reason before [DONE]; the server ended the "
                              "stream, e.g. for another request")

    def truncated(self, url: str, why: str = "") -> TransientModelError:
        return TransientModelError(f"{self.provider} model {self.model!r}: the stream from {url} "
                                   "ended before the answer was complete (cut off"
                                   + (f": {why})" if why else ")"), model=self.model)


def run_sync(awaitable: Awaitable[T]) -> T:
    """Run a coroutine from plain code: here when no loop runs in this thread, otherwise
    in a helper thread (never block a running loop's thread on itself)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(awaitable)  # type: ignore[arg-type]
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(awaitable)  # type: ignore[arg-type]
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]
