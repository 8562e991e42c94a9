"""Starting and stopping the durable run of this process (``ac.init(durable=True)``)."""


from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from agentcast import hooks
from agentcast.durable.journal import Journal
from agentcast.durable.replay import Durable

RESUME_ENV = "AGENTCAST_RESUME"


def start(run: Any, *, resume: bool, seed: int | None = None, in_flight: str = "stop",
          fsync: bool = False, url: str | None = None) -> Durable:
    """Open the journal of ``run`` and route calls through it: in the run directory, or in
    the PostgreSQL database at ``url`` (``postgresql://...``), where another machine can
    resume the run."""
    from agentcast.exceptions import ConfigError
    from agentcast.observe.store import DB_NAME

    if run is None or run.dir is None:
        raise ConfigError("durable runs need a run directory: pass run_dir= (not None) to "
                          "ac.init", field="run_dir")
    directory = Path(run.dir)
    journal: Any
    if url is not None:
        if not url.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
            raise ConfigError(f"durable_url must be a postgresql:// URL, got {url[:40]!r}",
                              field="durable_url")
        from agentcast.durable.pg_journal import PgJournal

        if resume and not PgJournal.exists(url, run.id):
            raise ConfigError(f"there is no durable record of run {run.id!r} in the "
                              "database at durable_url", field="resume")
        stop()
        journal = PgJournal(url, run.id, directory, seed=seed)
    else:
        if resume and not Journal.exists(directory):
            raise ConfigError(f"there is no durable record of run {run.id!r} in {directory}: "
                              "check the run id and run_dir", field="resume")
        stop()
        journal = Journal(directory, run.id, seed=seed, fsync=fsync)
    if resume:
        journal.mirror(directory / DB_NAME)
    durable = Durable(journal, in_flight=in_flight)
    hooks.durable = durable
    run.on_close(stop)
    return durable


def check_resumable(run_dir: str | Path, run_id: str) -> None:
    """Refuse, before anything is created, to resume a run the run dir holds no record of."""
    from agentcast.exceptions import ConfigError

    directory = Path(run_dir) / run_id
    if not Journal.exists(directory):
        raise ConfigError(f"there is no durable record of run {run_id!r} in {directory}: "
                          "check the run id and run_dir", field="resume")


def stop(drain_timeout: float = 30.0) -> None:
    """Stop journaling (the run ended, or a new one starts). Calls already sent are finished
    first (bounded by ``drain_timeout``), so none of them runs later against another record."""
    durable = hooks.durable
    if durable is None:
        return
    import asyncio

    from agentcast.runtime.actor import wait_all

    try:
        asyncio.get_running_loop()
    except RuntimeError:  # a plain thread: finish this run's calls under its own journal
        wait_all(drain_timeout)
    hooks.durable = None
    durable.close()
    from agentcast.observe.store import DB_NAME

    journal = durable.journal
    try:
        journal.mirror(journal.dir / DB_NAME)
    except Exception as exc:  # the journal itself is complete; only the copy failed
        import logging

        logging.getLogger("agentcast.durable").warning(
            "could not copy the journal into the run store: %s", exc)


def active() -> Durable | None:
    """The durable run in progress, if any."""
    d: Durable | None = hooks.durable
    return d


def resume_from_env() -> str | None:
    """The run id ``agentcast resume`` asked for, if this process was started by it."""
    return os.environ.get(RESUME_ENV) or None


__all__ = ["RESUME_ENV", "active", "check_resumable", "resume_from_env", "start", "stop"]
