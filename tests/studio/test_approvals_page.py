"""The studio's Approvals tab: a durable run's pending request is approved from the page in
real headless Chromium, and the budget decision that asked for it is shown with its reason."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from agentcast.durable import list_requests

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import agentcast as ac
from agentcast.testing import FunctionModel
ac.init(run_dir=RUN_DIR, durable=True, logger_level="ERROR", token_estimator=lambda m: 50,
        budgets=[dict(max_tokens=120, on_exceed="approve")])
a = ac.DialogAgent("Spender", model=FunctionModel(lambda m: "words " * 20))
for i in range(4):
    a(ac.Msg("user", f"q{i}", role="user")).content
"""


@pytest.fixture
def paused_run(tmp_path: Path) -> tuple[Path, str]:
    run_dir = tmp_path / "runs"
    env = {**os.environ, "AGENTCAST_QUIET": "1", "PYTHONPATH": str(ROOT / "src")}
    p = subprocess.run([sys.executable, "-c", f"RUN_DIR={str(run_dir)!r}\n" + SCRIPT],
                       env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode != 0 and "waits for approval" in p.stderr, p.stderr[-2000:]
    (rid,) = os.listdir(run_dir)
    return run_dir, rid


def test_a_pending_request_is_approved_from_the_page(page, paused_run):
    from agentcast.studio import StudioServer

    run_dir, rid = paused_run
    (req,) = list_requests(run_dir, "pending")
    with StudioServer(run_dir) as studio:
        page.goto(f"{studio.token_url}#run={rid}&tab=approvals")
        page.get_by_test_id(f"approval-{req['id']}").wait_for(timeout=15_000)
        assert req["call"] and page.get_by_test_id(f"call-{req['id']}").inner_text() == req["call"]
        decision = page.get_by_test_id("budget-decision").first
        assert "approval requested" in decision.inner_text()
        assert "would be exceeded" in decision.inner_text()
        page.get_by_test_id(f"approve-{req['id']}").click()
        page.wait_for_function(
            "id => document.querySelector(`[data-testid=status-${id}]`).textContent === 'approved'",
            arg=req["id"], timeout=15_000)
    (row,) = list_requests(run_dir)
    assert (row["status"], row["decided_by"]) == ("approved", "studio")


def test_the_approvals_api_refuses_a_request_of_another_run_and_bad_bodies(paused_run):
    import httpx

    from agentcast.studio import StudioServer

    run_dir, rid = paused_run
    (req,) = list_requests(run_dir, "pending")
    with StudioServer(run_dir, token="tok") as studio:
        h = {"Authorization": "Bearer tok"}
        base = f"http://127.0.0.1:{studio.port}/api/runs"
        assert httpx.post(f"{base}/{rid}/approvals/{req['id']}", json={"approve": "yes"},
                          headers=h).status_code == 422
        assert httpx.post(f"{base}/{rid}/approvals/ap-nope", json={"approve": True},
                          headers=h).status_code == 404
        assert httpx.post(f"{base}/{rid}/approvals/{req['id']}", json={"approve": True}
                          ).status_code == 401  # no token
        ok = httpx.post(f"{base}/{rid}/approvals/{req['id']}",
                        json={"approve": False, "reason": "no"}, headers=h)
        assert ok.status_code == 200 and ok.json()["status"] == "denied"
