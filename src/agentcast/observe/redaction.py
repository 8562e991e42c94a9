"""Redaction of API keys and other secrets before anything is logged or stored.

Every sink of the observability layer (terminal, JSON-lines log, run store, span attributes)
passes text through one ``Redactor``, so a key that reaches a message, an error text or a
config never lands on disk. Two nets: known secret *values* (configured keys, env vars
named like ``*_API_KEY``, and everything registered in ``agentcast.secrets``: URL userinfo,
auth headers, ``${VAR}`` values) and *shapes* (``sk-...``, ``Bearer ...``, ``Basic ...``,
``"api_key": ...``).
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from agentcast import secrets

MASK = "[REDACTED]"

# Shapes of secrets, whatever their value; each with a cheap substring test that must pass
# first (in the lower-cased text), so ordinary text costs a few ``in`` checks, not regexes.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("sk-", re.compile(r"\bsk-[A-Za-z0-9_\-]{8,}")),  # OpenAI, Anthropic, DeepSeek, DashScope
    ("aiza", re.compile(r"\bAIza[0-9A-Za-z_\-]{30,}")),  # Google API keys
    ("bearer", re.compile(r"(?i)\bBearer\s+[A-Za-z0-9._~+/=\-]{8,}")),
    ("basic", re.compile(r"\bBasic\s+(?=[A-Za-z0-9+/]*[0-9+/=])[A-Za-z0-9+/]{8,}={0,2}")),
    ("_", re.compile(r"\b(?:ghp|gho|ghs|github_pat|xox[abpr]|hf)_[A-Za-z0-9_]{16,}")),
)
# key = value / "key": "value" for key names that always hold secrets.
_FIELD_HINTS = ("key", "token", "secret", "password", "authorization")
_FIELD = re.compile(
    r"(?i)(\"?'?(?:\b|_)(?:api[_-]?key|apikey|access[_-]?token|secret[_-]?key|"
    r"client[_-]?secret|password|authorization|x-api-key)\b'?\"?\s*[:=]\s*\"?'?"
    r"(?:(?:Basic|Bearer|Token|Digest)\s+)?)"
    r"([^\s\"',}]{4,})"
)
_SECRET_KEY_NAMES = re.compile(
    r"(?i)(api[_-]?key|apikey|(?<![a-z])token(?![a-z])|secret|password|authorization|credential)"
)
_SECRET_ENV = re.compile(r"(?i).*(_API_KEY|_APIKEY|_TOKEN|_SECRET|_SECRET_KEY|_PASSWORD)$")
MIN_SECRET_LEN = 6


class Redactor:
    """Replaces known secret values and secret-shaped strings with ``[REDACTED]``."""

    def __init__(self, secrets: Iterable[str] = (), *, from_env: bool = True) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._values: re.Pattern[str] | None = None
        self._version = -1
        if from_env:
            self.add_env()
        for s in secrets:
            self.add(s)

    def add(self, secret: Any) -> None:
        """Remember one secret value (short values are ignored: they would mask common text)."""
        if isinstance(secret, str) and len(secret) >= MIN_SECRET_LEN:
            with self._lock:
                if secret not in self._secrets:
                    self._secrets.add(secret)
                    alts = sorted(self._secrets, key=len, reverse=True)
                    self._values = re.compile("|".join(re.escape(s) for s in alts))

    def add_env(self, environ: Mapping[str, str] | None = None) -> None:
        """Treat the values of env vars named like ``*_API_KEY`` / ``*_TOKEN`` as secrets."""
        for name, value in (os.environ if environ is None else environ).items():
            if _SECRET_ENV.match(name):
                self.add(value)

    def add_from_config(self, config: Any) -> None:
        """Collect values stored under secret-looking keys anywhere in a config structure
        (and register them, with URL userinfo, auth headers and ``${VAR}`` values,
        process-wide: see agentcast.secrets)."""
        secrets.register_config(config)
        if isinstance(config, Mapping):
            for key, value in config.items():
                if isinstance(key, str) and _SECRET_KEY_NAMES.search(key) and isinstance(value, str):
                    self.add(value)
                else:
                    self.add_from_config(value)
        elif isinstance(config, (list, tuple)):
            for item in config:
                self.add_from_config(item)

    def _sync(self) -> None:
        """Take in the values registered process-wide (agentcast.secrets) since last time."""
        version = secrets.version()
        if version != self._version:
            self._version = version
            for value in secrets.known() - self._secrets:
                self.add(value)

    def text(self, text: str) -> str:
        """Redact one string."""
        if not text:
            return text
        if secrets.version() != self._version:
            self._sync()
        values = self._values
        if values is not None:
            text = values.sub(MASK, text)
        lower = text.lower()
        for hint, pattern in _PATTERNS:
            if hint in lower:
                text = pattern.sub(MASK, text)
        if any(h in lower for h in _FIELD_HINTS):
            text = _FIELD.sub(lambda m: m.group(1) + MASK, text)
        return text

    def value(self, value: Any) -> Any:
        """Redact strings inside a JSON-like structure; keys named like secrets are masked."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            out: dict[Any, Any] = {}
            for k, v in value.items():
                if isinstance(k, str) and _SECRET_KEY_NAMES.search(k) and v not in (None, ""):
                    out[k] = MASK if isinstance(v, str) else self.value(v)
                else:
                    out[k] = self.value(v)
            return out
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        return value


class RedactFilter(logging.Filter):
    """A logging filter that redacts the final message text (args are merged first)."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redactor.text(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor.text(record.exc_text)
        for attr in ("content", "detail"):
            if hasattr(record, attr):
                setattr(record, attr, self.redactor.value(getattr(record, attr)))
        return True


_default: Redactor | None = None


def default_redactor() -> Redactor:
    """The process-wide redactor (env secrets loaded on first use)."""
    global _default
    if _default is None:
        _default = Redactor()
    return _default


def redact(value: Any) -> Any:
    """Redact a string or JSON-like structure with the process-wide redactor."""
    return default_redactor().value(value)


__all__ = ["MASK", "RedactFilter", "Redactor", "default_redactor", "redact"]
