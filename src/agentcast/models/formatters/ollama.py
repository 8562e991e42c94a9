"""list[Msg] -> Ollama native ``/api/chat`` messages.

Images go in ``images`` as bare base64 (local files or data URLs; Ollama cannot fetch remote
URLs, so those become a text mention). No name field: names are shown in the text when
several speakers share a role. Tool calls carry arguments as objects; results are role
"tool" with ``tool_name``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentcast.message import Msg
from agentcast.models.formatters.common import (
    arguments_obj,
    data_b64,
    flatten,
    media_of,
    mention,
    multi_speaker,
    paired,
    result_text,
    text_of,
    with_name,
)


def format_ollama(messages: Sequence[Msg] | Any) -> list[dict[str, Any]]:
    msgs = flatten(messages)
    show = multi_speaker(msgs)
    out: list[dict[str, Any]] = []
    for item in paired(msgs):
        m = item.msg
        if item.result_of is not None:
            text = result_text(m)
            out.append({"role": "tool", "content": text, "tool_name": item.result_of["name"]})
            continue
        text = with_name(m, text_of(m), show if m.role != "system" else False)
        images, notes = [], []
        for media in media_of(m):
            if media.kind == "image" and media.local:
                images.append(data_b64(media))
            else:
                notes.append(mention(media))
        entry: dict[str, Any] = {"role": "user" if images and m.role == "assistant" else m.role,
                                 "content": "\n".join([text, *notes]) if notes else text}
        if images:
            entry["images"] = images
        if item.calls and entry["role"] == "assistant":
            entry["tool_calls"] = [{"function": {"name": c["name"],
                                                 "arguments": arguments_obj(c["arguments"])}}
                                   for c in item.calls]
        out.append(entry)
    return out


__all__ = ["format_ollama"]
