"""The durable journal on a real PostgreSQL server: a run recorded there is resumed from it,
with no model call repeated (as another machine reaching the database would)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import agentcast as ac
from agentcast.durable import stop
from agentcast.exceptions import ConfigError
from agentcast.observe.run import current_run, end_run
from agentcast.testing import FunctionModel, PostgresServer


@pytest.fixture(scope="module")
def pg():
    with PostgresServer(database="journal") as server:  # fails (not skips) without PostgreSQL
        yield server


@pytest.fixture(autouse=True)
def _clean():
    yield
    stop()
    end_run()


def program(calls: list[str]) -> list[str]:
    model = FunctionModel(lambda msgs: calls.append("m") or f"r{len(msgs)}")
    a, b = ac.DialogAgent("A", model=model), ac.DialogAgent("B", model=model)
    x = ac.sequential_pipeline([a, b, a], ac.Msg("user", "go", role="user"))
    return [x.content, *[m.content for m in b.memory.get()]]


def test_a_run_recorded_in_postgres_resumes_elsewhere(pg, tmp_path: Path):
    url = pg.url
    first: list[str] = []
    ac.init(run_dir=tmp_path / "here", durable=True, durable_url=url, logger_level="ERROR")
    rid = current_run().id
    ref = program(first)
    stop()
    end_run()
    assert not (tmp_path / "here" / rid / "journal.log").exists()  # the record is in the db
    shutil.rmtree(tmp_path / "here")  # another machine: nothing of the first run on disk
    again: list[str] = []
    ac.init(run_dir=tmp_path / "there", resume=rid, durable_url=url, logger_level="ERROR")
    assert program(again) == ref
    assert (len(first), len(again)) == (3, 0)
    rows = pg.execute("SELECT agent, seq FROM durable_calls ORDER BY agent, seq",
                      database="journal")
    assert [tuple(r) for r in rows] == [("A", 1), ("A", 2), ("B", 1)]


def test_resuming_a_run_the_database_does_not_have_names_the_field(pg, tmp_path: Path):
    with pytest.raises(ConfigError) as info:
        ac.init(run_dir=tmp_path, resume="no-such-run", durable_url=pg.url,
                logger_level="ERROR")
    assert info.value.field == "resume"


def test_a_url_that_is_not_postgresql_names_the_field(tmp_path: Path):
    with pytest.raises(ConfigError) as info:
        ac.init(run_dir=tmp_path, durable=True, durable_url="mysql://x/y", logger_level="ERROR")
    assert info.value.field == "durable_url"
