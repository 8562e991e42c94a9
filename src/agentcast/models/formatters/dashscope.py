"""list[Msg] -> DashScope (Qwen) native generation messages.

Text-only requests use OpenAI-like messages; with any image or audio the multimodal form is
used (content is a list of ``{"text"}``, ``{"image"}``, ``{"audio"}``, ``{"video"}`` items;
local files as data URLs, remote URLs as they are). No name field: names are shown in the
text when several speakers share a role. Tool calls and results follow OpenAI's shape.
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
    multi_speaker,
    paired,
    result_text,
    text_of,
    with_name,
)


def format_dashscope(messages: Sequence[Msg] | Any) -> tuple[list[dict[str, Any]], bool]:
    """``(messages, multimodal)``; ``multimodal`` picks the multimodal endpoint."""
    msgs = flatten(messages)
    multimodal = any(media_of(m) for m in msgs)
    show = multi_speaker(msgs)
    out: list[dict[str, Any]] = []
    for item in paired(msgs):
        m = item.msg
        if item.result_of is not None:
            text = result_text(m)
            out.append({"role": "tool", "content": [{"text": text}] if multimodal else text,
                        "tool_call_id": item.result_of["id"], "name": item.result_of["name"]})
            continue
        text = with_name(m, text_of(m), show if m.role != "system" else False)
        has_media = bool(media_of(m))  # media only in user turns
        entry: dict[str, Any] = {"role": "user" if has_media and m.role == "assistant"
                                 else m.role}
        if multimodal:
            parts: list[dict[str, Any]] = []
            for media in media_of(m):
                if media.kind in ("image", "audio", "video"):
                    parts.append({media.kind: media.data_url() if media.local else media.url})
                else:
                    parts.append({"text": mention(media)})
            entry["content"] = ([{"text": text}] if text else []) + parts
        else:
            entry["content"] = text
        if item.calls and entry["role"] == "assistant":
            entry["tool_calls"] = [
                {"id": c["id"], "type": "function",
                 "function": {"name": c["name"], "arguments": arguments_json(c["arguments"])}}
                for c in item.calls
            ]
        out.append(entry)
    return out, multimodal


__all__ = ["format_dashscope"]
