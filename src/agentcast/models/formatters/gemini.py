"""list[Msg] -> Gemini generateContent request parts (``systemInstruction``, ``contents``).

Roles are "user" and "model"; names are shown in the text when several speakers share a
role; consecutive turns of one role are merged. Tool calls are ``functionCall`` parts,
results ``functionResponse`` parts (``{"result": ...}``) in a user turn. Media: local files
as ``inlineData`` (base64), remote URLs as ``fileData`` with their URI.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from agentcast.message import Msg
from agentcast.models.formatters.common import (
    IS_ERROR,
    Media,
    arguments_obj,
    data_b64,
    media_of,
    multi_speaker,
    paired,
    split_system,
    text_of,
    tool_specs,
    turn_appender,
    user_at_ends,
    with_name,
)


def _media_part(media: Media) -> dict[str, Any]:
    if media.local:
        return {"inlineData": {"mimeType": media.mime, "data": data_b64(media)}}
    return {"fileData": {"mimeType": media.mime, "fileUri": media.url}}


def _result_value(msg: Msg) -> Any:
    content = msg.content
    if isinstance(content, str):
        try:
            content = json.loads(content)
        except ValueError:
            pass
    key = "error" if msg.metadata.get(IS_ERROR) else "result"
    return content if isinstance(content, dict) and key == "result" else {key: content}


def format_gemini(messages: Sequence[Msg] | Any) -> dict[str, Any]:
    """``{"systemInstruction": ..., "contents": [...]}`` (no systemInstruction if none)."""
    system, msgs = split_system(messages)
    show = multi_speaker(msgs)
    contents: list[dict[str, Any]] = []
    add = turn_appender(contents, "parts")

    for item in paired(msgs):
        m = item.msg
        if item.result_of is not None:
            call = item.result_of
            add("user", [{"functionResponse": {"id": call["id"], "name": call["name"],
                                               "response": _result_value(m)}}])
            continue
        if m.role == "system":
            add("user", [{"text": f"system: {text_of(m)}"}])
            continue
        media = media_of(m)  # media only in user turns, as in the other APIs
        role = "model" if m.role == "assistant" and not media else "user"
        text = with_name(m, text_of(m), show)
        parts: list[dict[str, Any]] = [{"text": text}] if text else []
        parts += [_media_part(x) for x in media]
        if role == "model":
            parts += [{"functionCall": {"id": c["id"], "name": c["name"],
                                        "args": arguments_obj(c["arguments"])}}
                      for c in item.calls]
        add(role, parts)
    if show:
        contents = user_at_ends(contents, "model", "user", "parts",
                                lambda p: "functionCall" in p)
    request: dict[str, Any] = {"contents": contents}
    if system:
        request["systemInstruction"] = {"parts": [{"text": "\n\n".join(system)}]}
    return request


def gemini_tools(tools: Sequence[dict[str, Any]] | None) -> list[dict[str, Any]]:
    specs = tool_specs(tools)
    return [{"functionDeclarations": specs}] if specs else []


__all__ = ["format_gemini", "gemini_tools"]
