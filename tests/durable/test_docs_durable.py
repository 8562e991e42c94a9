"""Every ```python block of docs/durable.md runs (in its own process), so the doc is true."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "durable.md").read_text(), re.S)


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_durable_doc_snippet_runs(code, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "AGENTCAST_QUIET": "1"}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]


def test_doc_has_snippets():
    assert len(BLOCKS) >= 2
