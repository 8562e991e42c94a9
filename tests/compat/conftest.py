import pytest

from agentcast.testing.openai_server import OpenAITestServer

KEY = "sk-test"


@pytest.fixture(scope="module")
def _module_server():
    with OpenAITestServer(api_key=KEY, timeout_delay=2.0) as s:
        yield s


@pytest.fixture
def server(_module_server):
    """A server with an empty script and no recorded requests for each test."""
    _module_server.clear()
    _module_server.default = None
    yield _module_server
    _module_server.clear()
