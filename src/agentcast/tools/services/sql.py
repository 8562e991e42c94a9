"""SQL queries: SQLite built in, any SQLAlchemy URL with the ``sql`` extra.

Read-only unless ``allow_change_data=True``, enforced by the database, not by string
matching: SQLite opens the file read-only (``mode=ro``), sets ``query_only`` and installs an
authorizer that refuses writes, ATTACH and pragma changes. Other databases run inside a
transaction marked READ ONLY where the dialect has one, and always rolled back.

Every query is bounded in time and in size. SQLite runs a progress handler that interrupts
a statement past ``timeout`` seconds (an endless recursive CTE included); PostgreSQL gets
``SET LOCAL statement_timeout``; MySQL/MariaDB ``SET SESSION MAX_EXECUTION_TIME`` (which
MySQL applies to SELECT only). Results are capped at ``max_rows`` rows, each cell at
``max_cell_chars`` characters (binary cells longer than that are shown by size only) and the
whole result at ``max_result_chars``, so neither a careless SELECT nor one huge cell can
flood the model's context.

PostgreSQL read-only holds against multi-statement strings (``COMMIT; DROP TABLE t``): the
query is sent with the extended query protocol, which runs exactly one statement, inside a
``READ ONLY`` transaction that is always rolled back, so neither a second statement nor
``SET TRANSACTION READ WRITE`` nor a writing function can change data. With MySQL, keep the
driver's multi-statement flag off (the default of PyMySQL and mysqlclient). Read-only is a
second line: give the tool a database role that may only read.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path
from typing import Annotated, Any

from agentcast.exceptions import MissingExtraError, ToolExecutionError
from agentcast.tools.response import ToolResponse
from agentcast.tools.schema import Hidden

_READ_ACTIONS = {
    sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION,
    getattr(sqlite3, "SQLITE_RECURSIVE", 33),
}
# pragmas that take an argument only to say what to describe (everything else with an
# argument sets a value, and is refused)
_DESCRIBE_PRAGMAS = {"table_info", "table_xinfo", "table_list", "index_list", "index_info",
                     "index_xinfo", "foreign_key_list", "integrity_check", "quick_check"}


def _read_only_authorizer(action: int, arg1: str | None, arg2: str | None,
                          db: str | None, trigger: str | None) -> int:
    if action in _READ_ACTIONS:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA and (
            arg2 is None or (arg1 or "").lower() in _DESCRIBE_PRAGMAS):
        return sqlite3.SQLITE_OK  # reading a pragma; mode=ro and query_only still apply
    if action == sqlite3.SQLITE_TRANSACTION:
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


def connect_sqlite(database: str, *, allow_change_data: bool = False) -> sqlite3.Connection:
    """Open a SQLite database; read-only ones are enforced by SQLite itself."""
    if database == ":memory:":
        conn = sqlite3.connect(":memory:", check_same_thread=False)
    elif allow_change_data:
        conn = sqlite3.connect(database, check_same_thread=False)
    else:
        if not Path(database).exists():
            raise FileNotFoundError(f"database {database!r} does not exist")
        uri = Path(database).resolve().as_uri() + "?mode=ro"
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
    if not allow_change_data:
        conn.execute("PRAGMA query_only = ON")
        conn.set_authorizer(_read_only_authorizer)
    return conn


DEFAULT_TIMEOUT = 10.0  # seconds per query
MAX_CELL_CHARS = 2_000
MAX_RESULT_CHARS = 50_000


def _cell(value: Any, max_cell_chars: int) -> Any:
    """A cell as the model sees it: long text cut with a note, long binary by size only."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        size = len(bytes(value))
        return value if size <= max_cell_chars else f"<binary: {size} bytes, not shown>"
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    text = value if isinstance(value, str) else str(value)
    if len(text) > max_cell_chars:
        return text[:max_cell_chars] + f"... [cell truncated: {len(text)} characters]"
    return value


def _rows_result(columns: list[str], rows: Any, max_rows: int,
                 max_cell_chars: int = MAX_CELL_CHARS,
                 max_result_chars: int = MAX_RESULT_CHARS) -> dict[str, Any]:
    """At most ``max_rows`` rows whose text adds up to at most ``max_result_chars``."""
    out: list[list[Any]] = []
    used = sum(len(c) for c in columns)
    truncated = False
    for row in rows:
        if len(out) >= max_rows:
            truncated = True
            break
        cells = [_cell(v, max_cell_chars) for v in row]
        used += sum(len(str(c)) + 4 for c in cells)
        if used > max_result_chars:
            truncated = True
            break
        out.append(cells)
    result = {"columns": columns, "rows": out, "row_count": len(out), "truncated": truncated}
    if truncated and len(out) < max_rows:
        result["note"] = (f"result cut at {len(out)} rows: the text limit is "
                          f"{max_result_chars} characters; select fewer or narrower columns")
    return result


def _timed_out(timeout: float) -> ToolExecutionError:
    return ToolExecutionError(f"the query ran longer than {timeout:g} s and was stopped; make it "
                              "cheaper (a LIMIT, an index, no unbounded recursion)")


def _sqlite_query(database: str, query: str, allow_change_data: bool, max_rows: int,
                  timeout: float = DEFAULT_TIMEOUT, max_cell_chars: int = MAX_CELL_CHARS,
                  max_result_chars: int = MAX_RESULT_CHARS) -> Any:
    conn = connect_sqlite(database, allow_change_data=allow_change_data)
    deadline = time.monotonic() + timeout
    conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    try:
        cur = conn.execute(query)
        if cur.description is None:
            conn.commit()
            return {"rows_affected": cur.rowcount}
        columns = [d[0] for d in cur.description]
        return _rows_result(columns, iter(cur.fetchone, None), max_rows, max_cell_chars,
                            max_result_chars)
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc) and time.monotonic() > deadline:
            raise _timed_out(timeout) from None
        raise
    finally:
        conn.close()


def _explain_denied(exc: Exception, allow_change_data: bool) -> str:
    text = str(exc)
    if not allow_change_data and ("not authorized" in text or "readonly" in text
                                  or "read-only" in text or "query_only" in text):
        return f"{text}: this database is read-only for you; only queries that read are allowed"
    return f"{type(exc).__name__}: {text}"


async def query_sqlite(
    query: str,
    database: Annotated[str, Hidden] = ":memory:",
    allow_change_data: Annotated[bool, Hidden] = False,
    max_rows: Annotated[int, Hidden] = 100,
    timeout: Annotated[float, Hidden] = DEFAULT_TIMEOUT,
    max_cell_chars: Annotated[int, Hidden] = MAX_CELL_CHARS,
    max_result_chars: Annotated[int, Hidden] = MAX_RESULT_CHARS,
) -> ToolResponse:
    """Run one SQL statement on a SQLite database and return the rows.

    Args:
        query: A single SQL statement (SQLite dialect).
    """
    try:
        result = await asyncio.to_thread(_sqlite_query, database, query, allow_change_data,
                                         max_rows, timeout, max_cell_chars, max_result_chars)
    except (sqlite3.Error, FileNotFoundError) as exc:
        return ToolResponse.error(_explain_denied(exc, allow_change_data))
    return ToolResponse.success(result)


def _engine(url: str, allow_change_data: bool) -> Any:
    try:
        import sqlalchemy
    except ImportError as exc:
        raise MissingExtraError("sql", "sqlalchemy", "SQL over SQLAlchemy URLs") from exc
    parsed = sqlalchemy.engine.make_url(url)
    if parsed.get_backend_name() == "postgresql":
        # only psycopg (3) can send a query with the extended protocol (one statement at a
        # time); other drivers would let "COMMIT; DROP TABLE t" through
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        if parsed.drivername != "postgresql+psycopg" and not allow_change_data:
            raise ToolExecutionError(
                f"read-only PostgreSQL needs the psycopg driver (postgresql+psycopg://...), not "
                f"{parsed.drivername!r}: other drivers run several statements from one string; "
                "install agentcast[sql]")
        return sqlalchemy.create_engine(parsed)
    if url.startswith("sqlite") and not allow_change_data:
        database = url.split("///", 1)[1] if "///" in url else ":memory:"
        return sqlalchemy.create_engine(
            "sqlite://", creator=lambda: connect_sqlite(database or ":memory:")
        )
    return sqlalchemy.create_engine(url)


def _postgres_execute(conn: Any, query: str, max_rows: int, max_cell_chars: int,
                      max_result_chars: int) -> dict[str, Any]:
    """Run ``query`` as one prepared statement: the extended query protocol carries exactly
    one statement, so the server refuses "COMMIT; DROP TABLE t" before running any of it."""
    raw = conn.connection.driver_connection
    with raw.cursor() as cur:
        cur.execute(query.encode(), prepare=True)
        if cur.description is None:
            return {"rows_affected": cur.rowcount}
        columns = [d.name for d in cur.description]
        return _rows_result(columns, iter(cur.fetchone, None), max_rows, max_cell_chars,
                            max_result_chars)


def _sqlalchemy_query(url: str, query: str, allow_change_data: bool, max_rows: int,
                      timeout: float = DEFAULT_TIMEOUT, max_cell_chars: int = MAX_CELL_CHARS,
                      max_result_chars: int = MAX_RESULT_CHARS) -> Any:
    import sqlalchemy

    engine = _engine(url, allow_change_data)
    ms = max(1, int(timeout * 1000))
    try:
        with engine.connect() as conn:
            dialect = engine.dialect.name
            deadline = time.monotonic() + timeout
            if dialect == "sqlite":
                raw = conn.connection.driver_connection
                raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
            if dialect == "postgresql":
                if not allow_change_data:
                    conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                conn.exec_driver_sql(f"SET LOCAL statement_timeout = {ms}")
                if not allow_change_data:  # after a first query, READ WRITE can't be set
                    conn.exec_driver_sql("SELECT 1")
            elif dialect in ("mysql", "mariadb"):
                if not allow_change_data:
                    conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                conn.exec_driver_sql(f"SET SESSION MAX_EXECUTION_TIME = {ms}")
            elif dialect == "oracle" and not allow_change_data:
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            try:
                if dialect == "postgresql":
                    out: Any = _postgres_execute(conn, query, max_rows, max_cell_chars,
                                                 max_result_chars)
                else:
                    result = conn.execute(sqlalchemy.text(query))
                    if result.returns_rows:
                        columns = list(result.keys())
                        out = _rows_result(columns, iter(result.fetchone, None), max_rows,
                                           max_cell_chars, max_result_chars)
                    else:
                        out = {"rows_affected": result.rowcount}
            except Exception as exc:  # the driver's own error (raw cursor) or SQLAlchemy's
                text = str(getattr(exc, "orig", None) or exc).lower()
                if time.monotonic() >= deadline - 0.05 and ("timeout" in text or "cancel" in text
                                                    or "interrupt" in text
                                                    or "maximum statement execution time"
                                                    in text):
                    raise _timed_out(timeout) from None
                raise
            if allow_change_data:
                conn.commit()
            else:
                conn.rollback()
            return out
    finally:
        engine.dispose()


async def query_sql(
    query: str,
    url: Annotated[str, Hidden] = "sqlite://",
    allow_change_data: Annotated[bool, Hidden] = False,
    max_rows: Annotated[int, Hidden] = 100,
    timeout: Annotated[float, Hidden] = DEFAULT_TIMEOUT,
    max_cell_chars: Annotated[int, Hidden] = MAX_CELL_CHARS,
    max_result_chars: Annotated[int, Hidden] = MAX_RESULT_CHARS,
) -> ToolResponse:
    """Run one SQL statement on the configured database and return the rows.

    Args:
        query: A single SQL statement in the database's dialect.
    """
    try:
        result = await asyncio.to_thread(_sqlalchemy_query, url, query, allow_change_data,
                                         max_rows, timeout, max_cell_chars, max_result_chars)
    except (MissingExtraError, ToolExecutionError):
        raise
    except Exception as exc:  # driver errors vary; the model reads them
        return ToolResponse.error(_explain_denied(exc, allow_change_data))
    return ToolResponse.success(result)


__all__ = ["DEFAULT_TIMEOUT", "MAX_CELL_CHARS", "MAX_RESULT_CHARS", "connect_sqlite", "query_sql",
           "query_sqlite"]
