"""MCP client against the real mcp-server-time (stdio) and a local FastMCP server (HTTP)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

pytest.importorskip("mcp")

from agentcast.models.base import ToolCall  # noqa: E402
from agentcast.tools import Toolkit  # noqa: E402
from agentcast.tools.mcp import MCPClient  # noqa: E402

HERE = os.path.dirname(__file__)


def time_server() -> MCPClient:
    pytest.importorskip("mcp_server_time")
    return MCPClient.stdio("time", sys.executable,
                           ["-m", "mcp_server_time", "--local-timezone", "UTC"],
                           errlog=open(os.devnull, "w"))


async def test_stdio_time_server_tools_in_a_toolkit():
    tk = Toolkit()
    async with time_server() as client:
        names = await client.add_to_toolkit(tk)
        assert names == ["get_current_time", "convert_time"]
        schema = tk.get("convert_time").schema["function"]
        assert set(schema["parameters"]["required"]) == {"source_timezone", "time",
                                                          "target_timezone"}
        r = await tk.call(ToolCall("1", "convert_time", {
            "source_timezone": "UTC", "time": "12:00", "target_timezone": "Asia/Tokyo"}))
        assert r.ok and '"time_difference": "+9.0h"' in r.content
        r = await tk.call(ToolCall("2", "get_current_time", {"timezone": "Europe/Paris"}))
        assert r.ok and "Europe/Paris" in r.content
        # errors from the server, and bad arguments caught before the call, reach the model
        r = await tk.call(ToolCall("3", "get_current_time", {"timezone": "Mars/Olympus"}))
        assert not r.ok and "Mars/Olympus" in r.content
        r = await tk.call(ToolCall("4", "get_current_time", {"tz": "UTC"}))
        assert not r.ok and "missing required argument 'timezone'" in r.content
    assert client._loop is None  # closed: the server process and the loop are gone


def test_sync_connect_and_close(http_server):
    import asyncio

    client = MCPClient.http("demo", http_server).connect_sync()
    try:
        tk = Toolkit()
        asyncio.run(client.add_to_toolkit(tk, prefix="demo_", include=["add"]))
        assert tk.names() == ["demo_add"]
        r = asyncio.run(tk.call(ToolCall("1", "demo_add", {"a": 1, "b": 2})))
        assert r.ok and r.content == "3"  # from another event loop than the one that connected
    finally:
        client.close_sync()
    assert client._loop is None


async def test_unreachable_server_raises():
    client = MCPClient.stdio("nothing", sys.executable, ["-c", "import sys; sys.exit(3)"],
                             timeout=10, errlog=open(os.devnull, "w"))
    with pytest.raises(BaseException):  # noqa: B017 - transport-specific error types
        await client.connect()


@pytest.fixture(scope="module")
def http_server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "mcp_demo_server.py"), str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail("the demo MCP server exited")
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}/mcp"
    proc.terminate()
    proc.wait(10)


async def test_streamable_http_server(http_server):
    tk = Toolkit()
    async with MCPClient.http("demo", http_server) as client:
        assert sorted(await client.add_to_toolkit(tk)) == ["add", "fail", "shout"]
        results = await tk.call_many([
            ToolCall("1", "add", {"a": 2, "b": 40}),
            ToolCall("2", "shout", {"text": "hi", "times": 2}),
            ToolCall("3", "fail", {"reason": "on purpose"}),
            ToolCall("4", "add", {"a": "two"}),
        ])
        assert results[0].ok and results[0].content == "42"
        assert results[1].content == "HI HI"
        assert not results[2].ok and "on purpose" in results[2].content
        assert not results[3].ok and "'a' should be of type integer" in results[3].content
