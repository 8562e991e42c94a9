"""A small MCP server (FastMCP / MCPServer from the official package) for the tests.

Usage: python mcp_demo_server.py PORT   (streamable HTTP on 127.0.0.1:PORT/mcp)
"""

from __future__ import annotations

import sys

try:  # mcp 2.x
    from mcp.server.mcpserver import MCPServer as Server
    from mcp.server.mcpserver.exceptions import ToolError
    V2 = True
except ImportError:  # mcp 1.x
    from mcp.server.fastmcp import FastMCP as Server
    from mcp.server.fastmcp.exceptions import ToolError
    V2 = False

app = Server("demo")


@app.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@app.tool()
def shout(text: str, times: int = 1) -> str:
    """Upper-case a text, repeated."""
    return " ".join([text.upper()] * times)


@app.tool()
def fail(reason: str) -> str:
    """Always fails with the given reason."""
    raise ToolError(reason)


if __name__ == "__main__":
    port = int(sys.argv[1])
    if V2:
        app.run("streamable-http", host="127.0.0.1", port=port)
    else:
        app.settings.host = "127.0.0.1"
        app.settings.port = port
        app.run("streamable-http")
