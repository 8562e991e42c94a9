"""Multi-modal data: media files live under the run directory; messages carry their URLs.

Names load lazily, like the top-level package.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "FileManager": "agentcast.multimodal.files",
    "file_manager": "agentcast.multimodal.files",
    "load_bytes": "agentcast.multimodal.files",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'agentcast.multimodal' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
