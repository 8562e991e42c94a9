"""Done-when for issue 4: the example runs end to end, offline, with an MCP server's tools."""

from __future__ import annotations

import importlib.util
import os

import pytest

pytest.importorskip("mcp")
pytest.importorskip("mcp_server_time")

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "react_tools.py")


async def test_react_tools_example(tmp_path):
    spec = importlib.util.spec_from_file_location("react_tools_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    answer = await module.main(str(tmp_path))
    # 09:30 London is 18:30 (GMT) or 17:30 (BST) in Tokyo: 330 or 390 minutes to midnight
    assert answer.content in (
        "At 09:30 in London it is 18:30 in Tokyo; 330 minutes remain until midnight.",
        "At 09:30 in London it is 17:30 in Tokyo; 390 minutes remain until midnight.",
    )
    assert (tmp_path / "answer.txt").read_text() == answer.content
