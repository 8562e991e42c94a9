"""list[Msg] -> OpenAI chat-completions messages (also vLLM, DeepSeek, Ollama-compat, ...).

Speaker names go in the ``name`` field (sanitised to the API's ``[A-Za-z0-9_-]{1,64}``);
``name_field=False`` (for servers that reject it) shows names in the text instead when
several speakers share a role. Media from ``Msg.url``: images as ``image_url`` parts (local
files as data URLs, remote URLs as they are), local wav/mp3 as ``input_audio``, local PDFs as
``file`` parts, anything else as a text mention. The API takes media only in user turns, so
an assistant Msg with attachments is sent as a user turn.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from agentcast.message import Msg
from agentcast.models.formatters.common import (
    Media,
    arguments_json,
    data_b64,
    flatten,
    media_of,
    mention,
    multi_speaker,
    paired,
    result_text,
    text_of,
    tool_specs,
    with_name,
)

_NAME_BAD = re.compile(r"[^A-Za-z0-9_-]")
_NAME_OK = re.compile(r"[A-Za-z0-9]")


def openai_name(name: str) -> str:
    return _NAME_BAD.sub("_", name)[:64]


def _media_part(media: Media) -> dict[str, Any]:
    if media.kind == "image":
        return {"type": "image_url", "image_url": {"url": media.data_url() if media.local
                                                   else media.url}}
    if media.kind == "audio" and media.local and media.ext in ("wav", "mp3"):
        return {"type": "input_audio", "input_audio": {"data": data_b64(media),
                                                       "format": media.ext}}
    if media.kind == "file" and media.local and media.mime == "application/pdf":
        return {"type": "file", "file": {"filename": media.path.rsplit("/", 1)[-1],
                                         "file_data": media.data_url()}}
    return {"type": "text", "text": mention(media)}


def format_openai(messages: Sequence[Msg] | Any, *, name_field: bool = True) -> list[dict[str, Any]]:
    """The ``messages`` array of a chat-completions request."""
    msgs = flatten(messages)
    show = not name_field and multi_speaker(msgs)
    out: list[dict[str, Any]] = []
    for item in paired(msgs):
        m = item.msg
        if item.result_of is not None:
            text = result_text(m)
            out.append({"role": "tool", "tool_call_id": item.result_of["id"], "content": text})
            continue
        text = with_name(m, text_of(m), show if m.role != "system" else False)
        media = media_of(m)
        entry: dict[str, Any] = {"role": m.role}
        if media:
            if m.role == "assistant":
                entry["role"] = "user"
            parts: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
            entry["content"] = parts + [_media_part(x) for x in media]
        else:
            entry["content"] = text
        if name_field and m.role != "system" and m.name:
            if _NAME_OK.search(openai_name(m.name)):
                entry["name"] = openai_name(m.name)
            elif isinstance(entry["content"], str):  # e.g. a CJK name: keep it in the text
                entry["content"] = with_name(m, entry["content"], True)
        if item.calls and entry["role"] == "assistant":
            entry["content"] = entry["content"] or None
            entry["tool_calls"] = [
                {"id": c["id"], "type": "function",
                 "function": {"name": c["name"], "arguments": arguments_json(c["arguments"])}}
                for c in item.calls
            ]
        out.append(entry)
    return out


def openai_tools(tools: Sequence[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return [{"type": "function", "function": spec} for spec in tool_specs(tools)]


__all__ = ["format_openai", "openai_name", "openai_tools"]
