"""docs/porting-from-agentscope.md: every agentcast block runs (each in a fresh process);
the AgentScope blocks (```python agentscope) are shown, not run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "porting-from-agentscope.md"
TEXT = GUIDE.read_text(encoding="utf-8")
AGENTCAST = re.findall(r"```python\n(.*?)```", TEXT, re.S)
AGENTSCOPE = re.findall(r"```python agentscope\n(.*?)```", TEXT, re.S)


def test_guide_pairs_originals_with_agentcast_code_and_has_the_table():
    """Each construct: the AgentScope code, then the agentcast code; then the differences."""
    assert len(AGENTSCOPE) >= 6 and len(AGENTCAST) >= len(AGENTSCOPE)
    assert "## The remaining differences" in TEXT
    table = TEXT.split("## The remaining differences", 1)[1]
    assert table.count("\n|") >= 15


@pytest.mark.parametrize("code", AGENTCAST, ids=[f"block{i}" for i in range(len(AGENTCAST))])
def test_agentcast_block_runs(code, tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
           "AGENTCAST_QUIET": "1", "RAY_USAGE_STATS_ENABLED": "0",
           "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
