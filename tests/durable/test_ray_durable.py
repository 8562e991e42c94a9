"""Durable runs with agents on a real Ray cluster: recorded calls of Ray agents are answered
on the driver with no request reaching a model (counted at the OpenAI-compatible test
server), their memories come back in their new host, a host killed inside a side-effect tool
stops the run instead of running it twice, and a driver killed at many points resumes to the
end of an uninterrupted run."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import agentcast as ac
from agentcast.durable import stop
from agentcast.exceptions import ApprovalPending, DivergenceError, InFlightToolError
from agentcast.observe.run import current_run, end_run
from agentcast.runtime.ray_backend import AgentHost
from agentcast.testing.openai_server import OpenAITestServer

from .ray_agents import Mailer, Payer, Primed, ServedDialog, answer

pytestmark = [pytest.mark.ray, pytest.mark.timeout(600)]
HERE = Path(__file__).parent
SCRIPT = HERE / "workflow_ray.py"
SRC = HERE.parents[1] / "src"


@pytest.fixture(autouse=True)
def _clean():
    yield
    stop()
    end_run()


@pytest.fixture(scope="module")
def server():
    with OpenAITestServer(default=answer) as s:
        yield s


def start(tmp: Path, **kwargs) -> str:
    ac.init(run_dir=tmp, logger_level="WARNING", **kwargs)
    return current_run().id


def program(url: str) -> dict:
    host = AgentHost()  # a new host process per run: a resumed run starts from scratch
    ann = ServedDialog("Ann", url)
    bob = ServedDialog("Bob", url).to_dist(host=host)
    cyd = ServedDialog("Cyd", url).to_dist(host=host)
    with ac.msghub([ann, bob, cyd], announcement=ac.Msg("host", "Plan a trip.", role="user")):
        ann()
        bob()
        cyd()
    x = ac.sequential_pipeline([ann, bob, cyd], ac.Msg("user", "Where to?", role="user"))
    outs = ac.fanout_pipeline([bob, cyd], x)
    y = cyd(bob(x))  # Ray agent to Ray agent
    for _ in range(3):
        y = bob(y) if len(y.content) % 2 else ann(y)
    return {"Ann": [m.content for m in ann.memory.get()],
            "Bob": [m.content for m in bob.memory.get()],
            "Cyd": [m["content"] for m in cyd.state_dict()["memory"]],
            "outs": [o.content for o in outs], "y": y.content, "bob": bob}


def test_resume_answers_ray_agents_from_the_record_and_restores_their_memory(tmp_path, server,
                                                                              ray_cluster):
    run_id = start(tmp_path, durable=True)
    n0 = len(server.requests)
    ref = program(server.base_url)
    made = len(server.requests) - n0
    assert made == 13  # 3 in the hub, 3 in the pipeline, 2 fanned out, 2 chained, 3 in the loop
    stop()
    rows = call_rows(tmp_path / run_id)
    assert sum(n for _lo, _hi, n in rows.values()) == made  # one record per call

    start(tmp_path, resume=run_id)
    n1 = len(server.requests)
    again = program(server.base_url)
    assert len(server.requests) == n1  # no request reached a model, in process or on Ray
    bob = again.pop("bob")
    ref.pop("bob")
    assert again == ref  # outputs and memories, Ray agents' included
    # the restored memory is the prompt of the first live call after the record ends
    more = bob(ac.Msg("user", "And then?", role="user")).content
    assert len(server.requests) == n1 + 1
    assert more.startswith(f"Bob({1 + len(ref['Bob']) + 1}):")
    assert [m.content for m in bob.memory.get()] == [*ref["Bob"], "And then?", more]


def test_async_program_with_ray_agents_resumes(tmp_path, server, ray_cluster):
    async def main(url: str) -> list:
        host = AgentHost()
        a = ServedDialog("A", url)
        b = ServedDialog("B", url).to_dist(host=host)
        r = await asyncio.gather(a(ac.Msg("user", "1", role="user")),
                                 b(ac.Msg("user", "2", role="user")))
        c = await b(r[0])
        d = await a(c)
        return [m.content for m in r] + [c.content, d.content, len(a.memory.get())]

    run_id = start(tmp_path, durable=True)
    n0 = len(server.requests)
    ref = asyncio.run(asyncio.wait_for(main(server.base_url), 300))
    assert len(server.requests) - n0 == 4
    start(tmp_path, resume=run_id)
    n1 = len(server.requests)
    assert asyncio.run(asyncio.wait_for(main(server.base_url), 300)) == ref
    assert len(server.requests) == n1


def test_another_input_to_a_ray_agent_is_a_divergence(tmp_path, server, ray_cluster):
    run_id = start(tmp_path, durable=True)
    rem = ServedDialog("Rem", server.base_url).to_dist(host=AgentHost())
    assert rem(ac.Msg("user", "tea", role="user")).content
    start(tmp_path, resume=run_id)
    rem = ServedDialog("Rem", server.base_url).to_dist(host=AgentHost())
    n1 = len(server.requests)
    with pytest.raises(ac.AgentCallError) as info:
        rem(ac.Msg("user", "coffee", role="user")).content
    err = info.value.original
    assert isinstance(err, DivergenceError) and err.call == "Rem#1"
    assert len(server.requests) == n1


def test_a_ray_agent_that_cannot_take_its_recorded_state_stops_the_run(tmp_path, server,
                                                                       ray_cluster):
    """The resumed program changed the agent: it holds another number of messages than the
    record says before the first replayed call, which fails, naming both."""
    run_id = start(tmp_path, durable=True)
    rem = ServedDialog("Rem", server.base_url).to_dist(host=AgentHost())
    for word in ("tea", "cake"):
        rem(ac.Msg("user", word, role="user")).content
    start(tmp_path, resume=run_id)
    rem = Primed("Rem", server.base_url).to_dist(host=AgentHost())
    n1 = len(server.requests)
    with pytest.raises(ac.AgentCallError) as info:
        rem(ac.Msg("user", "tea", role="user")).content
    err = info.value.original
    assert isinstance(err, DivergenceError) and err.call == "Rem#1", err
    assert (err.recorded, err.now) == ("0", "1")
    assert len(server.requests) == n1


def test_host_killed_inside_a_side_effect_tool_stops_instead_of_sending_twice(
        tmp_path, server, ray_cluster):
    """The host dies inside the tool; Ray restarts it and the call is sent again: its model
    call is answered from the host's record, and the tool, which started and has no result,
    is not run again - the call fails with InFlightToolError. Resumed with
    ``in_flight="rerun"``, the tool runs (once more) and the run finishes."""
    log = tmp_path / "mail.log"
    run_id = start(tmp_path / "runs", durable=True)
    n0 = len(server.requests)
    mailer = Mailer("Mailer", server.base_url, str(log)).to_dist(host=AgentHost())
    with pytest.raises(ac.AgentCallError) as info:
        mailer(ac.Msg("user", "Mail Bob.", role="user")).content
    assert isinstance(info.value.original, InFlightToolError), info.value
    assert info.value.original.tool == "send_mail"
    assert log.read_text().split() == ["bob"]  # the tool ran once, before the crash
    assert len(server.requests) == n0 + 1  # the model call was not made again
    hosts = list((tmp_path / "runs" / run_id / "hosts").glob("*.log"))
    assert len(hosts) == 2  # the dead host's record and its successor's

    start(tmp_path / "runs", resume=run_id, in_flight="rerun")
    mailer = Mailer("Mailer", server.base_url, str(log)).to_dist(host=AgentHost())
    out = mailer(ac.Msg("user", "Mail Bob.", role="user")).content
    assert out.endswith("/ sent to bob")
    assert log.read_text().split() == ["bob", "bob"]  # run again only when asked
    assert len(server.requests) == n0 + 1  # its model call still answered from the record
    assert [m.content for m in mailer.memory.get()] == ["Mail Bob.", out]


def test_a_host_asks_in_the_run_store_and_an_approval_runs_the_tool_once_more(
        tmp_path, server, ray_cluster):
    """The same crash inside a host's tool: the stop names an approval request filed in the
    driver's run store; approved (twice), the resumed run sends the mail once more."""
    from agentcast.durable import approve, list_requests

    log = tmp_path / "mail.log"
    run_id = start(tmp_path / "runs", durable=True)
    mailer = Mailer("Mailer", server.base_url, str(log)).to_dist(host=AgentHost())
    with pytest.raises(ac.AgentCallError) as info:
        mailer(ac.Msg("user", "Mail Bob.", role="user")).content
    err = info.value.original
    assert isinstance(err, InFlightToolError) and err.request_id
    (req,) = list_requests(tmp_path / "runs", status="pending")
    assert req["id"] == err.request_id and req["tool"] == "send_mail"
    assert req["run_id"] == run_id and req["agent"] == "Mailer"
    approve(err.request_id, run_dir=tmp_path / "runs", by="ops")
    approve(err.request_id, run_dir=tmp_path / "runs", by="ops")
    start(tmp_path / "runs", resume=run_id)
    mailer = Mailer("Mailer", server.base_url, str(log)).to_dist(host=AgentHost())
    assert mailer(ac.Msg("user", "Mail Bob.", role="user")).content.endswith("/ sent to bob")
    assert log.read_text().split() == ["bob", "bob"]  # once before the crash, once approved
    (row,) = list_requests(tmp_path / "runs")
    assert row["status"] == "executed"


def test_a_ray_agents_tool_that_requires_approval_pauses_and_runs_once_approved(
        tmp_path, server, ray_cluster):
    """Approval gates hold on Ray too: the host files the request in the run store; the run
    stops; approved, the resumed run pays once, its model call answered from the record."""
    from agentcast.durable import approve, list_requests

    log = tmp_path / "paid.log"
    run_id = start(tmp_path / "runs", durable=True)
    n0 = len(server.requests)
    payer = Payer("Payer", server.base_url, str(log)).to_dist(host=AgentHost())
    with pytest.raises(ac.AgentCallError) as info:
        payer(ac.Msg("user", "Pay Bob.", role="user")).content
    err = info.value.original
    assert isinstance(err, ApprovalPending), err
    (req,) = list_requests(tmp_path / "runs", status="pending")
    assert req["id"] == err.request_id and req["tool"] == "pay" and req["run_id"] == run_id
    assert not log.exists()
    approve(err.request_id, run_dir=tmp_path / "runs", by="ops")
    start(tmp_path / "runs", resume=run_id)
    payer = Payer("Payer", server.base_url, str(log)).to_dist(host=AgentHost())
    assert payer(ac.Msg("user", "Pay Bob.", role="user")).content.endswith("paid 5 to bob")
    assert log.read_text().split("\n")[:-1] == ["bob 5"]
    assert len(server.requests) == n0 + 1  # the model call before the pause, not again


def test_host_records_later_sessions_win_torn_lines_and_links_are_skipped(tmp_path):
    from agentcast.durable.remote import HOSTS, read_host_records

    hosts = tmp_path / HOSTS
    hosts.mkdir()
    (hosts / "001-1-a.log").write_text(
        '["c", "Bob", 1, "d1", 0, {"t": "raw", "v": "old"}, {}]\n'
        '["s", "Bob", 2, "tool", 1, "t1", 1, {"status": "success"}]\n')
    (hosts / "002-2-b.log").write_text(
        '["c", "Bob", 1, "d1", 0, {"t": "raw", "v": "new"}, {}]\n'
        '["s", "Bob", 2, "tool", 1, "t1", 0, null]\n'
        '["s", "Bob", 2, "model", 1, "m1", 1, {"te')  # cut short by a kill
    other = tmp_path / "elsewhere.log"
    other.write_text('["c", "Eve", 1, "x", 0, {"t": "none"}, {}]\n')
    (hosts / "003-3-c.log").symlink_to(other)
    calls, subs = read_host_records(tmp_path)
    assert list(calls) == [("Bob", 1)] and calls[("Bob", 1)].result["v"] == "new"
    assert subs[("Bob", 2, "tool", 1)].done  # a finished tool is never un-finished
    assert ("Bob", 2, "model", 1) not in subs


# --- the driver killed by SIGKILL at several points, then resumed ---------------------------
def run_workflow(tmp: Path, server: OpenAITestServer, kill_model: int = 0,
                 **env: str) -> tuple[int, dict | None, int]:
    """Run the workflow in a subprocess; return its exit code, output and the number of
    requests the server received. ``kill_model=n``: when the n-th request of this run
    arrives, the server SIGKILLs the Ray host and the driver (a machine failing with a model
    call in flight, in process or on Ray, maybe after other model calls of the same reply)."""
    e = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
         "RUN_DIR": str(tmp / "runs"), "URL": server.base_url, "OUT": str(tmp / "out.json"),
         "PIDS": str(tmp / "pids"), "AGENTCAST_QUIET": "1", **env}
    (tmp / "out.json").unlink(missing_ok=True)
    n0 = len(server.requests)
    proc = subprocess.Popen([sys.executable, str(SCRIPT)], env=e, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    if kill_model:
        def killer(request):
            if len(server.requests) - n0 == kill_model:
                os.kill(int((tmp / "pids").read_text()), signal.SIGKILL)
                os.kill(proc.pid, signal.SIGKILL)
            return answer(request)
        server.default = killer
    try:
        _, err = proc.communicate(timeout=240)
    finally:
        server.default = answer
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert proc.returncode in (0, -9), err[-3000:]
    out = json.loads((tmp / "out.json").read_text()) if proc.returncode == 0 else None
    return proc.returncode, out, len(server.requests) - n0


def wait_dead(pid: int, timeout: float = 90.0) -> None:
    """Ray ends a dead driver's hosts: wait for it (no earlier host writes after resume)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    raise AssertionError(f"the Ray host {pid} outlived its killed driver by {timeout} s")


def model_records(run_dir: Path) -> list[tuple]:
    """The finished model calls recorded anywhere in the run (driver and hosts)."""
    from agentcast.durable.journal import Journal

    records = [rec for _, rec in Journal.read_records(run_dir / "journal.log")]
    for path in sorted((run_dir / "hosts").glob("*.log")):
        for line in path.read_bytes().splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:  # cut short by the kill
                continue
    return [tuple(rec[1:5]) for rec in records if rec[0] == "s" and rec[3] == "model" and rec[6]]


def call_rows(run_dir: Path) -> dict[str, tuple[int, int, int]]:
    with sqlite3.connect(run_dir / "store.db") as c:
        return {agent: (lo, hi, n) for agent, lo, hi, n in c.execute(
            "SELECT agent, min(seq), max(seq), count(*) FROM durable_calls GROUP BY agent")}


@pytest.fixture(scope="module")
def reference(tmp_path_factory, server, ray_cluster) -> tuple[dict, int, dict]:
    tmp = tmp_path_factory.mktemp("ref")
    rc, out, made = run_workflow(tmp, server)
    assert rc == 0 and out is not None
    (run_id,) = os.listdir(tmp / "runs")
    rows = call_rows(tmp / "runs" / run_id)
    assert sum(n for _lo, _hi, n in rows.values()) == 11
    assert made == 11 + rows["Bob"][2]  # Bob, a Thinker, asks its model twice a call
    return out, made, rows


# requests in order: Ann, Bob, Bob, Cyd (the hub), Ann, Bob, Bob, Cyd (the pipeline), Ann,
# Ann, Bob, Bob (the chain to Cyd), Cyd, Ann: the kill points by request hit Bob's second model
# call (its first is finished and recorded in the host), Cyd on Ray and Ann in process
POINTS = ([("KILL_RECORD", n) for n in (1, 2, 4, 7, 10)]
          + [("KILL_MODEL", n) for n in (3, 4, 7, 9, 12)])


@pytest.mark.slow
@pytest.mark.parametrize(("where", "n"), POINTS, ids=[f"{w}={n}" for w, n in POINTS])
def test_driver_killed_and_resumed_equals_uninterrupted(tmp_path, server, reference, where, n):
    ref_out, ref_made, ref_rows = reference
    if where == "KILL_MODEL":
        rc, _, made1 = run_workflow(tmp_path, server, kill_model=n)
    else:
        rc, _, made1 = run_workflow(tmp_path, server, **{where: str(n)})
    assert rc == -9
    wait_dead(int((tmp_path / "pids").read_text()))
    (run_id,) = os.listdir(tmp_path / "runs")
    run_dir = tmp_path / "runs" / run_id
    done1 = set(model_records(run_dir))
    assert made1 - len(done1) <= 1  # at most the call in flight at the kill was lost

    rc, out, made2 = run_workflow(tmp_path, server, RUN_ID=run_id)
    assert rc == 0
    assert out == ref_out  # outputs and memories, the Ray agents' included
    # every model call finished before the crash is answered from the record; only the
    # calls without a finished record are made, once
    assert made2 == ref_made - len(done1)
    keys = model_records(run_dir)
    assert len(keys) == len(set(keys)) == ref_made, "a model call was made twice"
    assert call_rows(run_dir) == ref_rows  # one record per call, no gap
