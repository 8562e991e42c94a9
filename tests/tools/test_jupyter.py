"""Stateful Python sessions on a real Jupyter kernel."""

from __future__ import annotations

import pytest

pytest.importorskip("jupyter_client")
pytest.importorskip("ipykernel")

from agentcast.models.base import ToolCall  # noqa: E402
from agentcast.tools import Toolkit  # noqa: E402
from agentcast.tools.jupyter import JupyterSession  # noqa: E402


async def test_state_persists_timeouts_interrupt_and_shutdown():
    session = JupyterSession(mode="unsandboxed", timeout=2)
    tk = Toolkit()
    tk.add(session.run_code)
    assert tk.names() == ["run_code"]
    try:
        r = await tk.call(ToolCall("1", "run_code", {"code": "data = [1, 2, 3]\nprint('loaded')"}))
        assert r.ok and r.content == "loaded"
        r = await tk.call(ToolCall("2", "run_code", {"code": "sum(data) * 2"}))
        assert r.ok and r.content == "12"
        r = await tk.call(ToolCall("3", "run_code", {"code": "import time\nwhile True: time.sleep(0.05)"}))
        assert not r.ok and "KeyboardInterrupt" in r.content and "interrupted" in r.content
        r = await tk.call(ToolCall("4", "run_code", {"code": "data.append(4); len(data)"}))
        assert r.ok and r.content == "4"  # the session survived the interrupt, state intact
        r = await tk.call(ToolCall("5", "run_code", {"code": "1 / 0"}))
        assert not r.ok and "ZeroDivisionError" in r.content
    finally:
        km = session._km
        await session.close()
    assert session._km is None and not await km.is_alive()
