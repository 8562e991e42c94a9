"""Exit never waits long on stuck agents (DESIGN: "Nothing waits forever")."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
SCRIPT = """
import agentcast as ac

class Wait(ac.Agent):
    async def reply(self, x):
        return await self.other(x)

a, b = Wait("a"), Wait("b")
a.other, b.other = b, a
try:
    a(ac.Msg("u", 1)).content
except ac.DeadlockError as exc:
    print("deadlock:", exc.waits)
"""


def test_a_process_with_agents_stuck_in_a_cycle_exits_at_once():
    """The cycle a -> b -> a is reported where it is read; at exit the runtime sees that no
    busy agent can progress and leaves them (with a warning) instead of waiting out
    exit_timeout (300 s by default)."""
    started = time.monotonic()
    p = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                       timeout=120, env={**os.environ, "PYTHONPATH": str(SRC),
                                         "AGENTCAST_QUIET": "1"})
    took = time.monotonic() - started
    assert p.returncode == 0, p.stderr[-2000:]
    assert "deadlock: [('a'" in p.stdout
    assert "leaving stuck agents at exit" in p.stderr
    assert took < 30, f"exit waited {took:.0f} s on agents that can never finish"
