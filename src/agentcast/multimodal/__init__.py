"""Multi-modal data: media files live under the run directory; messages carry their URLs.

Names load lazily, like the top-level package.
"""

from __future__ import annotations

from agentcast._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "FileManager": "agentcast.multimodal.files",
    "file_manager": "agentcast.multimodal.files",
    "load_bytes": "agentcast.multimodal.files",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports("agentcast.multimodal", globals(), _EXPORTS)
