"""SQL tools bounded in time and size, and read-only against a real PostgreSQL server.

The PostgreSQL tests start a throw-away server (agentcast.testing.postgres; the Debian
``postgresql`` package that scripts/test.sh installs). If it cannot start, they fail.
"""

from __future__ import annotations

import sqlite3
import time

import pytest

from agentcast.exceptions import ToolExecutionError
from agentcast.tools.services.sql import query_sql, query_sqlite

pytest.importorskip("sqlalchemy")

ENDLESS_CTE = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
               "SELECT count(*) FROM c")


@pytest.fixture(scope="module")
def pg():
    from agentcast.testing.postgres import PostgresServer

    with PostgresServer() as server:
        for sql in (
            "CREATE TABLE t (id int PRIMARY KEY, name text)",
            "INSERT INTO t SELECT i, 'row' || i FROM generate_series(1, 5) i",
            "CREATE TABLE audit (what text)",
            "CREATE SEQUENCE s",
            "CREATE FUNCTION evil() RETURNS int LANGUAGE sql AS "
            "$$ INSERT INTO audit VALUES ('pwned'); DELETE FROM t; SELECT 1 $$",
        ):
            server.execute(sql)
        yield server


async def _refused(sql: str, url: str) -> str:
    try:
        r = await query_sql(sql, url=url)
    except ToolExecutionError as exc:
        return str(exc)
    assert not r.ok, (sql, r.content)
    return str(r.content)


WRITES = [
    "COMMIT; DROP TABLE t",
    "SELECT 1; DROP TABLE t",
    "; DROP TABLE t",
    "ROLLBACK; DROP TABLE t",
    "END; DELETE FROM t",
    "COMMIT AND CHAIN; DROP TABLE t",
    "BEGIN; DROP TABLE t; COMMIT;",
    "BEGIN READ WRITE; DELETE FROM t; COMMIT",
    "SET TRANSACTION READ WRITE",
    "SET TRANSACTION READ WRITE; DROP TABLE t",
    "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE; DROP TABLE t",
    "SET default_transaction_read_only = off; COMMIT; DROP TABLE t",
    "SELECT set_config('transaction_read_only', 'off', false)",
    "SELECT evil()",
    "SELECT nextval('s')",
    "DO $$ BEGIN DROP TABLE t; END $$",
    "DROP TABLE t",
    "DELETE FROM t",
    "CREATE TABLE x (a int)",
    "WITH d AS (DELETE FROM t RETURNING *) SELECT count(*) FROM d",
]


@pytest.mark.parametrize("sql", WRITES)
async def test_postgres_read_only_holds_against_multi_statement_strings(pg, sql):
    await _refused(sql, pg.url)
    assert pg.execute("SELECT count(*) FROM t") == [(5,)]
    assert pg.execute("SELECT count(*) FROM audit") == [(0,)]
    assert pg.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'x'") == [(0,)]
    assert pg.execute("SELECT last_value, is_called FROM s") == [(1, False)]


async def test_postgres_reads_and_allowed_writes(pg):
    r = await query_sql("SELECT id, name FROM t WHERE id <= 2 ORDER BY id", url=pg.url)
    assert r.content["rows"] == [[1, "row1"], [2, "row2"]]
    r = await query_sql("SELECT '100%' AS p", url=pg.url)  # a literal % is not a placeholder
    assert r.content["rows"] == [["100%"]]
    r = await query_sql("INSERT INTO audit VALUES ('ok')", url=pg.url, allow_change_data=True)
    assert r.ok
    assert pg.execute("SELECT what FROM audit") == [("ok",)]
    pg.execute("DELETE FROM audit")


@pytest.mark.parametrize("sql", ["SELECT pg_sleep(30)", ENDLESS_CTE])
async def test_postgres_statement_timeout(pg, sql):
    started = time.monotonic()
    with pytest.raises(ToolExecutionError, match="longer than 1 s"):
        await query_sql(sql, url=pg.url, timeout=1)
    assert time.monotonic() - started < 10


async def test_postgres_byte_caps(pg):
    r = await query_sql("SELECT repeat('x', 40000000) AS big", url=pg.url)
    cell = r.content["rows"][0][0]
    assert len(cell) < 2_100 and cell.endswith("[cell truncated: 40000000 characters]")
    r = await query_sql("SELECT repeat('y', 1000) FROM generate_series(1, 100)", url=pg.url)
    assert r.content["truncated"] and r.content["row_count"] < 60
    assert len(str(r.content)) < 60_000 and "text limit" in r.content["note"]


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "t.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    conn.close()
    return str(path)


async def test_sqlite_endless_query_is_stopped(db):
    for call in (lambda: query_sqlite(ENDLESS_CTE, database=db, timeout=1),
                 lambda: query_sqlite(ENDLESS_CTE, database=db, timeout=1,
                                      allow_change_data=True),
                 lambda: query_sql(ENDLESS_CTE, url=f"sqlite:///{db}", timeout=1)):
        started = time.monotonic()
        with pytest.raises(ToolExecutionError, match="longer than 1 s"):
            await call()
        assert time.monotonic() - started < 10


async def test_sqlite_byte_caps(db):
    r = await query_sqlite("SELECT printf('%.*c', 40000000, 'x') AS big, zeroblob(40000000)",
                           database=db)
    text_cell, blob_cell = r.content["rows"][0]
    assert len(text_cell) < 2_100 and text_cell.endswith("[cell truncated: 40000000 characters]")
    assert blob_cell == "<binary: 40000000 bytes, not shown>"
    r = await query_sqlite("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                           "LIMIT 100) SELECT printf('%.*c', 1000, 'y') FROM c", database=db)
    assert r.content["truncated"] and len(str(r.content)) < 60_000
    r = await query_sql("SELECT printf('%.*c', 40000000, 'x')", url=f"sqlite:///{db}")
    assert len(r.content["rows"][0][0]) < 2_100
