"""docs/porting-from-autogen.md: every agentcast snippet runs (AutoGen's are fenced
```python autogen and are not run)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "porting-from-autogen.md"
BLOCK = re.compile(r"```python\n(.*?)```", re.S)
AUTOGEN = re.compile(r"```python autogen\n(.*?)```", re.S)
SNIPPETS = BLOCK.findall(DOC.read_text(encoding="utf-8"))


def test_every_construct_has_both_sides():
    text = DOC.read_text(encoding="utf-8")
    assert len(SNIPPETS) >= 10
    assert len(AUTOGEN.findall(text)) >= 9
    assert "## Remaining differences" in text


@pytest.mark.parametrize("code", SNIPPETS, ids=[f"snippet{i}" for i in range(len(SNIPPETS))])
def test_agentcast_snippet_runs(code, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "AGENTCAST_QUIET": "1"}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
