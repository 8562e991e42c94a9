"""Human input from the browser: a table of pending input requests in the run directory.

The channel between a running application and the studio is a small SQLite file next to
the run store, ``runs/<run_id>/inbox.db``. Why a file and not HTTP: the application needs
no address of the studio, either may start first or restart, both may be on the machine
that holds the run directory with no port open from app to studio, and the request
survives as a record of who asked what and who answered when.

App side: ``web_input()`` installs an input provider for every UserAgent. When one needs a
reply it inserts a row and polls for the answer. UserAgent.reply is a plain ``def`` and
runs in the reply thread pool, so the wait blocks only that agent; every other agent keeps
going. Studio side: the server lists pending rows and writes the answer into the row.
Only pure stdlib here: importing it never pulls in the web stack.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from agentcast import hooks

log = logging.getLogger("agentcast.studio")

INBOX_DB = "inbox.db"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS input_requests (
  id INTEGER PRIMARY KEY, agent TEXT NOT NULL, prompt TEXT, context TEXT,
  created REAL NOT NULL, answered REAL, answer TEXT, url TEXT, status TEXT NOT NULL
);
"""
_COLS = ("id", "agent", "prompt", "context", "created", "answered", "answer", "url", "status")


class Inbox:
    """Pending input requests of one run (``<run directory>/inbox.db``)."""

    def __init__(self, run_path: str | Path) -> None:
        self.path = Path(run_path) / INBOX_DB

    @contextmanager
    def _conn(self, create: bool = True) -> Iterator[sqlite3.Connection]:
        if not create and not self.path.exists():
            raise FileNotFoundError(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(self.path), timeout=10)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=10000")
            conn.executescript(_SCHEMA)
            with conn:
                yield conn
        finally:
            conn.close()

    # --- app side -------------------------------------------------------------------------
    def request(self, agent: str, prompt: str = "", context: Any = None) -> int:
        """Ask for input on behalf of ``agent``; returns the request id."""
        with self._conn() as conn:
            cur = conn.execute(
                "INSERT INTO input_requests (agent, prompt, context, created, status) "
                "VALUES (?,?,?,?, 'pending')",
                (agent, prompt, json.dumps(context, ensure_ascii=False, default=str),
                 time.time()))
            return int(cur.lastrowid or 0)

    def wait(self, req_id: int, timeout: float | None = None,
             poll_interval: float = 0.1) -> dict[str, Any] | None:
        """Block until the request is answered (None on timeout). Call from a thread."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            row = self.get(req_id)
            if row is not None and row["status"] != "pending":
                return row
            if deadline is not None and time.monotonic() >= deadline:
                return None
            time.sleep(poll_interval)

    def cancel(self, req_id: int) -> None:
        with self._conn() as conn:
            conn.execute("UPDATE input_requests SET status='cancelled', answered=? "
                         "WHERE id=? AND status='pending'", (time.time(), req_id))

    # --- studio side ----------------------------------------------------------------------
    def answer(self, req_id: int, text: str, url: str | list[str] | None = None) -> bool:
        """Answer a pending request; False when it is unknown or already answered."""
        with self._conn() as conn:
            cur = conn.execute(
                "UPDATE input_requests SET status='answered', answered=?, answer=?, url=? "
                "WHERE id=? AND status='pending'",
                (time.time(), text, json.dumps(url) if url is not None else None, req_id))
            return cur.rowcount == 1

    def get(self, req_id: int) -> dict[str, Any] | None:
        with self._conn() as conn:
            row = conn.execute(f"SELECT {', '.join(_COLS)} FROM input_requests WHERE id=?",
                               (req_id,)).fetchone()
        return _row(row) if row else None

    def requests(self, status: str | None = "pending") -> list[dict[str, Any]]:
        """Requests (default: the pending ones), oldest first. Never creates the file."""
        if not self.path.exists():
            return []
        sql = f"SELECT {', '.join(_COLS)} FROM input_requests"
        params: tuple[Any, ...] = ()
        if status is not None:
            sql += " WHERE status = ?"
            params = (status,)
        with self._conn() as conn:
            return [_row(r) for r in conn.execute(sql + " ORDER BY id", params).fetchall()]


def _row(row: tuple[Any, ...]) -> dict[str, Any]:
    d = dict(zip(_COLS, row, strict=True))
    for key in ("context", "url"):
        if isinstance(d[key], str):
            try:
                d[key] = json.loads(d[key])
            except ValueError:
                pass
    return d


def _context(x: Any) -> Any:
    """What the person is answering: the last message(s) the UserAgent received."""
    items = x if isinstance(x, list) else [x]
    out = []
    for m in items[-3:]:
        if m is None:
            continue
        out.append({"name": getattr(m, "name", "?"), "content": getattr(m, "content", None),
                    "url": getattr(m, "url", None)})
    return out


class WebInput:
    """The input provider ``web_input`` installs: one inbox row per UserAgent reply.

    ``timeout``: seconds to wait for a person (None: as long as it takes); on timeout the
    reply is ``default`` ("exit" ends the conversation in the usual UserAgent loops).
    """

    def __init__(self, run_path: str | Path, *, timeout: float | None = None,
                 default: str = "exit", poll_interval: float = 0.1) -> None:
        self.inbox = Inbox(run_path)
        self.timeout = timeout
        self.default = default
        self.poll_interval = poll_interval
        self._lock = threading.Lock()

    def __call__(self, agent: Any, x: Any, prompt: str) -> str | tuple[str, Any]:
        name = str(getattr(agent, "name", "User"))
        req_id = self.inbox.request(name, prompt, _context(x))
        if hooks.listeners:
            hooks.emit("agent_event", {"agent": name, "event": "input_requested",
                                       "detail": {"request": req_id, "prompt": prompt}})
        row = self.inbox.wait(req_id, self.timeout, self.poll_interval)
        if row is None or row["status"] != "answered":
            self.inbox.cancel(req_id)
            log.warning("no answer from the studio for %s within %ss; replying %r", name,
                        self.timeout, self.default)
            return self.default
        if hooks.listeners:
            hooks.emit("agent_event", {"agent": name, "event": "input_answered",
                                       "detail": {"request": req_id}})
        text = str(row["answer"] or "")
        return (text, row["url"]) if row["url"] else text

    def close(self) -> None:
        """Give input back to the terminal."""
        from agentcast.agents.user import set_input_provider

        set_input_provider(None)


def web_input(run: Any = None, *, timeout: float | None = None, default: str = "exit",
              poll_interval: float = 0.1) -> WebInput:
    """Answer every UserAgent of this process from the studio page.

    ``run``: an observe ``Run`` or a run directory path (default: the current run, so call
    it after ``ac.init``). Returns the provider; ``provider.close()`` restores the terminal.
    """
    from agentcast.agents.user import set_input_provider

    if run is None:
        from agentcast.observe.run import current_run

        run = current_run()
        if run is None:
            raise RuntimeError("web_input() needs a recorded run: call ac.init(run_dir=...) "
                               "first, or pass the run directory")
    path = Path(run.dir) if hasattr(run, "dir") else Path(run)
    provider = WebInput(path, timeout=timeout, default=default, poll_interval=poll_interval)
    set_input_provider(provider)
    return provider


__all__ = ["INBOX_DB", "Inbox", "WebInput", "web_input"]
