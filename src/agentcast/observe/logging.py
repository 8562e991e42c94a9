"""Logging: a CHAT level for agent utterances, a coloured terminal view, JSON-lines files.

Records go through a ``QueueHandler``: the calling thread (an agent) only builds a record and
enqueues it; a listener thread formats, redacts, prints and writes. So logging never does I/O
on the per-message path, and every sink sees redacted text.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import queue
import sys
import threading
import time
from pathlib import Path
from typing import Any

from agentcast.observe.redaction import RedactFilter, Redactor, default_redactor

CHAT = 25  # between INFO (20) and WARNING (30): what agents say
logging.addLevelName(CHAT, "CHAT")

LOGGER_NAME = "agentcast"
CHAT_LOGGER_NAME = "agentcast.chat"

_COLOURS = ("cyan", "magenta", "green", "yellow", "blue", "bright_red", "bright_cyan",
            "bright_magenta", "bright_green", "bright_yellow", "bright_blue", "red")
_ICONS = ("🤖", "🦊", "🐼", "🦉", "🐙", "🦄", "🐝", "🐳", "🦁", "🐢", "🐧", "🦜")
_RESERVED = frozenset(vars(logging.LogRecord("x", 0, "", 0, "", None, None))) | {"message",
                                                                                  "asctime"}


def parse_level(level: int | str) -> int:
    """``"CHAT"``, ``"info"``, ``20`` -> a logging level number."""
    if isinstance(level, int):
        return level
    name = level.strip().upper()
    if name == "CHAT":
        return CHAT
    value = logging.getLevelName(name)
    if not isinstance(value, int):
        from agentcast.exceptions import ConfigError

        raise ConfigError(
            f"logger_level {level!r} is not a level; use DEBUG, INFO, CHAT, WARNING or ERROR",
            field="logger_level",
        )
    return value


def content_text(content: Any) -> str:
    """Message content as one line of text for humans and logs."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    try:
        return json.dumps(content, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(content)


class _Text:
    """Content that becomes text only when a handler (off the agent's thread) formats it."""

    __slots__ = ("content",)

    def __init__(self, content: Any) -> None:
        self.content = content

    def __str__(self) -> str:
        return content_text(self.content)


def log_chat(msg: Any, *, seq_id: str | None = None, logger: logging.Logger | None = None) -> None:
    """Log what an agent said at the CHAT level (structured: agent, content, url, seq_id).

    Cheap for the caller: no caller lookup, no formatting; handlers format in their thread.
    """
    log = logger or logging.getLogger(CHAT_LOGGER_NAME)
    if not log.isEnabledFor(CHAT):
        return
    name = getattr(msg, "name", "?")
    content = getattr(msg, "content", msg)
    record = logging.LogRecord(log.name, CHAT, "", 0, "%s: %s", (name, _Text(content)), None)
    record.agent = name
    record.content = content
    record.url = getattr(msg, "url", None)
    record.seq_id = seq_id
    record.role = getattr(msg, "role", None)
    record.msg_id = getattr(msg, "id", None)
    log.handle(record)


class _QueueHandler(logging.handlers.QueueHandler):
    """Enqueue the record itself: formatting and redaction happen in the listener thread."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record


class ChatConsoleHandler(logging.Handler):
    """Prints CHAT records as ``<icon> name: content`` in a colour per agent (rich).

    Other records print as ``LEVEL message`` to stderr, so a program's own output (and the
    conversation) on stdout is never interleaved with diagnostics; ``stream`` sends both to
    one stream. rich is imported on first use. Agents print their own utterances
    (``Agent.speak``), so by default CHAT records are left to them (``show_chat=False``) and
    only reach the JSON-lines file; turn it on for code that logs chat without speaking.
    """

    def __init__(self, level: int = logging.NOTSET, *, stream: Any = None,
                 show_chat: bool = True) -> None:
        super().__init__(level)
        self._stream = stream
        self.show_chat = show_chat
        self._console: Any = None
        self._diag: Any = None  # the console for records other than CHAT (stderr)
        self._styles: dict[str, tuple[str, str]] = {}

    def style_for(self, agent: str) -> tuple[str, str]:
        """(colour, icon) for an agent: assigned in order of first appearance, then stable."""
        style = self._styles.get(agent)
        if style is None:
            try:  # the same colour and icon as Agent.speak and the studio use
                from agentcast.agents.base import agent_style

                style = self._styles[agent] = agent_style(agent)
                return style
            except ImportError:
                pass
            n = len(self._styles)
            style = self._styles[agent] = (_COLOURS[n % len(_COLOURS)], _ICONS[n % len(_ICONS)])
        return style

    def _get_console(self, chat: bool = True) -> Any:
        # today's stdout/stderr: they may have been replaced (capture, redirection)
        stream = self._stream or (sys.stdout if chat else sys.stderr)
        console = self._console if chat else self._diag
        if console is None or console.file is not stream:
            try:
                from rich.console import Console
            except ImportError as exc:  # rich is a core dependency, but be explicit
                from agentcast.exceptions import MissingExtraError

                raise MissingExtraError("all", "rich", "the coloured terminal log") from exc
            console = Console(file=stream, soft_wrap=True, highlight=False)
            if chat:
                self._console = console
            else:
                self._diag = console
        return console

    def emit(self, record: logging.LogRecord) -> None:
        try:
            from rich.markup import escape

            agent = getattr(record, "agent", None)
            console = self._get_console(record.levelno == CHAT and agent is not None)
            if record.levelno == CHAT and agent is not None:
                if not self.show_chat:
                    return
                colour, icon = self.style_for(str(agent))
                text = content_text(getattr(record, "content", ""))
                line = f"{icon} [bold {colour}]{escape(str(agent))}[/]: {escape(text)}"
                url = getattr(record, "url", None)
                if url:
                    urls = url if isinstance(url, list) else [url]
                    line += "".join(f"\n   📎 {escape(str(u))}" for u in urls)
                console.print(line)
            else:
                colour = {"WARNING": "yellow", "ERROR": "red", "CRITICAL": "bold red"}.get(
                    record.levelname, "dim")
                console.print(f"[{colour}]{record.levelname:<7}[/] {escape(record.getMessage())}")
        except Exception:  # a broken terminal must not stop the run
            self.handleError(record)


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, run_id and any extra fields."""

    def __init__(self, run_id: str | None = None) -> None:
        super().__init__()
        self.run_id = run_id

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": record.created,
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if self.run_id:
            out["run_id"] = self.run_id
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_") and value is not None:
                out[key] = value
        if record.exc_text:
            out["exception"] = record.exc_text
        return json.dumps(out, ensure_ascii=False, default=str)


class LogSetup:
    """What ``setup_logging`` installed; ``close()`` flushes and removes it again."""

    def __init__(self, logger: logging.Logger, handler: logging.Handler,
                 listener: logging.handlers.QueueListener, handlers: list[logging.Handler],
                 old_level: int, old_propagate: bool) -> None:
        self.logger = logger
        self.handler = handler
        self.listener = listener
        self.handlers = handlers
        self._old = (old_level, old_propagate)
        self._closed = False
        self._lock = threading.Lock()

    @property
    def console(self) -> ChatConsoleHandler | None:
        return next((h for h in self.handlers if isinstance(h, ChatConsoleHandler)), None)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self.logger.removeHandler(self.handler)
        self.listener.stop()  # drains what is queued
        for h in self.handlers:
            h.close()
        self.logger.setLevel(self._old[0])
        self.logger.propagate = self._old[1]


def setup_logging(
    level: int | str = "INFO",
    *,
    log_file: str | Path | None = None,
    run_id: str | None = None,
    console: bool = True,
    redactor: Redactor | None = None,
    stream: Any = None,
    show_chat: bool = False,
) -> LogSetup:
    """Route the ``agentcast`` loggers to the terminal and/or a JSON-lines file, redacted."""
    level_no = parse_level(level)  # first: a bad level must not leave handlers behind
    redactor = redactor or default_redactor()
    logger = logging.getLogger(LOGGER_NAME)
    handlers: list[logging.Handler] = []
    redact = RedactFilter(redactor)
    if console:
        ch = ChatConsoleHandler(stream=stream, show_chat=show_chat)
        ch.addFilter(redact)
        handlers.append(ch)
    if log_file is not None:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        fh = logging.FileHandler(log_file, encoding="utf-8")
        fh.setFormatter(JsonLinesFormatter(run_id))
        fh.addFilter(redact)
        handlers.append(fh)
    q: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    qh = _QueueHandler(q)
    listener = logging.handlers.QueueListener(q, *handlers, respect_handler_level=True)
    listener.start()
    setup = LogSetup(logger, qh, listener, handlers, logger.level, logger.propagate)
    logger.addHandler(qh)
    logger.setLevel(level_no)
    if console:
        logger.propagate = False  # we print it ourselves; avoid duplicates via the root logger
    return setup


__all__ = ["CHAT", "ChatConsoleHandler", "JsonLinesFormatter", "LogSetup", "content_text",
           "log_chat", "parse_level", "setup_logging"]
