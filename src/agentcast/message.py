"""Msg, the only thing agents share, and Placeholder, a Msg that is not there yet.

A Msg is small (slots, lazy metadata, counter-based ids) because simulations keep millions of
them in memory, and cheap to create because one is made per hop on the hot path.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

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



# --------------------------------------------------------------------------------------
# Placeholder
# --------------------------------------------------------------------------------------
Callback = Callable[["Placeholder"], None]

# Set by the runtime: how a plain (non-loop) thread waits for a placeholder, and how
# resolution callbacks are run. Kept as hooks so that this module imports nothing above it.
_sync_wait: Callable[[Placeholder], None] | None = None
_run_callbacks: Callable[[list[Callback], Placeholder], None] | None = None


class Placeholder(Msg):
    """A Msg that will exist once an agent has replied.

    ``agent(x)`` returns one at once. In a plain script reading any field blocks until the
    reply is there (the reading thread drives the agents meanwhile); in async code ``await``
    it. A failure inside the reply is raised where the placeholder is read or awaited.
    ``seq_id`` ("agent#n") is known at once and never blocks.
    """

    __slots__ = ("_callbacks", "_done", "_exc", "_n", "_owner", "_value")

    def __init__(self, owner: str = "", n: int = 0) -> None:
        self._value: Msg | None = None
        self._exc: BaseException | None = None
        self._done = False
        self._callbacks: list[Callback] | None = None
        self._owner = owner
        self._n = n

    # --- state ----------------------------------------------------------------------
    @property
    def seq_id(self) -> str:
        return f"{self._owner}#{self._n}"

    def done(self) -> bool:
        return self._done

    def add_done_callback(self, fn: Callback) -> None:
        """Run ``fn(self)`` on the runtime's loop once resolved (at once if already)."""
        if self._done:
            fn(self)
        elif self._callbacks is None:
            self._callbacks = [fn]
        else:
            self._callbacks.append(fn)

    def set_result(self, value: Msg | None) -> None:
        self._resolve(value, None)

    def set_exception(self, exc: BaseException) -> None:
        self._resolve(None, exc)

    def _resolve(self, value: Msg | None, exc: BaseException | None) -> None:
        if self._done:
            return
        self._value = value
        self._exc = exc
        self._done = True
        callbacks = self._callbacks
        if callbacks is not None:
            self._callbacks = None
            if _run_callbacks is not None:
                _run_callbacks(callbacks, self)
            else:
                for cb in callbacks:
                    cb(self)

    def result(self) -> Msg | None:
        """The reply (blocking in a plain script until it is there)."""
        if not self._done:
            if _sync_wait is None:
                raise RuntimeError("no agentcast runtime to wait with")
            _sync_wait(self)
        if self._exc is not None:
            raise self._exc
        return self._value

    def _msg(self) -> Msg:
        value = self.result()
        if value is None:
            raise AttributeError(f"call {self.seq_id} returned None, not a message")
        return value

    def __await__(self) -> Any:
        if not self._done:
            import asyncio

            fut = asyncio.get_running_loop().create_future()

            def wake(_: Placeholder) -> None:
                if not fut.done():
                    fut.set_result(None)

            self.add_done_callback(wake)
            yield from fut.__await__()
        if self._exc is not None:
            raise self._exc
        return self._value

    # --- every field reads through to the resolved message ----------------------------
    def _get_field(name: str) -> property:  # type: ignore[misc]
        def fget(self: Placeholder) -> Any:
            return getattr(self._msg(), name)

        def fset(self: Placeholder, value: Any) -> None:
            setattr(self._msg(), name, value)

        return property(fget, fset)

    if TYPE_CHECKING:  # type checkers see Msg's field types; at run time each reads through
        id: str
        name: str
        content: Any
        role: str
        url: str | list[str] | None
        timestamp: float
    else:
        id = _get_field("id")
        name = _get_field("name")
        content = _get_field("content")
        role = _get_field("role")
        url = _get_field("url")
        metadata = _get_field("metadata")
        timestamp = _get_field("timestamp")
    del _get_field

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        return getattr(self._msg(), key)

    def __getitem__(self, key: str) -> Any:
        return self._msg()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._msg()[key] = value

    def __contains__(self, key: str) -> bool:
        return key in self._msg()

    def to_dict(self) -> dict[str, Any]:
        return self._msg().to_dict()

    def copy(self) -> Msg:
        return self._msg().copy()

    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        if isinstance(other, Msg):
            value = self.result()
            if isinstance(other, Placeholder):
                return value == other.result()
            return value == other
        return NotImplemented

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        if not self._done:
            return f"Placeholder({self.seq_id}, pending)"
        if self._exc is not None:
            return f"Placeholder({self.seq_id}, failed: {type(self._exc).__name__})"
        return f"Placeholder({self.seq_id}, {self._value!r})"

    def __reduce__(self) -> tuple[Callable[..., Msg], tuple[dict[str, Any]]]:
        return (_from_wire, (self._msg().to_dict(),))


def resolved(x: Any) -> Any:
    """The value behind a placeholder (or each in a list); other values pass through."""
    if isinstance(x, Placeholder):
        return x.result()
    if isinstance(x, list):
        return [resolved(v) for v in x]
    return x


__all__ = ["ROLES", "Msg", "Placeholder", "new_id", "resolved"]
