"""The value types of a model call live in a module that imports nothing from agentcast."""

from __future__ import annotations

import ast
from pathlib import Path

import agentcast.models.base as base
import agentcast.models.types as types


def test_types_module_imports_nothing_from_agentcast():
    tree = ast.parse(Path(types.__file__).read_text(encoding="utf-8"))
    imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in imported if m.startswith("agentcast")]


def test_base_re_exports_the_same_classes():
    for name in ("ModelChunk", "ModelResponse", "ToolCall", "Usage"):
        assert getattr(base, name) is getattr(types, name)
