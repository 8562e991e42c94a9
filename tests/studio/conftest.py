"""Studio fixtures: a recorded demo run, a studio serving it, and a headless Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from agentcast import hooks
from agentcast.agents.user import set_input_provider
from agentcast.observe import end_run

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "studio_demo.py"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(autouse=True)
def _clean():
    listeners, guards = list(hooks.listeners), list(hooks.guards)
    yield
    end_run()
    set_input_provider(None)
    hooks.listeners[:] = listeners
    hooks.guards[:] = guards


def run_demo(run_dir: Path, *args: str, wait: bool = True) -> subprocess.Popen[str]:
    """The example as a separate process: the studio sees it only through the run dir."""
    env = {**os.environ, "AGENTCAST_QUIET": "1", "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, str(DEMO), "--run-dir", str(run_dir), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if wait:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    return proc


@pytest.fixture(scope="session")
def demo_runs(tmp_path_factory) -> Path:
    """A run directory holding one finished demo run (recorded once per session)."""
    run_dir = tmp_path_factory.mktemp("studio") / "runs"
    run_demo(run_dir)
    return run_dir


@pytest.fixture
def studio(demo_runs):
    from agentcast.studio import StudioServer

    with StudioServer(demo_runs) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    """Module-scoped: Playwright's sync API keeps an event loop in this thread while it
    lives, and agentcast (rightly) refuses blocking placeholder reads on a loop thread."""
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="Playwright for Python is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    assert not errors, errors


@pytest.fixture
def demo_rid(demo_runs) -> str:
    return next(p.name for p in demo_runs.iterdir() if (p / "store.db").exists())
