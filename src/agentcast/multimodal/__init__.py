"""Multi-modal data: media files live under the run directory; messages carry their URLs.

Names load lazily, like the top-level package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentcast._lazy import lazy_exports

if TYPE_CHECKING:
    from agentcast.multimodal.calls import first_text as first_text
    from agentcast.multimodal.calls import invoke as invoke
    from agentcast.multimodal.calls import media_call as media_call
    from agentcast.multimodal.calls import model_name as model_name
    from agentcast.multimodal.calls import resolve_media_model as resolve_media_model
    from agentcast.multimodal.calls import urls_of as urls_of
    from agentcast.multimodal.files import FileManager as FileManager
    from agentcast.multimodal.files import ext_for as ext_for
    from agentcast.multimodal.files import file_manager as file_manager
    from agentcast.multimodal.files import load_bytes as load_bytes
    from agentcast.multimodal.files import local_path as local_path
    from agentcast.multimodal.files import sniff_ext as sniff_ext

# public name -> module that defines it (one line each; keep the three lists in step)
_EXPORTS: dict[str, str] = {
    "FileManager": "agentcast.multimodal.files",
    "ext_for": "agentcast.multimodal.files",
    "file_manager": "agentcast.multimodal.files",
    "first_text": "agentcast.multimodal.calls",
    "invoke": "agentcast.multimodal.calls",
    "load_bytes": "agentcast.multimodal.files",
    "local_path": "agentcast.multimodal.files",
    "media_call": "agentcast.multimodal.calls",
    "model_name": "agentcast.multimodal.calls",
    "resolve_media_model": "agentcast.multimodal.calls",
    "sniff_ext": "agentcast.multimodal.files",
    "urls_of": "agentcast.multimodal.calls",
}

__all__ = [
    "FileManager",
    "ext_for",
    "file_manager",
    "first_text",
    "invoke",
    "load_bytes",
    "local_path",
    "media_call",
    "model_name",
    "resolve_media_model",
    "sniff_ext",
    "urls_of",
]

__getattr__, __dir__ = lazy_exports("agentcast.multimodal", globals(), _EXPORTS)
