"""ToolResponse: the one shape every tool result takes, so agents handle all tools alike."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class ToolStatus(str, Enum):
    """How a call ended. ``ERROR`` results are shown to the model so it can correct itself."""

    SUCCESS = "success"
    ERROR = "error"


@dataclass
class ToolResponse:
    """A tool's result: status, content (any JSON value) and optional file/image urls."""

    status: ToolStatus
    content: Any
    urls: list[str] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def success(cls, content: Any, urls: list[str] | None = None, **metadata: Any) -> ToolResponse:
        return cls(ToolStatus.SUCCESS, content, urls, metadata)

    @classmethod
    def error(cls, content: Any, **metadata: Any) -> ToolResponse:
        return cls(ToolStatus.ERROR, content, None, metadata)

    @property
    def ok(self) -> bool:
        return self.status == ToolStatus.SUCCESS

    def text(self) -> str:
        """The content as text for a model prompt (errors are prefixed so the model notices)."""
        content = self.content
        if not isinstance(content, str):
            content = json.dumps(content, ensure_ascii=False, default=str)
        if self.urls:
            content += "\n[files: " + ", ".join(self.urls) + "]"
        return content if self.ok else f"Error: {content}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status.value, "content": self.content}
        if self.urls:
            out["urls"] = list(self.urls)
        return out

    def __str__(self) -> str:
        return self.text()


__all__ = ["ToolResponse", "ToolStatus"]
