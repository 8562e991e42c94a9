"""A2A: our server against the a2a-sdk client, our RemoteAgent against an a2a-sdk server."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
import time

import pytest

pytest.importorskip("a2a.server")
httpx = pytest.importorskip("httpx")

import agentcast as ac  # noqa: E402
from agentcast import Msg  # noqa: E402
from agentcast.exceptions import AgentCallError, DistributedError  # noqa: E402

from ..core.helpers import EchoAgent  # noqa: E402
from .app import Shout  # noqa: E402

TOKEN = "s3cret"
pytestmark = pytest.mark.timeout(120)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_up(url: str, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            if httpx.get(url + ".well-known/agent-card.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


@pytest.fixture(scope="module")
def served():
    """`agentcast serve tests/a2a/app.py:agent --token ...` in its own process."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "agentcast.cli", "serve", "tests/a2a/app.py:agent",
         "--port", str(port), "--token", TOKEN],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_up(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _sdk_send(url: str, text: str, token: str | None = TOKEN):
    from a2a.client import ClientConfig, create_client
    from a2a.types.a2a_pb2 import Message, Part, Role, SendMessageRequest

    async def main():
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with httpx.AsyncClient(headers=headers, timeout=30) as http:
            client = await create_client(url, client_config=ClientConfig(
                streaming=False, httpx_client=http))
            request = SendMessageRequest(message=Message(
                message_id="m-1", role=Role.ROLE_USER, parts=[Part(text=text)]))
            return [event async for event in client.send_message(request)]

    return asyncio.run(main())


def test_agent_card_is_served_and_declares_bearer_auth(served):
    card = httpx.get(served + ".well-known/agent-card.json").json()
    assert card["name"] == "shouter"
    assert card["supportedInterfaces"][0]["url"].startswith("http://127.0.0.1:")
    assert "bearer" in card["securitySchemes"]


def test_sdk_client_talks_to_our_server(served):
    events = _sdk_send(served, "hello there")
    assert len(events) == 1 and events[0].HasField("message")
    assert events[0].message.parts[0].text == "HELLO THERE"


def test_calls_without_the_token_are_rejected(served):
    resp = httpx.post(served, json={"jsonrpc": "2.0", "id": 1, "method": "SendMessage",
                                    "params": {}})
    assert resp.status_code == 401
    with pytest.raises(Exception):  # noqa: B017 - the sdk raises its own error type
        _sdk_send(served, "hi", token="wrong")


def test_malformed_requests_get_clear_errors_and_the_server_lives_on(served):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    bad_json = httpx.post(served, content=b"{not json", headers={
        **auth, "Content-Type": "application/json"})
    assert bad_json.json()["error"]["code"] == -32700
    no_method = httpx.post(served, json={"jsonrpc": "2.0", "id": 2, "params": {}},
                           headers=auth)
    assert "error" in no_method.json()
    bad_params = httpx.post(served, json={"jsonrpc": "2.0", "id": 3, "method": "SendMessage",
                                          "params": {"message": "not an object"}},
                            headers=auth)
    assert "error" in bad_params.json()
    no_parts = httpx.post(served, headers=auth, json={
        "jsonrpc": "2.0", "id": 4, "method": "SendMessage",
        "params": {"message": {"messageId": "x", "role": "ROLE_USER", "parts": []}}})
    assert "error" in no_parts.json() or "no text" in no_parts.text
    assert _sdk_send(served, "still here")[0].message.parts[0].text == "STILL HERE"


def test_remote_agent_to_our_server_in_a_hub_and_pipeline(served):
    remote = ac.RemoteAgent(served, token=TOKEN)
    assert remote.name == "shouter"
    local = EchoAgent("local", "m1")
    with ac.msghub([local, remote]):
        local()
        x = remote(Msg("user", "now you", role="user"))
        assert x.content == "NOW YOU"
        assert x.metadata["seen"][-2:] == ["m1", "now you"]  # it heard the hub first
    assert [m.content for m in local.memory.get()] == ["m1", "NOW YOU"]
    after = EchoAgent("after", "done")
    out = ac.sequential_pipeline([remote, after], Msg("user", "abc", role="user"))
    assert out.content == "done"
    assert after.memory.get()[0].content == "ABC"


def test_remote_agent_with_a_wrong_token_fails_typed(served):
    with pytest.raises(AgentCallError) as info:
        ac.RemoteAgent(served, token="nope", name="shouter")(Msg("u", "x")).result()
    assert isinstance(info.value.original, DistributedError)


@pytest.fixture(scope="module")
def sdk_server():
    """An A2A server written with the a2a-sdk only (no agentcast inside)."""
    import uvicorn
    from a2a.helpers import get_message_text, new_text_message
    from a2a.server.agent_execution import AgentExecutor
    from a2a.server.request_handlers import DefaultRequestHandler
    from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
    from a2a.server.tasks import InMemoryTaskStore
    from a2a.types.a2a_pb2 import AgentCapabilities, AgentCard, AgentInterface
    from starlette.applications import Starlette

    seen: list[str] = []

    class Reverse(AgentExecutor):
        async def execute(self, context, event_queue):
            text = get_message_text(context.message)
            seen.append(text)
            await asyncio.sleep(0.3)
            await event_queue.enqueue_event(
                new_text_message(text.splitlines()[-1][::-1], context_id=context.context_id))

        async def cancel(self, context, event_queue):
            raise NotImplementedError

    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    card = AgentCard(name="reverser", description="reverses text", version="1",
                     supported_interfaces=[AgentInterface(url=url, protocol_binding="JSONRPC",
                                                          protocol_version="1.0")],
                     capabilities=AgentCapabilities(streaming=False),
                     default_input_modes=["text/plain"], default_output_modes=["text/plain"])
    handler = DefaultRequestHandler(agent_executor=Reverse(), task_store=InMemoryTaskStore(),
                                    agent_card=card)
    app = Starlette(routes=create_agent_card_routes(card) + create_jsonrpc_routes(handler, "/"))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    _wait_up(url)
    yield url, seen
    server.should_exit = True
    thread.join(10)


def test_remote_agent_calls_an_sdk_server_with_placeholders(sdk_server):
    url, seen = sdk_server
    agents = [ac.RemoteAgent(url, name=f"rev{i}") for i in range(3)]
    t0 = time.perf_counter()
    outs = [a(Msg("user", f"abc{i}", role="user")) for i, a in enumerate(agents)]
    assert time.perf_counter() - t0 < 0.2  # placeholders at once
    assert [o.content for o in outs] == ["0cba", "1cba", "2cba"]
    assert time.perf_counter() - t0 < 0.9 + 0.5  # in parallel, not 3 x 0.3 s one by one


def test_remote_agent_from_async_code_and_hub_history(sdk_server):
    url, seen = sdk_server
    rev = ac.RemoteAgent(url)
    assert rev.name == "reverser"
    talker = EchoAgent("talker", "hello")

    async def main():
        async with ac.msghub([talker, rev]):
            await talker()
            return await rev(Msg("user", "xyz", role="user"))

    assert asyncio.run(main()).content == "zyx"
    assert seen[-1].splitlines() == ["talker: hello", "xyz"]


def test_serve_in_process_without_blocking():
    port = _free_port()
    server = ac.serve(Shout("inproc"), port=port, block=False)
    try:
        remote = ac.RemoteAgent(server.url, token=server.token)
        assert remote(Msg("user", "loud", role="user")).content == "LOUD"
    finally:
        server.stop()


def test_a_failing_served_agent_fails_the_remote_call_typed():
    from ..core.helpers import FailingAgent

    server = ac.serve(FailingAgent("grumpy"), port=_free_port(), block=False)
    try:
        with pytest.raises(AgentCallError) as info:
            ac.RemoteAgent(server.token_url)(Msg("user", "please", role="user")).result()
        assert isinstance(info.value.original, DistributedError)
        assert info.value.agent == "grumpy"
        # the server is still up for the next call
        assert httpx.get(server.url + ".well-known/agent-card.json").status_code == 200
    finally:
        server.stop()
