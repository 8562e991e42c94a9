"""Short-term memory: an ordered list of messages, small enough for millions of agents."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from agentcast.exceptions import AgentcastWarning
from agentcast.message import Msg
from agentcast.runtime.placeholder import Placeholder


class ListMemory:
    """Messages in arrival order. ``get(recent_n)`` returns copies of the list, not the list.

    Reads from outside the owning agent (``get``, ``size``, ``len``, iteration, ``export``)
    first wait until the agent has handled every call and observe already sent to it, so a
    script sees the effect of the lines above. In async code ``await agent.settled()``
    first (a read then does not block).
    """

    __slots__ = ("_items", "_owner")

    def __init__(self, items: Iterable[Msg] | None = None) -> None:
        self._items: list[Msg] = list(items) if items else []
        self._owner: Any = None

    def attach(self, owner: Any) -> None:
        """Order reads from outside ``owner`` (an actor with ``in_actor`` and ``settle``)
        after the work already sent to it."""
        self._owner = owner

    def _settle(self) -> None:
        owner = self._owner
        if owner is not None and not owner.in_actor():
            owner.settle()

    def add(self, msg: Msg | Iterable[Msg] | None) -> None:
        """Add a message or several; None is ignored, placeholders are resolved first.

        Anything else (a dict, a string, ...) raises ValueError and adds nothing, as in
        AgentScope 0.x ("must be a Msg object").
        """
        if msg.__class__ is Msg:  # the common case, kept as cheap as an append
            self._items.append(msg)  # type: ignore[arg-type]
            return
        if msg is None:
            return
        items = [msg] if isinstance(msg, Msg) else msg
        if isinstance(items, (str, bytes, dict)) or not isinstance(items, Iterable):
            raise ValueError(f"cannot add a {type(msg).__name__} to memory: it must be a Msg "
                             "or a list of Msgs")
        checked: list[Msg] = []
        for i, m in enumerate(items):
            if isinstance(m, Placeholder):
                m = m.result()
                if isinstance(m, list):  # a reply that was a list of messages
                    checked.extend(v for v in m if isinstance(v, Msg))
                    continue
            if m is None:
                continue
            if not isinstance(m, Msg):
                raise ValueError(f"cannot add item {i} (a {type(m).__name__}) to memory: it "
                                 "must be a Msg")
            checked.append(m)
        self._items.extend(checked)

    def get(self, recent_n: int | None = None, filter_func: Callable[[int, Msg], bool] | None = None
            ) -> list[Msg]:
        if self._owner is not None:
            self._settle()
        items = self._items
        if filter_func is not None:
            items = [m for i, m in enumerate(items) if filter_func(i, m)]
        if recent_n is None:
            return list(items)
        if recent_n <= 0:
            return []
        return list(items[-recent_n:])

    def get_memory(self, recent_n: int | None = None,
                   filter_func: Callable[[int, Msg], bool] | None = None) -> list[Msg]:
        """AgentScope 0.x's name for :meth:`get`."""
        return self.get(recent_n, filter_func)

    def delete(self, index: int | Iterable[int]) -> None:
        """Delete by position (or positions), counted from 0.

        Positions outside ``0 .. size()-1`` (negative ones too) are skipped with an
        :class:`~agentcast.exceptions.AgentcastWarning` naming them, as in AgentScope 0.x:
        deleting what is already gone is not worth crashing a running conversation.
        """
        wanted = {index} if isinstance(index, int) else set(index)
        for i in wanted:
            if not isinstance(i, int) or isinstance(i, bool):
                raise TypeError(f"memory.delete: positions must be ints, got {i!r}")
        size = len(self._items)
        invalid = sorted(i for i in wanted if i < 0 or i >= size)
        if invalid:
            warnings.warn(
                f"memory.delete: skipped position(s) {invalid}: the memory holds {size} "
                "message(s)", AgentcastWarning, stacklevel=2)
        for i in sorted(wanted - set(invalid), reverse=True):
            del self._items[i]

    def clear(self) -> None:
        self._items.clear()

    def mark(self) -> tuple[int, Msg | None]:
        """Where the memory ends now, for :meth:`added_since` (never waits: for the owner,
        e.g. a durable run recording what one call changed)."""
        items = self._items
        return (len(items), items[-1] if items else None)

    def added_since(self, mark: tuple[int, Msg | None]) -> list[Msg] | None:
        """The messages appended after ``mark``, or None when the memory changed otherwise
        (deleted, cleared or reloaded) since then."""
        n0, last0 = mark
        items = self._items
        if len(items) < n0 or (n0 and items[n0 - 1] is not last0):
            return None
        return items[n0:]

    def size(self) -> int:
        self._settle()
        return len(self._items)

    def __len__(self) -> int:
        self._settle()
        return len(self._items)

    def __iter__(self) -> Any:
        self._settle()
        return iter(list(self._items))

    def export(self, path: str | Path | None = None) -> list[dict[str, Any]]:
        """The memory as wire dicts; also written as JSON to ``path`` if given."""
        self._settle()
        data = [m.to_dict() for m in self._items]
        if path is not None:
            Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        return data

    def load(self, source: str | Path | Msg | Iterable[Msg | dict[str, Any]],
             overwrite: bool = False) -> None:
        """Add saved messages: Msg objects, a list of Msgs or wire dicts, a JSON string of
        wire dicts, or the path of a file written by :meth:`export`.

        ``overwrite=True`` replaces what the memory holds; the default appends (AgentScope
        0.x's default). Malformed entries raise ValueError and leave the memory unchanged.
        """
        data: Any = source
        if isinstance(source, Path) or (isinstance(source, str) and _is_file(source)):
            data = json.loads(Path(source).read_text(encoding="utf-8"))
        elif isinstance(source, str):
            try:
                data = json.loads(source)
            except ValueError as exc:
                raise ValueError(
                    f"memory.load: {source[:60]!r} is neither a file nor JSON: {exc}") from exc
        if isinstance(data, (Msg, dict)):
            data = [data]
        if isinstance(data, (str, bytes)) or not isinstance(data, Iterable):
            raise ValueError("memory.load expects Msgs, message dicts, a JSON string of them "
                             f"or a file path, got {type(source).__name__}")
        msgs: list[Msg] = []
        for i, item in enumerate(data):
            if isinstance(item, Placeholder):
                item = item.result()
            if isinstance(item, Msg):
                msgs.append(item)
            elif isinstance(item, dict):
                msgs.append(Msg.from_dict(item))
            else:
                raise ValueError(f"memory.load: item {i} is a {type(item).__name__}, "
                                 "not a Msg or a message dict")
        if overwrite:
            self._items = msgs
        else:
            self._items.extend(msgs)

    def state_dict(self) -> list[dict[str, Any]]:
        return self.export()

    def __repr__(self) -> str:
        return f"ListMemory({len(self._items)} messages)"


def _is_file(text: str) -> bool:
    """A string names a file when it is short, has no newline and the file exists."""
    if len(text) > 4096 or "\n" in text or text.lstrip().startswith(("[", "{")):
        return False
    try:
        return Path(text).is_file()
    except OSError:
        return False
