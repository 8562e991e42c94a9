"""A ReActAgent with built-in tools plus an MCP server's tools, answering a multi-step task.

Runs offline: the "LLM" is a scripted policy (agentcast.testing.FunctionModel) that reads the
tool results in its prompt and decides the next step, the way a real model would. Swap in a
real model (``model="openai:gpt-4o-mini"`` or a config name) and the rest stays the same.

Tools:
- convert_time, get_current_time  from the MCP reference server ``mcp-server-time`` (stdio)
- execute_python_code             sandboxed (bubblewrap; refuses where it cannot run)
- write_text_file, read_text_file and the other file tools, confined to a workspace

Task: "At 09:30 in London, what time is it in Tokyo, and how many minutes are left until
midnight there? Save the answer to answer.txt."

Run: python examples/react_tools.py   (needs: pip install 'agentcast[mcp]' mcp-server-time)
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from typing import Any

import agentcast as ac
from agentcast.testing import FunctionModel
from agentcast.tools.mcp import MCPClient
from agentcast.tools.services.code import execute_python_code
from agentcast.tools.services.files import add_file_tools

TASK = ("At 09:30 in London, what time is it in Tokyo, and how many minutes are left until "
        "midnight there? Save the answer to answer.txt.")


def policy(messages: list[ac.Msg], tools: Any) -> Any:
    """A stand-in for the LLM: one decision per call, based on the tool results so far."""
    results = {m.name: m.content for m in messages if m.metadata.get("tool_call_id")}
    offered = {t["function"]["name"] for t in tools or []}
    assert {"convert_time", "execute_python_code", "write_text_file"} <= offered
    if "convert_time" not in results:
        return {"text": "First I convert the time.", "tool_calls": [{
            "id": "t1", "name": "convert_time",
            "arguments": {"source_timezone": "Europe/London", "time": "09:30",
                          "target_timezone": "Asia/Tokyo"}}]}
    tokyo = json.loads(results["convert_time"])["target"]["datetime"]  # 2026-..T18:30:00+09:00
    hhmm = tokyo[11:16]
    if "execute_python_code" not in results:
        code = (f"h, m = map(int, {hhmm!r}.split(':'))\n"
                "print(24 * 60 - (h * 60 + m))")
        return {"text": f"It is {hhmm} in Tokyo; now the minutes.", "tool_calls": [{
            "id": "t2", "name": "execute_python_code", "arguments": {"code": code}}]}
    minutes = results["execute_python_code"].strip()
    answer = f"At 09:30 in London it is {hhmm} in Tokyo; {minutes} minutes remain until midnight."
    if "write_text_file" not in results:
        return {"tool_calls": [{"id": "t3", "name": "write_text_file",
                                "arguments": {"path": "answer.txt", "content": answer}}]}
    return answer


async def main(workspace: str | None = None) -> ac.Msg:
    workspace = workspace or tempfile.mkdtemp(prefix="react-tools-")
    toolkit = ac.Toolkit()
    toolkit.add(execute_python_code)
    add_file_tools(toolkit, workspace)
    time_server = MCPClient.stdio(
        "time", sys.executable, ["-m", "mcp_server_time", "--local-timezone", "UTC"],
        errlog=open(os.devnull, "w"))
    async with time_server:
        await time_server.add_to_toolkit(toolkit)
        agent = ac.ReActAgent(
            "assistant", "You are a careful assistant. Use tools; never guess times.",
            model=FunctionModel(policy), toolkit=toolkit, max_iters=6)
        answer = await agent(ac.Msg("user", TASK, role="user"))
    print(answer.content)
    print("saved:", open(os.path.join(workspace, "answer.txt")).read())
    return answer


if __name__ == "__main__":
    asyncio.run(main())
