"""The distributed examples run end to end on the test cluster (no stdin, offline models)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.ray, pytest.mark.timeout(240)]
ROOT = Path(__file__).resolve().parents[2]


def run_example(name: str, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name), *args],
        cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=200,
        env=dict(os.environ, AGENTCAST_QUIET="0"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_distributed_conversation(ray_cluster):
    out = run_example("distributed_conversation.py")
    assert "Ray actor, process" in out
    assert "pastéis de nata" in out
    assert "conversation ended after 4 turns; the remote assistant remembers 8 messages" in out


def test_distributed_debate(ray_cluster):
    out = run_example("distributed_debate.py", "--shared-host")
    assert "Skeptic: I am unsure about it. I have heard 4 arguments from Con, Pro." in out
    assert out.strip().splitlines()[-1].startswith("verdict: The most thorough debater was ")
