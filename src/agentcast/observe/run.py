"""A run: one id, one directory, and the observers (logs, store, monitor, tracing) of it.

``start_run`` subscribes one listener to the hook bus; emitters only emit while someone
listens, so a program that never starts a run pays nothing for observability.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from agentcast import hooks
from agentcast.observe.logging import CHAT, LogSetup, log_chat, parse_level, setup_logging
from agentcast.observe.monitor import BudgetAlert, Monitor
from agentcast.observe.redaction import Redactor

log = logging.getLogger("agentcast.run")

_current: Run | None = None
_last: Run | None = None
_lock = threading.Lock()
_atexit_registered = False


_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def valid_run_id(run_id: Any) -> bool:
    """A run id names a directory under the run dir: letters, digits, ``.``, ``_``, ``-``,
    not starting with a dot and with no ``..`` (so never a path, absolute or relative)."""
    return isinstance(run_id, str) and bool(_RUN_ID.fullmatch(run_id)) and ".." not in run_id


def check_run_id(run_id: Any, field: str = "run_id") -> str:
    """``run_id`` if :func:`valid_run_id`, else a ConfigError naming ``field``."""
    if not valid_run_id(run_id):
        from agentcast.exceptions import ConfigError

        raise ConfigError(f"{field} must be a run id like '20261203-071242-7d2078' (letters, "
                          f"digits, '.', '_', '-'; no path), got {str(run_id)[:80]!r}",
                          field=field)
    return run_id


def new_run_id() -> str:
    """Sortable by start time, unique enough across processes: 20260521-143501-a1b2c3."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + os.urandom(3).hex()


class Run:
    """The observers of one run. Made by ``start_run``; closed by ``end_run``."""

    def __init__(self, run_id: str, name: str | None, directory: Path | None, *,
                 monitor: Monitor,
                 redactor: Redactor, store: Any = None, tracing: Any = None,
                 logs: LogSetup | None = None, chat_log: bool = True) -> None:
        self.id = run_id
        self.name = name
        self.dir = directory
        self.started = time.time()
        self.monitor = monitor
        self.redactor = redactor
        self.store = store
        self.tracing = tracing
        self.logs = logs
        self._chat = logging.getLogger("agentcast.chat") if chat_log else None
        self._n_configs = -1
        self._undo: list[Callable[[], None]] = []
        self.closed = False

    # -- the one hook listener ---------------------------------------------------------------
    def on_event(self, kind: str, data: dict[str, Any]) -> None:
        """Route an event to the observers. "observe" (the busiest kind) costs one append."""
        if kind == "observe":
            if self.store is not None:
                self.store.put(kind, data)
            return
        cost = None
        if kind == "model_call":
            self.refresh_secrets()
            cost = self.monitor.record(data)
        elif kind == "reply":
            err = data.get("error")
            if err is not None:
                log.warning("agent %s failed in call %s: %s: %s", data.get("agent"),
                            data.get("seq_id"), type(err).__name__, err)
            elif self._chat is not None and self._chat.isEnabledFor(CHAT) \
                    and data.get("msg") is not None:
                log_chat(data["msg"], seq_id=data.get("seq_id"), logger=self._chat)
        if self.store is not None:
            self.store.put(kind, data, cost)
        if self.tracing is not None:
            self.tracing.on_event(kind, data, cost)

    def on_close(self, fn: Callable[[], None]) -> None:
        """Call ``fn`` when this run closes (before its store is flushed and closed)."""
        self._undo.append(fn)

    def refresh_secrets(self) -> None:
        """Learn keys from model configs loaded since the last look (cheap when none were)."""
        try:
            from agentcast.models import registry
        except ImportError:  # pragma: no cover - models always exist
            return
        configs = registry._CONFIGS
        if len(configs) != self._n_configs:
            self._n_configs = len(configs)
            self.redactor.add_from_config(list(configs.values()))

    def flush(self) -> None:
        """Commit what the store has queued (read-your-writes for a live run)."""
        if self.store is not None:
            self.store.flush()

    def usage(self) -> dict[str, Any]:
        return self.monitor.usage()

    def close(self, status: str = "finished") -> None:
        if self.closed:
            return
        self.closed = True
        for undo in reversed(self._undo):
            undo()
        if self.tracing is not None:
            self.tracing.shutdown()
        if self.store is not None:
            self.store.close(status)
        log.info("run %s %s%s", self.id, status, f": {self.dir}" if self.dir else "")
        if self.logs is not None:
            self.logs.close()

    def __enter__(self) -> Run:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        end_run("failed" if exc_type is not None else "finished")

    def __repr__(self) -> str:
        return f"Run({self.id!r}, dir={str(self.dir)!r})"


def start_run(
    run_dir: str | Path | None = "runs",
    run_name: str | None = None,
    logger_level: int | str = "INFO",
    save_log: bool = True,
    save_store: bool = True,
    budgets: Any = None,
    prices: Mapping[str, Any] | None = None,
    tracing: Any = None,
    *,
    on_alert: Callable[[BudgetAlert], Any] | None = None,
    token_estimator: Callable[[Sequence[Any]], int] | None = None,
    secrets: Iterable[str] = (),
    console: bool = True,
    console_chat: bool = False,
    chat_log: bool = True,
    config: Mapping[str, Any] | None = None,
    flush_interval: float = 0.05,
    batch_size: int = 500,
    run_id: str | None = None,
) -> Run:
    """Start recording a run (ending the current one, if any).

    ``run_dir=None`` writes nothing to disk (usage, budgets, tracing, terminal logs only).

    ``tracing``: None/False (off), "console", "otlp" or True (OTLP/HTTP, endpoint from the
    standard ``OTEL_EXPORTER_OTLP_*`` variables), an endpoint URL, a dict of OTLP exporter
    arguments, or a SpanExporter. ``budgets``: Budget objects or dicts of their fields.
    ``prices``: {model: (input, output)} in dollars per 1M tokens, over the built-in table.
    ``console_chat``: also print CHAT records in the terminal (agents print their own
    utterances through ``Agent.speak``, so this is off by default to avoid doubles).
    ``secrets``: extra values to redact (configured keys and ``*_API_KEY`` env vars always are).
    """
    global _current, _last, _atexit_registered
    parse_level(logger_level)  # a bad level fails before anything is created
    if run_id is not None:
        check_run_id(run_id)
    end_run()
    rid = run_id or new_run_id()
    directory: Path | None = None
    if run_dir is None:  # nothing on disk: usage, budgets, tracing and terminal logs only
        save_log = save_store = False
    else:
        directory = Path(run_dir) / rid
        directory.mkdir(parents=True, exist_ok=True)
    redactor = Redactor(secrets)
    log_file = directory / "log.jsonl" if directory is not None and save_log else None
    logs = setup_logging(logger_level, log_file=log_file, run_id=rid, console=console,
                         redactor=redactor, show_chat=console_chat)
    try:
        monitor = Monitor(prices, budgets, on_alert=on_alert, token_estimator=token_estimator)
    except BaseException:
        logs.close()
        raise
    run = Run(rid, run_name, directory, monitor=monitor, redactor=redactor, logs=logs,
              chat_log=chat_log and (save_log or console_chat))
    run.refresh_secrets()
    try:
        if save_store and directory is not None:
            from agentcast.observe.store import DB_NAME, RunStore

            run.store = RunStore(directory / DB_NAME, rid, name=run_name, config=config,
                                 redactor=redactor, flush_interval=flush_interval,
                                 batch_size=batch_size, before_batch=run.refresh_secrets)
        if tracing:
            from agentcast.observe.tracing import Tracing

            run.tracing = Tracing(tracing, run_id=rid, redactor=redactor)
    except BaseException:
        run.close("failed")
        raise
    run._undo.append(hooks.subscribe(run.on_event))
    if monitor.budgets:
        run._undo.append(hooks.add_guard(monitor.guard, undo=monitor.release))
    with _lock:
        _current = _last = run
        if not _atexit_registered:
            _atexit_registered = True
            atexit.register(end_run)
    log.info("run %s started%s", rid, f": {directory}" if directory else " (nothing saved)")
    return run


def end_run(status: str = "finished") -> Run | None:
    """Stop recording: flush the store and logs, export open spans. Returns the run ended."""
    global _current
    with _lock:
        run, _current = _current, None
    if run is not None:
        run.close(status)
    return run


def current_run() -> Run | None:
    """The run being recorded, if any."""
    return _current


def last_run() -> Run | None:
    """The current run, or the last one ended (for ``print_usage`` after the fact)."""
    return _current or _last


__all__ = ["Run", "check_run_id", "current_run", "end_run", "last_run", "new_run_id",
           "start_run", "valid_run_id"]
