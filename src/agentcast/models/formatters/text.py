"""list[Msg] -> a plain transcript, for models that take one prompt string.

Used by the generic POST-API model and as the prompt for local models without a chat
template: "name: text" per line, attachments mentioned, tool calls and results spelled out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentcast.message import Msg
from agentcast.models.formatters.common import (
    arguments_json,
    flatten,
    media_of,
    mention,
    paired,
    text_of,
)


def format_transcript(messages: Sequence[Msg] | Any, *, end_with: str | None = None) -> str:
    """One line per message; ``end_with`` (e.g. "Assistant:") cues the model to answer."""
    lines = []
    for item in paired(flatten(messages)):
        m = item.msg
        text = text_of(m)
        if item.result_of is not None:
            text = f"[result of {item.result_of['name']} ({item.result_of['id']})] {text}"
        notes = " ".join(mention(x) for x in media_of(m))
        calls = " ".join(f"[call {c['name']}({arguments_json(c['arguments'])}) id={c['id']}]"
                         for c in item.calls)
        body = " ".join(part for part in (text, notes, calls) if part)
        lines.append(body if m.role == "system" and not m.name else f"{m.name}: {body}")
    if end_with:
        lines.append(end_with)
    return "\n".join(lines)


__all__ = ["format_transcript"]
