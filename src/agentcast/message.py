"""Msg, the only thing agents share.

``Placeholder`` (a Msg that is not there yet) lives with the runtime
(:mod:`agentcast.runtime.placeholder`); it is re-exported here, lazily, for convenience.

A Msg is small (slots, lazy metadata, counter-based ids) because simulations keep millions of
them in memory, and cheap to create because one is made per hop on the hot path.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from agentcast.exceptions import InvalidMessageError

ROLES = frozenset({"system", "user", "assistant"})
FIELDS = ("id", "name", "content", "role", "url", "metadata", "timestamp")

# Unique ids without uuid4's cost: a random per-process prefix plus a counter.
_PREFIX = os.urandom(6).hex()
_counter = itertools.count(1)
_now = time.time


def new_id() -> str:
    """A process-unique, globally-unlikely-to-collide message id."""
    return f"{_PREFIX}{next(_counter)}"


def _reset_id_prefix() -> None:
    """Give a forked or remote process its own id prefix."""
    global _PREFIX, _counter
    _PREFIX = os.urandom(6).hex()
    _counter = itertools.count(1)


class Msg:
    """A message: who said what, in which role, with which attachments.

    ``url`` holds attachments (images, audio, video, files) as local paths or URLs, never
    bytes. Extra keyword arguments go into ``metadata`` and read back as attributes.
    """

    __slots__ = ("_metadata", "content", "id", "name", "role", "timestamp", "url")

    id: str
    name: str
    content: Any
    role: str
    url: str | list[str] | None
    timestamp: float

    def __init__(
        self,
        name: str,
        content: Any = None,
        role: str = "assistant",
        url: str | list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        *,
        id: str | None = None,
        timestamp: float | None = None,
        **kwargs: Any,
    ) -> None:
        if role not in ROLES:
            raise InvalidMessageError(
                f"Msg field 'role': expected one of {sorted(ROLES)}, got {role!r}", field="role"
            )
        self.id = id if id is not None else f"{_PREFIX}{next(_counter)}"
        self.name = name
        self.content = content
        self.role = role
        self.url = url
        if kwargs:
            metadata = {**(metadata or {}), **kwargs}
        self._metadata = metadata
        self.timestamp = _now() if timestamp is None else timestamp

    # --- access ---------------------------------------------------------------------
    @property
    def metadata(self) -> dict[str, Any]:
        md = self._metadata
        if md is None:
            md = self._metadata = {}
        return md

    @metadata.setter
    def metadata(self, value: dict[str, Any] | None) -> None:
        self._metadata = value

    def __getattr__(self, key: str) -> Any:
        # Only reached for names that are not fields: extra keys live in metadata.
        md = object.__getattribute__(self, "_metadata") if key != "_metadata" else None
        if md and key in md:
            return md[key]
        raise AttributeError(f"Msg has no field or metadata key {key!r}")

    def __getitem__(self, key: str) -> Any:
        if key in FIELDS:
            return getattr(self, key)
        md = self.metadata
        if key in md:
            return md[key]
        raise KeyError(key)

    def __setitem__(self, key: str, value: Any) -> None:
        if key in FIELDS:
            setattr(self, key, value)
        else:
            self.metadata[key] = value

    def __contains__(self, key: str) -> bool:
        return key in FIELDS or key in self.metadata

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def keys(self) -> Iterator[str]:
        return iter(FIELDS)

    # --- identity -------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if isinstance(other, Msg):
            return self.id == other.id
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.id)

    def __repr__(self) -> str:
        content = self.content
        text = content if isinstance(content, str) else json.dumps(content, default=str)
        if len(text) > 60:
            text = text[:57] + "..."
        return f"Msg({self.name!r}, {text!r}, role={self.role!r}" + (
            f", url={self.url!r})" if self.url else ")"
        )

    # --- wire form ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The stable JSON wire form."""
        return {
            "id": self.id,
            "name": self.name,
            "content": self.content,
            "role": self.role,
            "url": self.url,
            "metadata": dict(self._metadata) if self._metadata else {},
            "timestamp": self.timestamp,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Any) -> Msg:
        """Build a Msg from its wire form, naming the field when something is wrong."""
        if not isinstance(data, dict):
            raise InvalidMessageError(
                f"Msg wire form must be a JSON object, got {type(data).__name__}", field=None
            )
        unknown = set(data) - set(FIELDS)
        if unknown:
            raise InvalidMessageError(
                f"Msg has unknown field(s) {sorted(unknown)}; allowed: {list(FIELDS)}",
                field=sorted(unknown)[0],
            )
        if "name" not in data:
            raise InvalidMessageError("Msg field 'name' is missing", field="name")
        name = data["name"]
        if not isinstance(name, str):
            raise InvalidMessageError(
                f"Msg field 'name': expected a string, got {type(name).__name__}", field="name"
            )
        content = data.get("content")
        _check_json(content, "content")
        role = data.get("role", "assistant")
        if role not in ROLES:
            raise InvalidMessageError(
                f"Msg field 'role': expected one of {sorted(ROLES)}, got {role!r}", field="role"
            )
        url = data.get("url")
        if url is not None and not isinstance(url, str):
            if not isinstance(url, list) or not all(isinstance(u, str) for u in url):
                raise InvalidMessageError(
                    "Msg field 'url': expected null, a string or a list of strings", field="url"
                )
        metadata = data.get("metadata")
        if metadata is None:
            metadata = {}
        if not isinstance(metadata, dict):
            raise InvalidMessageError(
                f"Msg field 'metadata': expected an object, got {type(metadata).__name__}",
                field="metadata",
            )
        _check_json(metadata, "metadata")
        msg_id = data.get("id")
        if msg_id is not None and (not isinstance(msg_id, str) or not msg_id):
            raise InvalidMessageError("Msg field 'id': expected a non-empty string", field="id")
        ts = data.get("timestamp")
        if ts is not None and (isinstance(ts, bool) or not isinstance(ts, (int, float))):
            raise InvalidMessageError(
                "Msg field 'timestamp': expected a number (seconds since the epoch)",
                field="timestamp",
            )
        return cls(
            name,
            content,
            role,
            url,
            dict(metadata) or None,
            id=msg_id,
            timestamp=float(ts) if ts is not None else None,
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Msg:
        try:
            data = json.loads(text)
        except (ValueError, TypeError) as exc:
            raise InvalidMessageError(f"Msg wire form is not valid JSON: {exc}") from exc
        return cls.from_dict(data)

    def copy(self) -> Msg:
        """A deep copy with the same id (used by fanout so each receiver owns its input)."""
        import copy

        return Msg(
            self.name,
            copy.deepcopy(self.content),
            self.role,
            list(self.url) if isinstance(self.url, list) else self.url,
            copy.deepcopy(self._metadata) if self._metadata else None,
            id=self.id,
            timestamp=self.timestamp,
        )

    def __deepcopy__(self, memo: dict[int, Any]) -> Msg:
        return self.copy()

    def __reduce__(self) -> tuple[Callable[..., Msg], tuple[dict[str, Any]]]:
        return (_from_wire, (self.to_dict(),))


def _from_wire(data: dict[str, Any]) -> Msg:
    return Msg.from_dict(data)


def _check_json(value: Any, field: str, depth: int = 0) -> None:
    if depth > 100:
        raise InvalidMessageError(f"Msg field {field!r} is nested too deeply", field=field)
    if value is None or isinstance(value, (str, int, float, bool)):
        return
    if isinstance(value, list):
        for item in value:
            _check_json(item, field, depth + 1)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidMessageError(
                    f"Msg field {field!r}: object keys must be strings, got {key!r}", field=field
                )
            _check_json(item, field, depth + 1)
        return
    raise InvalidMessageError(
        f"Msg field {field!r}: {type(value).__name__} is not a JSON value", field=field
    )


def __getattr__(name: str) -> Any:
    # Lazy re-export: the placeholder belongs to the runtime, which sits above this module.
    if name in ("Placeholder", "resolved"):
        from agentcast.runtime import placeholder

        return getattr(placeholder, name)
    raise AttributeError(f"module 'agentcast.message' has no attribute {name!r}")


__all__ = ["ROLES", "Msg", "new_id"]  # Placeholder, resolved: lazy re-exports above
