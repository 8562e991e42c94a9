"""Agent memory."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentcast._lazy import lazy_exports

if TYPE_CHECKING:
    from agentcast.memory.list_memory import ListMemory as ListMemory

# public name -> module that defines it (one line each; keep the three lists in step)
_EXPORTS: dict[str, str] = {
    "ListMemory": "agentcast.memory.list_memory",
}

__all__ = [
    "ListMemory",
]

__getattr__, __dir__ = lazy_exports("agentcast.memory", globals(), _EXPORTS)
