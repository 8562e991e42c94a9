"""File tools stay inside their workspace; SQL is read-only unless allowed, by the engine."""

from __future__ import annotations

import os
import sqlite3

import pytest

from agentcast.exceptions import ToolExecutionError
from agentcast.models.base import ToolCall
from agentcast.tools import Toolkit
from agentcast.tools.services import files
from agentcast.tools.services.files import add_file_tools, resolve_in_workspace
from agentcast.tools.services.sql import query_sql, query_sqlite


@pytest.fixture
def ws(tmp_path):
    root = tmp_path / "ws"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("top secret")
    return root


def kit(ws) -> Toolkit:
    tk = Toolkit()
    add_file_tools(tk, ws)
    return tk


async def run(tk, name, **args):
    return await tk.call(ToolCall("c", name, args))


async def test_file_operations_round_trip(ws):
    tk = kit(ws)
    for schema in tk.schemas():
        assert "workspace" not in schema["function"]["parameters"]["properties"]
    assert (await run(tk, "create_file", path="notes/a.txt", content="one")).ok
    assert not (await run(tk, "create_file", path="notes/a.txt")).ok  # exists
    assert (await run(tk, "write_text_file", path="notes/a.txt", content=" two", append=True)).ok
    assert (await run(tk, "read_text_file", path="notes/a.txt")).content == "one two"
    assert (await run(tk, "write_json_file", path="d.json", data={"k": [1, 2]})).ok
    assert (await run(tk, "read_json_file", path="d.json")).content == {"k": [1, 2]}
    assert (await run(tk, "move_file", source="notes/a.txt", destination="b.txt")).ok
    assert (await run(tk, "create_directory", path="empty")).ok
    assert (await run(tk, "list_directory")).content == ["b.txt", "d.json", "empty/", "notes/"]
    assert (await run(tk, "delete_file", path="b.txt")).ok
    assert (await run(tk, "delete_file", path="empty")).ok
    assert not (await run(tk, "delete_file", path="nothing")).ok
    assert (await run(tk, "list_directory", path="notes")).content == []


@pytest.mark.parametrize("path", ["../secret.txt", "notes/../../secret.txt", "/etc/passwd",
                                  "..", "a/../../ws2/x"])
async def test_path_traversal_is_refused(ws, path):
    tk = kit(ws)
    for name, args in [("read_text_file", {"path": path}),
                       ("write_text_file", {"path": path, "content": "x"}),
                       ("delete_file", {"path": path}),
                       ("move_file", {"source": "x", "destination": path}),
                       ("list_directory", {"path": path})]:
        r = await run(tk, name, **args)
        assert not r.ok, (name, path)
        assert "workspace" in r.content or "refused" in r.content
    assert (ws.parent / "secret.txt").read_text() == "top secret"


async def test_symlink_escapes_are_refused(ws):
    tk = kit(ws)
    os.symlink(ws.parent / "secret.txt", ws / "link.txt")
    os.symlink(ws.parent, ws / "up")
    for name, args in [("read_text_file", {"path": "link.txt"}),
                       ("write_text_file", {"path": "link.txt", "content": "pwned"}),
                       ("read_text_file", {"path": "up/secret.txt"}),
                       ("write_text_file", {"path": "up/new.txt", "content": "x"}),
                       ("list_directory", {"path": "up"})]:
        r = await run(tk, name, **args)
        assert not r.ok and "refused" in r.content, (name, r.content)
    assert (ws.parent / "secret.txt").read_text() == "top secret"
    assert not (ws.parent / "new.txt").exists()
    # no link is followed, even one that stays inside; deleting a link never touches its target
    (ws / "real.txt").write_text("inside")
    os.symlink(ws / "real.txt", ws / "inner")
    assert (await run(tk, "read_text_file", path="real.txt")).content == "inside"
    r = await run(tk, "read_text_file", path="inner")
    assert not r.ok and "symbolic link" in r.content
    assert (await run(tk, "delete_file", path="inner")).ok
    assert (ws / "real.txt").read_text() == "inside" and not (ws / "inner").exists()


def test_resolve_requires_a_workspace():
    with pytest.raises(ToolExecutionError):
        resolve_in_workspace("", "a.txt")
    assert files.FILE_TOOLS


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "shop.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, price REAL)")
    conn.executemany("INSERT INTO items (name, price) VALUES (?, ?)",
                     [(f"item{i}", i * 1.5) for i in range(250)])
    conn.commit()
    conn.close()
    return str(path)


async def test_sqlite_read_only_is_enforced_by_sqlite(db):
    tk = Toolkit()
    tk.add(query_sqlite, database=db)
    r = await run(tk, "query_sqlite", query="SELECT name, price FROM items WHERE id <= 2")
    assert r.content == {"columns": ["name", "price"], "rows": [["item0", 0.0], ["item1", 1.5]],
                         "row_count": 2, "truncated": False}
    writes = [
        "DELETE FROM items",
        "UPDATE items SET price = 0",
        "INSERT INTO items (name) VALUES ('x')",
        "DROP TABLE items",
        "CREATE TABLE t (x)",
        "PRAGMA query_only = OFF",
        "PRAGMA user_version = 7",
        f"ATTACH DATABASE '{db}.other' AS o",
        # string matching would miss these: a write hidden behind a comment and a CTE
        "/* SELECT */ DELETE FROM items",
        "WITH x AS (SELECT 1) DELETE FROM items",
        "select 1; DELETE FROM items",
    ]
    for sql in writes:
        r = await run(tk, "query_sqlite", query=sql)
        assert not r.ok, sql
    assert not os.path.exists(db + ".other")
    count = await run(tk, "query_sqlite", query="SELECT count(*) FROM items")
    assert count.content["rows"] == [[250]]
    assert (await run(tk, "query_sqlite", query="PRAGMA table_info(items)")).ok


async def test_sqlite_row_cap_and_writes_when_allowed(db):
    r = await query_sqlite("SELECT * FROM items", database=db, max_rows=10)
    assert r.content["row_count"] == 10 and r.content["truncated"] is True
    r = await query_sqlite("DELETE FROM items WHERE id > 5", database=db, allow_change_data=True)
    assert r.ok and r.content == {"rows_affected": 245}
    r = await query_sqlite("SELECT count(*) FROM items", database=db)
    assert r.content["rows"] == [[5]]
    r = await query_sqlite("SELECT * FROM nope", database=db)
    assert not r.ok and "no such table" in r.content


async def test_sqlalchemy_url(db):
    pytest.importorskip("sqlalchemy")
    url = f"sqlite:///{db}"
    r = await query_sql("SELECT count(*) AS n FROM items", url=url)
    assert r.ok and r.content["columns"] == ["n"] and r.content["rows"] == [[250]]
    r = await query_sql("DELETE FROM items", url=url)
    assert not r.ok and "read-only" in r.content
    r = await query_sql("SELECT * FROM items", url=url, max_rows=3)
    assert r.content["row_count"] == 3 and r.content["truncated"]
    r = await query_sql("UPDATE items SET price = 1 WHERE id = 1", url=url, allow_change_data=True)
    assert r.ok and r.content == {"rows_affected": 1}
