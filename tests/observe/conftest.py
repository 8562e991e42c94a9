"""Every observe test gets its own run directory and leaves no run, listener or guard behind."""

import pytest

from agentcast import hooks
from agentcast.observe import end_run


@pytest.fixture
def run_dir(tmp_path):
    return tmp_path / "runs"


@pytest.fixture(autouse=True)
def _clean_run():
    listeners, guards = list(hooks.listeners), list(hooks.guards)
    yield
    end_run()
    hooks.listeners[:] = listeners
    hooks.guards[:] = guards
