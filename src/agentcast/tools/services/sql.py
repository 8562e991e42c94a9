"""SQL queries: SQLite built in, any SQLAlchemy URL with the ``sql`` extra.

Read-only unless ``allow_change_data=True``, enforced by the database, not by string
matching: SQLite opens the file read-only (``mode=ro``), sets ``query_only`` and installs an
authorizer that refuses writes, ATTACH and pragma changes. Other databases run inside a
transaction marked READ ONLY where the dialect has one, and always rolled back.
Results are capped at ``max_rows`` so a careless SELECT cannot flood the model's context.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Annotated, Any

from agentcast.exceptions import MissingExtraError
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


def _rows_result(columns: list[str], rows: list[Any], max_rows: int) -> dict[str, Any]:
    truncated = len(rows) > max_rows
    return {"columns": columns, "rows": [list(r) for r in rows[:max_rows]],
            "row_count": min(len(rows), max_rows), "truncated": truncated}


def _sqlite_query(database: str, query: str, allow_change_data: bool, max_rows: int) -> Any:
    conn = connect_sqlite(database, allow_change_data=allow_change_data)
    try:
        cur = conn.execute(query)
        if cur.description is None:
            conn.commit()
            return {"rows_affected": cur.rowcount}
        columns = [d[0] for d in cur.description]
        return _rows_result(columns, cur.fetchmany(max_rows + 1), max_rows)
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
) -> ToolResponse:
    """Run one SQL statement on a SQLite database and return the rows.

    Args:
        query: A single SQL statement (SQLite dialect).
    """
    try:
        result = await asyncio.to_thread(_sqlite_query, database, query, allow_change_data,
                                         max_rows)
    except (sqlite3.Error, FileNotFoundError) as exc:
        return ToolResponse.error(_explain_denied(exc, allow_change_data))
    return ToolResponse.success(result)


def _engine(url: str, allow_change_data: bool) -> Any:
    try:
        import sqlalchemy
    except ImportError as exc:
        raise MissingExtraError("sql", "sqlalchemy", "SQL over SQLAlchemy URLs") from exc
    if url.startswith("sqlite") and not allow_change_data:
        database = url.split("///", 1)[1] if "///" in url else ":memory:"
        return sqlalchemy.create_engine(
            "sqlite://", creator=lambda: connect_sqlite(database or ":memory:")
        )
    return sqlalchemy.create_engine(url)


def _sqlalchemy_query(url: str, query: str, allow_change_data: bool, max_rows: int) -> Any:
    import sqlalchemy

    engine = _engine(url, allow_change_data)
    try:
        with engine.connect() as conn:
            dialect = engine.dialect.name
            if not allow_change_data:
                if dialect in ("postgresql", "mysql", "mariadb", "oracle"):
                    conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            result = conn.execute(sqlalchemy.text(query))
            if result.returns_rows:
                columns = list(result.keys())
                out: Any = _rows_result(columns, list(result.fetchmany(max_rows + 1)), max_rows)
            else:
                out = {"rows_affected": result.rowcount}
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
) -> ToolResponse:
    """Run one SQL statement on the configured database and return the rows.

    Args:
        query: A single SQL statement in the database's dialect.
    """
    try:
        result = await asyncio.to_thread(_sqlalchemy_query, url, query, allow_change_data,
                                         max_rows)
    except MissingExtraError:
        raise
    except Exception as exc:  # driver errors vary; the model reads them
        return ToolResponse.error(_explain_denied(exc, allow_change_data))
    return ToolResponse.success(result)


__all__ = ["connect_sqlite", "query_sql", "query_sqlite"]
