"""Short-term memory: an ordered list of messages, small enough for millions of agents."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

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
        """Add a message or several; None is ignored, placeholders are resolved first."""
        if msg is None:
            return
        if isinstance(msg, Msg):
            if isinstance(msg, Placeholder):
                value = msg.result()
                if value is None:
                    return
                if isinstance(value, list):  # a reply that was a list of messages
                    self._items.extend(v for v in value if isinstance(v, Msg))
                    return
                msg = value
            self._items.append(msg)  # type: ignore[arg-type]
            return
        for m in msg:  # type: ignore[union-attr]
            self.add(m)

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
