"""agentcast studio: a web UI over recorded and running runs (extra ``agentcast[studio]``).

Importing this package does not import the web stack; ``create_app`` and ``StudioServer``
load FastAPI and uvicorn when used. ``web_input`` (pure stdlib) lets an application's
UserAgents be answered from the page.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "Inbox": "agentcast.studio.inbox",
    "StudioServer": "agentcast.studio.runner",
    "WebInput": "agentcast.studio.inbox",
    "create_app": "agentcast.studio.server",
    "web_input": "agentcast.studio.inbox",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'agentcast.studio' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
