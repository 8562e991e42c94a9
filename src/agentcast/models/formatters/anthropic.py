"""list[Msg] -> Anthropic Messages request parts (``system`` and ``messages``).

The API has no name field, so names are shown in the text ("Alice: ...") when several
speakers share a role; consecutive turns of one role are merged (the API alternates roles);
leading system messages become ``system``, later ones a user turn "system: ...". Tool calls
are ``tool_use`` blocks, results ``tool_result`` blocks in the next user turn. Images and
PDFs: base64 for local files, ``url`` sources for remote ones; other media as a mention.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentcast.message import Msg
from agentcast.models.formatters.common import (
    IS_ERROR,
    Media,
    arguments_obj,
    data_b64,
    media_of,
    mention,
    multi_speaker,
    paired,
    split_system,
    text_of,
    tool_specs,
    turn_appender,
    user_at_ends,
    with_name,
)


def _media_block(media: Media) -> dict[str, Any]:
    kind = {"image": "image", "file": "document"}.get(media.kind)
    if kind == "document" and media.mime != "application/pdf":
        kind = None
    if kind is None:
        return {"type": "text", "text": mention(media)}
    if media.local:
        return {"type": kind, "source": {"type": "base64", "media_type": media.mime,
                                         "data": data_b64(media)}}
    return {"type": kind, "source": {"type": "url", "url": media.url}}


def format_anthropic(messages: Sequence[Msg] | Any) -> tuple[str | None, list[dict[str, Any]]]:
    """``(system, messages)`` for a Messages API request."""
    system, msgs = split_system(messages)
    show = multi_speaker(msgs)
    out: list[dict[str, Any]] = []
    add = turn_appender(out, "content")

    for item in paired(msgs):
        m = item.msg
        if item.result_of is not None:
            block: dict[str, Any] = {"type": "tool_result", "tool_use_id": item.result_of["id"],
                                     "content": text_of(m)}
            if m.metadata.get(IS_ERROR):
                block["is_error"] = True
            add("user", [block])
            continue
        if m.role == "system":
            add("user", [{"type": "text", "text": f"system: {text_of(m)}"}])
            continue
        media = media_of(m)
        role = "user" if m.role == "user" or media else "assistant"
        text = with_name(m, text_of(m), show)
        blocks: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
        blocks += [_media_block(x) for x in media]
        if role == "assistant":
            blocks += [{"type": "tool_use", "id": c["id"], "name": c["name"],
                        "input": arguments_obj(c["arguments"])} for c in item.calls]
        add(role, blocks)
    if show:
        out = user_at_ends(out, "assistant", "user", "content",
                           lambda b: b.get("type") == "tool_use")
    return ("\n\n".join(system) if system else None), out


def anthropic_tools(tools: Sequence[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return [{"name": s["name"], "description": s["description"], "input_schema": s["parameters"]}
            for s in tool_specs(tools)]


def anthropic_tool_choice(choice: Any) -> Any:
    """OpenAI-style tool_choice -> Anthropic's."""
    if choice == "auto":
        return {"type": "auto"}
    if choice == "required":
        return {"type": "any"}
    if choice == "none":
        return {"type": "none"}
    if isinstance(choice, dict) and "function" in choice:
        return {"type": "tool", "name": choice["function"]["name"]}
    return choice


__all__ = ["anthropic_tool_choice", "anthropic_tools", "format_anthropic"]
