"""Signs of life while a model call runs: a spinner with the agent's name and the elapsed
time in the terminal (one line per waiting agent), for calls that are not streamed live.

On only where a person watches: a terminal console, output not quieted, and
``settings["progress"]`` not False (``None``, the default, means "when stdout is a
terminal"; tests are not, so they see nothing unless they ask). Studio and monitors get the
same moments as ``model_event`` events ("thinking" / "thinking_done", from the model layer).
"""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

_ids = itertools.count(1)


class ProgressBoard:
    """One live display for every agent waiting on its model (rich allows one at a time)."""

    def __init__(self) -> None:
        self._waiting: dict[int, tuple[str, float, Any]] = {}
        self._live: Any = None
        self._lock = threading.Lock()

    def start(self, name: str, console: Any) -> int:
        from rich.spinner import Spinner

        token = next(_ids)
        with self._lock:
            self._waiting[token] = (name, time.monotonic(), Spinner("dots"))
            if self._live is None:
                from rich.live import Live

                self._live = Live(self, console=console, refresh_per_second=4,
                                  transient=True)
                self._live.start()
        return token

    def stop(self, token: int) -> None:
        with self._lock:
            self._waiting.pop(token, None)
            live = self._live if not self._waiting else None
            if live is not None:
                self._live = None
        if live is not None:
            live.stop()

    def __rich__(self) -> Any:
        from rich.table import Table
        from rich.text import Text

        from agentcast.agents.base import agent_style

        grid = Table.grid(padding=(0, 1))
        now = time.monotonic()
        with self._lock:
            rows = list(self._waiting.values())
        for name, started, spinner in rows:
            colour, icon = agent_style(name)
            spinner.text = Text.assemble(f"{icon} ", (name, f"bold {colour}"),
                                         f" thinking… {now - started:.0f} s", style="")
            grid.add_row(spinner)
        return grid


board = ProgressBoard()


def progress_wanted(setting: Any, console: Any) -> bool:
    """Whether to show the spinner: asked for, or (by default) on a terminal."""
    if setting is False:
        return False
    return bool(setting) or bool(getattr(console, "is_terminal", False))


__all__ = ["ProgressBoard", "board", "progress_wanted"]
