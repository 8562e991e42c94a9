"""Test doubles users can use: scripted models and a local OpenAI-compatible server.

Names load lazily so that importing one double does not start or import the others.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "ScriptedModel": "agentcast.testing.scripted",
    "FunctionModel": "agentcast.testing.scripted",
    "OpenAITestServer": "agentcast.testing.openai_server",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'agentcast.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
