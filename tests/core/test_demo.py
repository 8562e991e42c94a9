"""The conversation demo runs offline with no terminal attached."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_conversation_demo_runs_offline():
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("AGENTCAST_QUIET", None)
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "conversation.py")],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Assistant" in result.stdout and "pastéis de nata" in result.stdout
    assert "conversation ended" in result.stdout
