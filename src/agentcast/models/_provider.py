"""Config handling shared by every HTTP-backed model (chat, embeddings, images, audio).

Every provider takes the paper's config form: ``config_name``, ``model_name``, ``api_key``,
``client_args`` (base_url, timeout, headers, ...) and ``generate_args``. Values are checked
here so that each bad config names its field; keys default to the provider's standard
environment variable.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from agentcast.exceptions import ConfigError
from agentcast.message import Msg
from agentcast.models._http import CLIENT_ARG_KEYS, HTTPTransport, check_type, env_first
from agentcast.models.base import ChatModelBase, ToolCall, Usage
from agentcast.models.formatters.common import arguments_json, flatten, text_of

T = TypeVar("T")
DEFAULT_TIMEOUT = 60.0
# Config keys ChatModelBase consumes (retry policy, fallbacks); anything else is a typo.
BASE_CONFIG_KEYS = frozenset({"retry", "max_retries", "timeout", "fallback", "fallback_on",
                              "structured_output"})


class HTTPConfig:
    """Mixin: api key, base URL, timeout, headers -> ``self.transport``."""

    provider = "http"
    extra = "web"
    api_key_env: tuple[str, ...] = ()
    base_url_env: tuple[str, ...] = ()
    default_base_url = ""
    key_required = True  # needs a key when talking to default_base_url
    requires_model_name = True

    api_key: str | None
    base_url: str
    timeout: float
    transport: HTTPTransport

    def _configure(
        self,
        config_name: str,
        model_name: str,
        *,
        api_key: Any = None,
        base_url: Any = None,
        client_args: Any = None,
        timeout: Any = None,
        headers: Any = None,
        generate_args: Any = None,
    ) -> dict[str, Any]:
        """Check and apply the shared fields; returns the leftover client_args."""
        where = f"model config {config_name or model_name or type(self).__name__!r}"
        self._where = where
        check_type(where, "model_name", model_name, str, "a string")
        if self.requires_model_name and not model_name:
            raise ConfigError(f"{where}: missing required field 'model_name' (the provider's "
                              "model id, e.g. 'gpt-4o')", field="model_name")
        check_type(where, "api_key", api_key, str, "a string")
        check_type(where, "base_url", base_url, str, "a URL string")
        check_type(where, "timeout", timeout, (int, float), "a number of seconds")
        check_type(where, "headers", headers, Mapping, "an object of header names to values")
        check_type(where, "client_args", client_args, Mapping, "an object")
        check_type(where, "generate_args", generate_args, Mapping, "an object")
        args = dict(client_args or {})
        unknown = sorted(set(args) - CLIENT_ARG_KEYS)
        if unknown:
            raise ConfigError(f"{where}: unknown key {unknown[0]!r} in 'client_args'; known: "
                              + ", ".join(sorted(CLIENT_ARG_KEYS)),
                              field=f"client_args.{unknown[0]}")
        args.pop("max_retries", None)  # one retry policy: the model's, not the client's
        for key in ("base_url", "host", "azure_endpoint"):
            check_type(where, f"client_args.{key}", args.get(key), str, "a URL string")
        check_type(where, "client_args.timeout", args.get("timeout"), (int, float),
                   "a number of seconds")
        base = base_url or args.pop("base_url", None) or args.pop("host", None) or \
            env_first(*self.base_url_env) or self.default_base_url
        if not base:
            raise ConfigError(f"{where}: missing 'base_url' (in the config or client_args)",
                              field="base_url")
        if "://" not in base:
            base = "http://" + base
        self.base_url = base.rstrip("/")
        self.api_key = api_key or env_first(*self.api_key_env)
        if self.key_required and not self.api_key and self.base_url == self.default_base_url:
            env = " or ".join(self.api_key_env) or "api_key"
            raise ConfigError(f"{where}: no API key for {self.provider}: set 'api_key' in the "
                              f"model config or the {env} environment variable",
                              field="api_key")
        timeout = timeout if timeout is not None else args.pop("timeout", None)
        self.timeout = float(timeout) if timeout is not None else DEFAULT_TIMEOUT
        all_headers = {**(args.pop("default_headers", None) or {}),
                       **(args.pop("headers", None) or {}), **(headers or {})}
        env = " or ".join(self.api_key_env)
        caps = {}
        for cap in ("max_response_bytes", "max_line_bytes"):
            value = args.pop(cap, None)
            check_type(where, f"client_args.{cap}", value, int, "a number of bytes")
            if value is not None:
                if value <= 0:
                    raise ConfigError(f"{where}: client_args.{cap} must be > 0",
                                      field=f"client_args.{cap}")
                caps[cap] = value
        self.transport = HTTPTransport(
            provider=self.provider, extra=self.extra, model=model_name or self.provider,
            timeout=self.timeout, headers=all_headers, verify=args.pop("verify", True),
            proxy=args.pop("proxy", None),
            key_hint=f"set api_key in the model config{f' or {env}' if env else ''}.",
            **caps)
        return args


class HTTPChatModel(HTTPConfig, ChatModelBase):
    """A chat model over HTTP; subclasses build requests and parse answers."""

    def __init__(
        self,
        config_name: str = "",
        model_name: str = "",
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        client_args: Mapping[str, Any] | None = None,
        generate_args: Mapping[str, Any] | None = None,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = True,
        idempotency_header: str | None = None,
        idempotency_keys: str = "durable",
        **kwargs: Any,
    ) -> None:
        self.client_args = self._configure(
            config_name, model_name, api_key=api_key, base_url=base_url,
            client_args=client_args, timeout=timeout, headers=headers,
            generate_args=generate_args)
        check_type(self._where, "stream", stream, bool, "true or false")
        self.streaming = stream
        self._idempotency(idempotency_header, idempotency_keys)
        known = BASE_CONFIG_KEYS | frozenset(getattr(ChatModelBase, "config_keys", ()))
        for key in kwargs:
            if key not in known:
                raise ConfigError(f"{self._where}: unknown field {key!r} for model_type "
                                  f"{self.model_type!r}", field=key)
        if timeout is not None or "timeout" in (client_args or {}):
            kwargs["timeout"] = self.timeout
        super().__init__(config_name, model_name, generate_args=dict(generate_args or {}),
                         **kwargs)
        # One timeout rules: the retry policy's (it also bounds silence between chunks).
        policy_timeout = getattr(getattr(self, "retry_policy", None), "timeout", None)
        self.timeout = self.transport.timeout = float(policy_timeout or self.timeout)

    def _idempotency(self, header: Any, keys: Any) -> None:
        """``idempotency_header``: the header in which this server takes an idempotency
        key (e.g. "Idempotency-Key"; only for servers that honour one, see docs/durable.md);
        ``idempotency_keys``: "durable" (keys in durable runs only) or "always"."""
        from agentcast.models.idempotency import KEY_MODES

        check_type(self._where, "idempotency_header", header, str, "a header name")
        if header is not None and (not header or not header.isascii() or any(
                c in header for c in ' \t\r\n:()<>@,;\\"/[]?={}')):
            raise ConfigError(f"{self._where}: 'idempotency_header' must be an HTTP header "
                              f"name such as 'Idempotency-Key', got {header!r}",
                              field="idempotency_header")
        if keys not in KEY_MODES:
            raise ConfigError(f"{self._where}: 'idempotency_keys' must be one of "
                              f"{', '.join(map(repr, KEY_MODES))}, got {keys!r}",
                              field="idempotency_keys")
        if keys != "durable" and header is None:
            raise ConfigError(f"{self._where}: 'idempotency_keys' needs 'idempotency_header' "
                              "(the header this server takes the key in)",
                              field="idempotency_keys")
        self.idempotency_header, self.idempotency_keys = header, keys

    async def aclose(self) -> None:
        await self.transport.aclose()


async def with_retries(policy: Any, call: Callable[[], Awaitable[T]], name: str = "") -> T:
    """The retry policy for models that are not chat models (embeddings, images, audio):
    the chat models' policy, deadline included (models/retry.py ``retry_call``)."""
    from agentcast.models.retry import retry_call

    return await retry_call(policy, call, name)


def retry_policy(retry: Any, max_retries: Any, timeout: Any) -> Any:
    from agentcast.faults import RetryPolicy

    return RetryPolicy.from_config(retry, max_retries=max_retries,
                                   timeout=timeout if timeout is not None else "default")


def estimate_usage(messages: Sequence[Msg], text: str, calls: Sequence[ToolCall] = ()) -> Usage:
    """A 4-characters-a-token estimate for servers that report no usage."""
    prompt = sum(len(text_of(m)) for m in flatten(list(messages)))
    out = len(text) + sum(len(arguments_json(c.arguments)) for c in calls)
    return Usage(max(1, prompt // 4), max(1, out // 4) if out else 0, estimated=True)


_LENGTH = frozenset({"length", "max_tokens", "MAX_TOKENS"})


def finish_reason_of(raw: Any) -> str | None:
    """A provider's finish/stop reason in OpenAI's words where they mean the same: a cut
    at the token limit is "length" everywhere (Anthropic "max_tokens", Gemini
    "MAX_TOKENS"), so one check warns about it."""
    if not raw:
        return None
    text = str(raw)
    return "length" if text in _LENGTH else text.lower()


def parse_arguments(raw: Any) -> dict[str, Any] | str:
    """Tool-call arguments as a dict when they parse, else the raw string."""
    import json

    if isinstance(raw, dict):
        return raw
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return str(raw)
    return value if isinstance(value, dict) else str(raw)


__all__ = ["DEFAULT_TIMEOUT", "HTTPChatModel", "HTTPConfig", "estimate_usage",
           "finish_reason_of", "parse_arguments", "retry_policy", "with_retries"]
