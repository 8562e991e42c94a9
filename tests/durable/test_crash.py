"""Crash tests: SIGKILL a multi-agent workflow at many points, resume it, and compare with an
uninterrupted run. Durable runs promise: the same final memories and outputs, no finished
model or tool call made twice, and a journal with no gap."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentcast.durable.journal import Journal
from agentcast.models.idempotency import idempotency_call_key as call_key
from agentcast.testing import OpenAITestServer

HERE = Path(__file__).parent
SCRIPT = HERE / "workflow_chat.py"
SRC = HERE.parents[1] / "src"


def run_workflow(tmp: Path, **env: str) -> tuple[int, dict | None, dict[str, int]]:
    e = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
         "RUN_DIR": str(tmp / "runs"), "COUNT": str(tmp / "count"), "OUT": str(tmp / "out.json"),
         "AGENTCAST_QUIET": "1", **env}
    p = subprocess.run([sys.executable, str(SCRIPT)], env=e, capture_output=True, text=True,
                       timeout=120)
    out = json.loads((tmp / "out.json").read_text()) if (tmp / "out.json").exists() else None
    counts: dict[str, int] = {}
    if (tmp / "count").exists():
        for line in (tmp / "count").read_text().split():
            counts[line] = counts.get(line, 0) + 1
    assert p.returncode in (0, -9), p.stderr[-2000:]
    return p.returncode, out, counts


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict[str, int], int]:
    tmp = tmp_path_factory.mktemp("ref")
    rc, out, counts = run_workflow(tmp)
    assert rc == 0 and out is not None
    (run_id,) = os.listdir(tmp / "runs")
    n_records = _records(tmp / "runs" / run_id / "store.db")
    return out, counts, n_records


def _records(db: Path) -> int:
    with sqlite3.connect(db) as c:
        return int(c.execute("SELECT count(*) FROM durable_calls").fetchone()[0])


def _assert_no_gap(db: Path) -> None:
    with sqlite3.connect(db) as c:
        for agent, lo, hi, n in c.execute(
                "SELECT agent, min(seq), max(seq), count(*) FROM durable_calls GROUP BY agent"):
            assert (lo, hi) == (1, n), f"gap in the journal of {agent}: {lo}..{hi}, {n} rows"


# kill points inside model calls (the group chat's among them) and right after a result is
# stored, before it is delivered
POINTS = [("KILL_MODEL", n) for n in range(1, 27)] + [("KILL_RECORD", n) for n in range(1, 31)]


@pytest.mark.slow
@pytest.mark.parametrize(("where", "n"), POINTS, ids=[f"{w}={n}" for w, n in POINTS])
def test_killed_and_resumed_equals_uninterrupted(tmp_path: Path, reference, where, n):
    ref_out, ref_counts, n_records = reference
    if where == "KILL_RECORD" and n > n_records:
        n = n_records  # the workflow stores fewer results than there are points: reuse
    rc, _, _ = run_workflow(tmp_path, **{where: str(n)})
    if rc == 0:  # the workflow made fewer model calls than this point
        assert where == "KILL_MODEL" and n > ref_counts["model"]
        return
    (run_id,) = os.listdir(tmp_path / "runs")
    rc, out, counts = run_workflow(tmp_path, RUN_ID=run_id)
    assert rc == 0
    assert out == ref_out
    # the model call killed in flight is made again (it never finished); no other call is
    in_flight = 1 if where == "KILL_MODEL" else 0
    assert counts.get("model", 0) == ref_counts["model"] + in_flight
    assert counts.get("tool", 0) == ref_counts["tool"]
    _assert_no_gap(tmp_path / "runs" / run_id / "store.db")
    assert _records(tmp_path / "runs" / run_id / "store.db") == n_records


# --- the same workflow on models served over HTTP: requests counted at the server --------------
class WorkflowModels:
    """The test server's answers for workflow_chat.py: counts the completions it generates
    (an idempotency key seen before is answered without one) and kills the client (its pid
    comes as the API key) while generating completion ``kill_at``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.n = 0
        self.kill_at = 0

    def reset(self, kill_at: int = 0) -> None:
        with self.lock:
            self.n, self.kill_at = 0, kill_at

    def __call__(self, req) -> object:
        with self.lock:
            self.n += 1
            kill = self.n == self.kill_at
        if kill:  # the request arrived; its answer never will
            os.kill(int(req.headers["authorization"].rsplit("pid-", 1)[1]), signal.SIGKILL)
        body = req.json
        name, msgs = body["model"], body["messages"]
        if name == "react":
            done = sum(1 for m in msgs if "logged" in str(m.get("content")))
            if done < 2:
                return {"tool_calls": [{"id": f"c{done}", "name": "audit",
                                        "arguments": {"entry": f"e{done}"}}]}
            return "all logged"
        last = msgs[-1].get("content") if msgs else ""
        return f"{name} answers ({len(msgs)}): {str(last)[:30]}"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[OpenAITestServer, WorkflowModels]]:
    models = WorkflowModels()
    with OpenAITestServer(default=models) as server:
        yield server, models


@pytest.fixture(scope="module")
def served_reference(served, tmp_path_factory: pytest.TempPathFactory):
    server, models = served
    server.clear()
    models.reset()
    tmp = tmp_path_factory.mktemp("served")
    rc, out, counts = run_workflow(tmp, MODEL_URL=server.base_url)
    assert rc == 0 and out is not None
    (run_id,) = os.listdir(tmp / "runs")
    return out, counts, models.n, _records(tmp / "runs" / run_id / "store.db")


SERVED = [("KILL_MODEL", n) for n in (1, 5, 10, 15, 20, 24)] + \
    [("KILL_RECORD", n) for n in (1, 4, 8, 12, 16)]


@pytest.mark.slow
@pytest.mark.parametrize(("where", "n"), SERVED, ids=[f"{w}={n}" for w, n in SERVED])
def test_killed_and_resumed_makes_no_completed_request_twice(tmp_path: Path, served,
                                                              served_reference, where, n):
    """Counted at the OpenAI-compatible server: the crashed run and its resume together are
    billed exactly the uninterrupted run's completions. A completed call is never asked
    again (it is in the journal); calls in flight at the kill (the one killed, and any
    running alongside it in the fanout) are asked again under the same idempotency key and
    answered with the completion already made."""
    server, models = served
    ref_out, ref_counts, ref_requests, ref_records = served_reference
    assert n <= (ref_requests if where == "KILL_MODEL" else ref_records)
    server.clear()  # counts and keys from 0 (kept from here through the resume)
    models.reset(kill_at=n if where == "KILL_MODEL" else 0)
    rc, _, _ = run_workflow(tmp_path, MODEL_URL=server.base_url, **(
        {"KILL_RECORD": str(n)} if where == "KILL_RECORD" else {}))
    assert rc == -9
    (run_id,) = os.listdir(tmp_path / "runs")
    models.kill_at = 0
    # the model calls the crashed run completed (journaled), by the key each request carries
    done = {call_key(run_id, rec[1], rec[2], rec[4])
            for _, rec in Journal.read_records(tmp_path / "runs" / run_id / "journal.log")
            if rec[0] == "s" and rec[3] == "model" and rec[6]}
    assert done or n == 1
    first = len(server.requests)
    rc, out, counts = run_workflow(tmp_path, MODEL_URL=server.base_url, RUN_ID=run_id)
    assert rc == 0
    assert out == ref_out
    asked = {r.headers["idempotency-key"].rsplit("-", 1)[0] for r in server.requests[first:]}
    assert not done & asked, "a model call completed before the crash was asked again"
    after = {call_key(run_id, rec[1], rec[2], rec[4])
             for _, rec in Journal.read_records(tmp_path / "runs" / run_id / "journal.log")
             if rec[0] == "s" and rec[3] == "model" and rec[6]}
    assert asked and asked <= after - done  # (the keys are the journal's: the check can fail)
    assert models.n == ref_requests
    assert server.billed == ref_requests
    assert counts.get("tool", 0) == ref_counts["tool"]
    _assert_no_gap(tmp_path / "runs" / run_id / "store.db")


# --- the werewolf example: killed mid-game, resumed with --resume ----------------------------
WEREWOLF = HERE.parents[1] / "examples" / "werewolf.py"
KILLER = f"""
import os, runpy, sys
sys.path.insert(0, {str(HERE)!r})
from kill_points import kill_after_record
kill_after_record(int(os.environ.get("KILL_RECORD", "0")))
sys.argv = [sys.argv[1], *sys.argv[2:]]
sys.path.insert(0, os.path.dirname(sys.argv[0]))
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def play(tmp: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    e = {**os.environ, "PYTHONPATH": str(SRC), "AGENTCAST_QUIET": "1", **env}
    return subprocess.run([sys.executable, "-c", KILLER, str(WEREWOLF), "--seed", "3",
                           "--run-dir", str(tmp / "runs"), *args], env=e, capture_output=True,
                          text=True, timeout=120)


def game_text(out: str) -> list[str]:
    return [line for line in out.splitlines() if not line.startswith("💾")]


def _model_calls_done_once(run_dir: Path) -> None:
    seen: set[tuple] = set()
    for _, rec in Journal.read_records(run_dir / "journal.log"):
        if rec[0] == "s" and rec[6]:
            key = tuple(rec[1:5])
            assert key not in seen, f"model/tool call {key} was made twice"
            seen.add(key)


@pytest.fixture(scope="module")
def werewolf_reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], int]:
    tmp = tmp_path_factory.mktemp("ww")
    p = play(tmp, "--durable")
    assert p.returncode == 0, p.stderr[-2000:]
    (run_id,) = os.listdir(tmp / "runs")
    return game_text(p.stdout), _records(tmp / "runs" / run_id / "store.db")


@pytest.mark.slow
@pytest.mark.parametrize("n", [1, 3, 7, 12, 16, 20, 24, 27])
def test_werewolf_killed_mid_game_resumes_to_the_same_end(tmp_path: Path, werewolf_reference, n):
    reference, n_records = werewolf_reference
    assert n <= n_records, f"the game records only {n_records} calls: pick kill points below"
    p = play(tmp_path, "--durable", KILL_RECORD=str(n))
    assert p.returncode == -9, p.stderr[-2000:]  # killed right after storing record n
    (run_id,) = os.listdir(tmp_path / "runs")
    resumed = play(tmp_path, "--resume", run_id)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert game_text(resumed.stdout) == reference
    _model_calls_done_once(tmp_path / "runs" / run_id)
