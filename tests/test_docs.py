"""Every ```python block in the README runs, so the docs never drift from the code."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def blocks(path):
    return BLOCK.findall(path.read_text(encoding="utf-8"))


README_BLOCKS = blocks(ROOT / "README.md")


def test_readme_has_snippets_and_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(README_BLOCKS) >= 3
    assert "bash scripts/test.sh" in text
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/test.sh" in ci


@pytest.mark.parametrize("code", README_BLOCKS, ids=[f"block{i}" for i in range(len(README_BLOCKS))])
def test_readme_snippet_runs(code, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "AGENTCAST_QUIET": "1"}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]


RUNTIME_BLOCKS = blocks(ROOT / "docs" / "runtime.md")


@pytest.mark.parametrize("code", RUNTIME_BLOCKS,
                         ids=[f"runtime{i}" for i in range(len(RUNTIME_BLOCKS))])
def test_runtime_doc_snippet_runs(code, tmp_path):
    test_readme_snippet_runs(code, tmp_path)



DURABLE_BLOCKS = blocks(ROOT / "docs" / "durable.md")


@pytest.mark.parametrize("code", DURABLE_BLOCKS,
                         ids=[f"durable{i}" for i in range(len(DURABLE_BLOCKS))])
def test_durable_doc_snippet_runs(code, tmp_path):
    test_readme_snippet_runs(code, tmp_path)


def test_durable_doc_has_its_examples():
    assert len(DURABLE_BLOCKS) >= 3
