"""Short-term memory: an ordered list of messages, small enough for millions of agents."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from agentcast.exceptions import InvalidMessageError
from agentcast.message import Msg, Placeholder


class ListMemory:
    """Messages in arrival order. ``get(recent_n)`` returns copies of the list, not the list."""

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[Msg] | None = None) -> None:
        self._items: list[Msg] = list(items) if items else []

    def add(self, msg: Msg | dict[str, Any] | Iterable[Msg | dict[str, Any]] | None) -> None:
        """Add a message or several; None is ignored, placeholders are resolved first.

        As in AgentScope 0.x, a dict is taken as a message's wire form (``Msg.from_dict``);
        anything else that is not a message raises InvalidMessageError naming the field,
        and a list with one bad item adds nothing.
        """
        if msg is None:
            return
        if isinstance(msg, Msg):
            if isinstance(msg, Placeholder):
                msg = msg.result()  # type: ignore[assignment]
                if msg is None:
                    return
            self._items.append(msg)
            return
        out: list[Msg] = []
        _collect(msg, "msg", out, 0)
        self._items.extend(out)

    def get(self, recent_n: int | None = None, filter_func: Callable[[int, Msg], bool] | None = None
            ) -> list[Msg]:
        items = self._items
        if filter_func is not None:
            items = [m for i, m in enumerate(items) if filter_func(i, m)]
        if recent_n is None:
            return list(items)
        if recent_n <= 0:
            return []
        return list(items[-recent_n:])

    def delete(self, index: int | Iterable[int]) -> None:
        """Delete by position (or positions); out-of-range positions raise IndexError."""
        if isinstance(index, int):
            del self._items[index]
            return
        for i in sorted(set(index), reverse=True):
            del self._items[i]

    def clear(self) -> None:
        self._items.clear()

    def size(self) -> int:
        return len(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Any:
        return iter(list(self._items))

    def export(self, path: str | Path | None = None) -> list[dict[str, Any]]:
        """The memory as wire dicts; also written as JSON to ``path`` if given."""
        data = [m.to_dict() for m in self._items]
        if path is not None:
            Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        return data

    def load(self, source: str | Path | list[dict[str, Any]], overwrite: bool = True) -> None:
        """Load wire dicts (or a JSON file of them); malformed entries raise ValueError."""
        if isinstance(source, (str, Path)):
            source = json.loads(Path(source).read_text(encoding="utf-8"))
        if not isinstance(source, list):
            raise ValueError("memory.load expects a list of message dicts")
        msgs = [Msg.from_dict(d) for d in source]
        if overwrite:
            self._items = msgs
        else:
            self._items.extend(msgs)

    def state_dict(self) -> list[dict[str, Any]]:
        return self.export()

    def __repr__(self) -> str:
        return f"ListMemory({len(self._items)} messages)"


def _as_msg(item: Any, where: str) -> Msg | None:
    """One memory item as a Msg (None for a reply that was None)."""
    if isinstance(item, Placeholder):
        return item.result()
    if isinstance(item, Msg):
        return item
    if isinstance(item, dict):
        try:
            return Msg.from_dict(item)
        except InvalidMessageError as exc:
            raise InvalidMessageError(f"memory.add: {where} is not a message: {exc}",
                                      field=exc.field) from exc
    raise InvalidMessageError(
        f"memory.add: {where} must be a Msg, a Msg wire dict or a list of them, "
        f"got {type(item).__name__}", field=where)


def _collect(items: Any, where: str, out: list[Msg], depth: int) -> None:
    if isinstance(items, (Msg, dict)):
        one = _as_msg(items, where)
        if one is not None:
            out.append(one)
        return
    if items is None:
        return
    if isinstance(items, (str, bytes)) or not isinstance(items, Iterable) or depth > 10:
        raise InvalidMessageError(
            f"memory.add: {where} must be a Msg, a Msg wire dict or a list of them, "
            f"got {type(items).__name__}", field=where)
    for i, item in enumerate(items):
        _collect(item, f"{where}[{i}]", out, depth + 1)
