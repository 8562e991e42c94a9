"""Each test records into its own run directory and leaves no run or listener behind."""

import pytest

from agentcast import hooks
from agentcast.observe import end_run, start_run


@pytest.fixture
def run(tmp_path):
    listeners, guards = list(hooks.listeners), list(hooks.guards)
    r = start_run(run_dir=tmp_path / "runs", console=False)
    yield r
    end_run()
    hooks.listeners[:] = listeners
    hooks.guards[:] = guards


@pytest.fixture
def server():
    from agentcast.testing.openai_server import OpenAITestServer

    with OpenAITestServer(api_key="sk-test") as s:
        yield s
