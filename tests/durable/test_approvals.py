"""Approvals: a tool marked requires_approval pauses the run until a person approves that
exact call; the request survives the process; approving twice runs the tool once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import agentcast as ac
from agentcast.durable import approve, deny, list_requests, stop
from agentcast.exceptions import ApprovalError, ApprovalPending
from agentcast.models.base import ModelResponse, ToolCall
from agentcast.observe.run import current_run, end_run
from agentcast.testing import FunctionModel

SRC = Path(__file__).parents[2] / "src"


@pytest.fixture(autouse=True)
def _clean():
    yield
    stop()
    end_run()


def make_agent(paid: list, amount: int = 10, ttl: float | None = None) -> ac.ReActAgent:
    def pay(to: str, amount: int) -> str:
        """Send money."""
        paid.append((to, amount))
        return f"paid {amount} to {to}"

    def model(msgs):
        seen = [str(m.content) for m in msgs]
        if not any("paid" in s or "denied" in s or "expired" in s for s in seen):
            return ModelResponse(tool_calls=[ToolCall("c1", "pay", {"to": "bob", "amount": amount})])
        return "done: " + seen[-1][:60]

    tools = ac.Toolkit()
    tools.add_tool(pay, requires_approval=True, approval_ttl=ttl)
    return ac.ReActAgent("payer", model=FunctionModel(model), toolkit=tools, max_iters=3)


def first_run(tmp_path: Path, paid: list, **kw) -> tuple[str, str]:
    ac.init(run_dir=tmp_path, durable=True, logger_level="ERROR")
    rid = current_run().id
    with pytest.raises(ac.AgentCallError) as info:
        make_agent(paid, **kw)(ac.Msg("user", "pay bob", role="user")).content
    pending = info.value.original
    assert isinstance(pending, ApprovalPending)
    assert paid == []
    stop()
    end_run()
    return rid, pending.request_id


def test_pauses_then_runs_once_after_approval_and_resume(tmp_path: Path):
    paid: list = []
    rid, req = first_run(tmp_path, paid)
    (row,) = list_requests(tmp_path, "pending")
    assert (row["id"], row["tool"], row["agent"]) == (req, "pay", "payer")
    assert '"amount": 10' in row["arguments"] and row["args_hash"]
    approve(req, run_dir=tmp_path, by="alice")
    approve(req, run_dir=tmp_path, by="mallory")  # approving twice changes nothing
    assert list_requests(tmp_path)[0]["decided_by"] == "alice"
    for _ in range(2):  # resumed twice: the tool runs once
        ac.init(run_dir=tmp_path, resume=rid, logger_level="ERROR")
        out = make_agent(paid)(ac.Msg("user", "pay bob", role="user"))
        assert out.content.startswith("done: paid 10 to bob")
        stop()
        end_run()
    assert paid == [("bob", 10)]
    assert list_requests(tmp_path)[0]["status"] == "executed"


def test_an_approval_covers_only_the_arguments_it_saw(tmp_path: Path):
    paid: list = []

    def pay(to: str, amount: int) -> str:
        """Send money."""
        paid.append(amount)
        return "paid"

    tools = ac.Toolkit()
    tools.add_tool(pay, requires_approval=True)

    class Payer(ac.Agent):
        amount = 10

        async def reply(self, x):
            r = await tools.call(ToolCall("1", "pay", {"to": "bob", "amount": self.amount}),
                                 agent=self.name)
            return ac.Msg(self.name, r.text())

    ac.init(run_dir=tmp_path, durable=True, logger_level="ERROR")
    rid = current_run().id
    with pytest.raises(ac.AgentCallError) as info:
        Payer("p")(ac.Msg("user", "go", role="user")).content
    first = info.value.original.request_id
    approve(first, run_dir=tmp_path)
    ac.init(run_dir=tmp_path, resume=rid, logger_level="ERROR")
    changed = Payer("p")
    changed.amount = 1000  # the resumed program now asks for other arguments
    with pytest.raises(ac.AgentCallError) as info:
        changed(ac.Msg("user", "go", role="user")).content
    assert isinstance(info.value.original, ApprovalPending)
    assert info.value.original.request_id != first
    assert paid == []


def test_denied_call_is_reported_to_the_model(tmp_path: Path):
    paid: list = []
    rid, req = first_run(tmp_path, paid)
    deny(req, run_dir=tmp_path, by="bob", reason="too much")
    ac.init(run_dir=tmp_path, resume=rid, logger_level="ERROR")
    out = make_agent(paid)(ac.Msg("user", "pay bob", role="user"))
    assert "denied by bob: too much" in out.content
    assert paid == []


def test_expired_request_cannot_be_approved(tmp_path: Path):
    paid: list = []
    rid, req = first_run(tmp_path, paid, ttl=0.2)
    time.sleep(0.3)
    with pytest.raises(ApprovalError):
        approve(req, run_dir=tmp_path)
    ac.init(run_dir=tmp_path, resume=rid, logger_level="ERROR")
    out = make_agent(paid, ttl=0.2)(ac.Msg("user", "pay bob", role="user"))
    assert "expired" in out.content and paid == []


def test_waiting_in_process_sees_an_approval_from_another_process(tmp_path: Path):
    """approval_wait: the call waits (bounded) and another process approves it."""
    paid: list = []

    def pay(to: str) -> str:
        """Send money."""
        paid.append(to)
        return "paid"

    tools = ac.Toolkit()
    tools.add_tool(pay, requires_approval=True, approval_wait=20)
    ac.init(run_dir=tmp_path, durable=True, logger_level="ERROR")
    approver = subprocess.Popen(
        [sys.executable, "-c", f"""
import time, sys
sys.path.insert(0, {str(SRC)!r})
from agentcast.durable import approve, list_requests
for _ in range(200):
    rows = list_requests({str(tmp_path)!r}, "pending")
    if rows:
        approve(rows[0]["id"], run_dir={str(tmp_path)!r}, by="other process")
        break
    time.sleep(0.05)
"""])

    class Payer(ac.Agent):
        async def reply(self, x):
            r = await tools.call(ToolCall("1", "pay", {"to": "bob"}), agent=self.name)
            return ac.Msg(self.name, r.text())

    assert Payer("p")(ac.Msg("user", "go", role="user")).content == "paid"
    approver.wait(30)
    assert paid == ["bob"]


def test_cli_lists_approves_and_resume_runs_the_script(tmp_path: Path):
    script = tmp_path / "pay.py"
    script.write_text(f"""
import sys
sys.path.insert(0, {str(Path(__file__).parent.parent.parent / 'tests')!r})
import agentcast as ac
from durable.test_approvals import make_agent
paid = []
ac.init(run_dir={str(tmp_path / 'runs')!r}, durable=True, logger_level="ERROR")
out = make_agent(paid)(ac.Msg("user", "pay bob", role="user"))
print("RESULT", out.content, paid)
""")
    env = {**os.environ, "PYTHONPATH": str(SRC), "AGENTCAST_QUIET": "1"}
    cli = [sys.executable, "-m", "agentcast.cli"]
    first = subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                           text=True, timeout=60)
    assert first.returncode != 0 and "waits for approval" in first.stderr
    listing = subprocess.run([*cli, "approvals", "--dir", str(tmp_path / "runs")], env=env,
                             capture_output=True, text=True, timeout=60)
    req = listing.stdout.split()[0]
    assert req.startswith("ap-") and "pay" in listing.stdout
    ok = subprocess.run([*cli, "approvals", "approve", req, "--dir", str(tmp_path / "runs")],
                        env=env, capture_output=True, text=True, timeout=60)
    assert "approved" in ok.stdout
    (run_id,) = os.listdir(tmp_path / "runs")
    resumed = subprocess.run([*cli, "resume", run_id, str(script)], env=env,
                             capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert "RESULT done: paid 10 to bob [('bob', 10)]" in resumed.stdout, resumed.stderr
