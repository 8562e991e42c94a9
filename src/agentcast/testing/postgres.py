"""A throw-away PostgreSQL server for tests: a real server, not a mock.

Uses the server binaries of the Debian ``postgresql`` package (``/usr/lib/postgresql/*/bin``)
or ``$PG_BIN``. PostgreSQL refuses to run as root, so as root the cluster is created and run
as the ``postgres`` system user. The cluster lives in a temporary directory,
listens on 127.0.0.1 and a unix socket in that directory only, trusts local connections, and
is deleted on ``stop()``::

    with PostgresServer() as pg:
        url = pg.url  # postgresql+psycopg://agentcast@127.0.0.1:PORT/test
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

START_TIMEOUT = 30.0


def _bin_dir() -> Path:
    env = os.environ.get("PG_BIN")
    candidates = [env] if env else sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for c in candidates:
        if c and (Path(c) / "initdb").exists():
            return Path(c)
    raise RuntimeError("PostgreSQL server binaries not found: install the Debian package "
                       "'postgresql' (scripts/test.sh does) or set PG_BIN to their directory")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """Start with ``start()`` (or ``with``); ``url`` is a SQLAlchemy URL for ``database``."""

    def __init__(self, database: str = "test", user: str = "agentcast") -> None:
        self.database, self.user = database, user
        self.port = 0
        self.dir: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{self.database}"

    @staticmethod
    def _as_user() -> dict[str, Any]:
        """Popen arguments that drop root to the postgres system user (PostgreSQL refuses
        to run as root)."""
        if os.geteuid() != 0:
            return {}
        return {"user": "postgres", "group": "postgres", "extra_groups": [],
                "env": {**os.environ, "HOME": "/tmp"}}

    def start(self) -> PostgresServer:
        bin_dir = _bin_dir()
        self.dir = Path(tempfile.mkdtemp(prefix="agentcast-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        data = self.dir / "data"
        subprocess.run([str(bin_dir / "initdb"), "-D", str(data), "-U", self.user,
                        "--auth=trust", "-E", "UTF8", "--no-sync"],
                       check=True, capture_output=True, timeout=120, cwd=self.dir,
                       **self._as_user())
        self.port = _free_port()
        log = open(self.dir / "server.log", "wb")  # closed below, kept by the process
        self._proc = subprocess.Popen(
            [str(bin_dir / "postgres"), "-D", str(data), "-k", str(self.dir),
             "-p", str(self.port), "-h", "127.0.0.1", "-c", "fsync=off",
             "-c", "full_page_writes=off"],
            stdout=log, stderr=subprocess.STDOUT, cwd=self.dir, **self._as_user())
        log.close()
        self._wait_ready()
        self.execute(f'CREATE DATABASE "{self.database}"', database="postgres")
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                break
            try:
                self.execute("SELECT 1", database="postgres")
                return
            except Exception as exc:  # not accepting connections yet
                last = exc
                time.sleep(0.2)
        log = (self.dir / "server.log").read_text(errors="replace") if self.dir else ""
        self.stop()
        raise RuntimeError(f"PostgreSQL did not accept connections within {START_TIMEOUT:g} s "
                           f"({last}); server log:\n{log[-2000:]}")

    def execute(self, sql: str, *, database: str | None = None) -> list[Any]:
        """Run one statement as the superuser (autocommit); returns the rows, if any."""
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=self.user,
                             dbname=database or self.database, autocommit=True,
                             connect_timeout=5) as conn:
            cur = conn.execute(sql.encode())
            return list(cur.fetchall()) if cur.description else []

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


__all__ = ["PostgresServer"]
