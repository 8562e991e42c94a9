import pytest

from agentcast.testing.openai_server import OpenAITestServer

from .helpers import KEY


@pytest.fixture(scope="session")
def _shared_server():
    with OpenAITestServer(api_key=KEY, timeout_delay=2.0) as s:
        yield s


@pytest.fixture
def server(_shared_server):
    """One server for the whole run (starting one per test costs more than the test);
    each test gets it with an empty script and no recorded requests."""
    _shared_server.clear()
    _shared_server.default = None
    yield _shared_server
    _shared_server.clear()


@pytest.fixture(autouse=True)
def _fresh_registry():
    from agentcast.models.registry import clear_model_configs

    clear_model_configs()
    yield
    clear_model_configs()
