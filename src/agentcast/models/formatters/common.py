"""What every formatter needs: the tool-call convention, media loading, speaker names, trim.

Tool-call convention (agents and formatters rely on it; see docs/ARCHITECTURE.md, Models):

- an assistant Msg that asks for tools carries ``metadata["tool_calls"]``: a list of
  ``{"id": str, "name": str, "arguments": dict | str}`` (its content is any text said
  alongside, possibly empty);
- each result is its own Msg with ``metadata["tool_call_id"]`` (the call's id), ``name`` =
  the tool's name, ``content`` = the result (text or JSON), ``role="user"``, and optionally
  ``metadata["is_error"] = True``. Results follow the call Msg, in call order.

Formatters keep calls and results paired: a result without its call becomes plain text,
a call without a result is dropped (the API would reject either). :func:`trim_history`
cuts history without ever separating a call from its results.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentcast.message import Msg

TOOL_CALLS = "tool_calls"
TOOL_CALL_ID = "tool_call_id"
IS_ERROR = "is_error"


# --- messages ---------------------------------------------------------------------------
def flatten(messages: Any) -> list[Msg]:
    """Messages as a flat list: nested lists are spliced, None entries skipped."""
    out: list[Msg] = []
    stack = [messages]
    while stack:
        item = stack.pop()
        if item is None:
            continue
        if isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        else:
            out.append(item)
    return out


def text_of(msg: Msg) -> str:
    """The text of a message's content (non-text content as JSON)."""
    content = msg.content
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return json.dumps(content, ensure_ascii=False)


def make_tool_call_msg(name: str, calls: Iterable[Any], content: str = "") -> Msg:
    """An assistant Msg asking for tools (``calls``: ToolCall objects or dicts)."""
    return Msg(name, content, "assistant", metadata={TOOL_CALLS: [_call_dict(c) for c in calls]})


def make_tool_result_msg(call_id: str, tool_name: str, result: Any, *,
                         is_error: bool = False) -> Msg:
    """The Msg carrying one tool result back to the model."""
    meta: dict[str, Any] = {TOOL_CALL_ID: call_id}
    if is_error:
        meta[IS_ERROR] = True
    return Msg(tool_name, result, "user", metadata=meta)


def _call_dict(call: Any) -> dict[str, Any]:
    if isinstance(call, dict):
        return {"id": str(call.get("id", "")), "name": str(call["name"]),
                "arguments": call.get("arguments", {})}
    return {"id": call.id, "name": call.name, "arguments": call.arguments}


def tool_calls_of(msg: Msg) -> list[dict[str, Any]]:
    md = msg._metadata
    calls = md.get(TOOL_CALLS) if md else None
    return [_call_dict(c) for c in calls] if calls else []


def result_id_of(msg: Msg) -> str | None:
    md = msg._metadata
    value = md.get(TOOL_CALL_ID) if md else None
    return str(value) if value else None


def arguments_json(arguments: Any) -> str:
    return arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)


def arguments_obj(arguments: Any) -> dict[str, Any]:
    if isinstance(arguments, dict):
        return arguments
    try:
        value = json.loads(arguments) if arguments else {}
    except (TypeError, ValueError):
        return {"input": arguments}
    return value if isinstance(value, dict) else {"input": value}


@dataclass
class Item:
    """A message as a formatter should treat it after pairing tool calls with results."""

    msg: Msg
    calls: list[dict[str, Any]]  # calls that have results (others dropped)
    result_of: dict[str, Any] | None  # the call this message answers, if paired


def paired(messages: Sequence[Msg]) -> list[Item]:
    """Pair calls with results; orphans degrade to plain messages. Results are moved up to
    follow their call directly (APIs reject anything in between, e.g. a hub broadcast that
    arrived while the tool ran); what came between follows them."""
    answered: set[str] = set()
    calls_by_id: dict[str, dict[str, Any]] = {}
    for m in messages:
        for c in tool_calls_of(m):
            calls_by_id[c["id"]] = c
    seen_calls: set[str] = set()
    for m in messages:
        for c in tool_calls_of(m):
            seen_calls.add(c["id"])
        rid = result_id_of(m)
        if rid and rid in seen_calls:
            answered.add(rid)
    items = []
    for m in messages:
        rid = result_id_of(m)
        result_of = calls_by_id.get(rid) if rid in answered else None
        items.append(Item(m, [c for c in tool_calls_of(m) if c["id"] in answered], result_of))
    if not answered:
        return items
    out: list[Item] = []
    moved: set[int] = set()
    for i, item in enumerate(items):
        if i in moved:
            continue
        out.append(item)
        if item.calls:
            ids = {c["id"] for c in item.calls}
            for j in range(i + 1, len(items)):
                res = items[j].result_of
                if j not in moved and res is not None and res["id"] in ids:
                    out.append(items[j])
                    moved.add(j)
    return out


# --- speaker names ----------------------------------------------------------------------
def result_text(msg: Msg) -> str:
    """A tool result as text, marked as an error for APIs without an error field."""
    text = text_of(msg)
    return f"Error: {text}" if msg.metadata.get(IS_ERROR) else text


def split_system(messages: Sequence[Msg] | Any) -> tuple[list[str], list[Msg]]:
    """The leading system messages' texts, and the rest of the history."""
    msgs = flatten(messages)
    system: list[str] = []
    while msgs and msgs[0].role == "system":
        system.append(text_of(msgs.pop(0)))
    return system, msgs


def turn_appender(turns: list[dict[str, Any]], key: str) -> Callable[[str, list[Any]], None]:
    """``add(role, parts)``: a new turn, or more parts on the last turn when the role repeats
    (APIs that require user and assistant turns to alternate)."""

    def add(role: str, parts: list[Any]) -> None:
        if not parts:
            return
        if turns and turns[-1]["role"] == role:
            turns[-1][key].extend(parts)
        else:
            turns.append({"role": role, key: parts})

    return add


def as_seen_by(messages: Sequence[Msg] | Any, speaker: str | None) -> list[Msg]:
    """The history laid out the way chat models are trained for, from ``speaker``'s seat:
    its own turns stay ``assistant``; another agent's words (role ``assistant`` in a shared
    history) become ``user`` turns, so the model neither takes them for its own nor learns to
    continue them. Formatters then name those speakers (the ``name`` field, or "Name: text"
    when several share the user role). Tool calls, results and system text are unchanged;
    without a ``speaker`` the history is returned as it is."""
    msgs = flatten(messages)
    if not speaker or not any(m.role == "assistant" and m.name != speaker for m in msgs):
        return msgs
    out: list[Msg] = []
    for m in msgs:
        if m.role == "assistant" and m.name != speaker and not tool_calls_of(m):
            m = Msg(m.name, m.content, "user", url=m.url,
                    metadata=dict(m._metadata) if m._metadata else None, id=m.id,
                    timestamp=m.timestamp)
        out.append(m)
    return out


def multi_speaker(messages: Sequence[Msg]) -> frozenset[str]:
    """The roles whose turns must show the speaker's name (empty, so false, when no role is
    spoken by more than one name): all of them once some role is shared, except the
    model's own voice (``assistant`` spoken by one name, see as_seen_by), which a model
    would otherwise learn to start with "Name:"."""
    names: dict[str, set[str]] = {}
    for m in messages:
        if m.role != "system" and result_id_of(m) is None:
            names.setdefault(m.role, set()).add(m.name)
    if not any(len(v) > 1 for v in names.values()):
        return frozenset()
    own = {"assistant"} if len(names.get("assistant", ())) <= 1 else set()
    return frozenset(names) - own


def with_name(msg: Msg, text: str, show: bool | frozenset[str] | set[str]) -> str:
    """"Name: text" when ``show`` is true, or names ``msg``'s role (from multi_speaker)."""
    if isinstance(show, (set, frozenset)):
        show = msg.role in show
    return f"{msg.name}: {text}" if show and msg.name else text


def user_at_ends(turns: list[dict[str, Any]], assistant: str, user: str, key: str,
                 is_call: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    """For multi-agent histories on APIs whose turns alternate (Anthropic, Gemini): another
    agent's words at the start or end must not be read as this model's own (a trailing
    assistant turn is a prefill the model would continue), so such text-only turns become
    user turns (names are in the text) and same-role neighbours merge again."""
    for index in (0, -1):
        if turns and turns[index]["role"] == assistant and \
                not any(is_call(part) for part in turns[index][key]):
            turns[index]["role"] = user
    merged: list[dict[str, Any]] = []
    for turn in turns:
        if merged and merged[-1]["role"] == turn["role"]:
            merged[-1][key].extend(turn[key])
        else:
            merged.append(turn)
    return merged


# --- media ------------------------------------------------------------------------------
@dataclass
class Media:
    """One attachment from ``Msg.url``."""

    url: str
    kind: str  # image | audio | video | file
    mime: str
    local: bool

    def b64(self) -> str:
        return base64.b64encode(Path(self.path).read_bytes()).decode()

    @property
    def path(self) -> str:
        return self.url[7:] if self.url.startswith("file://") else self.url

    def data_url(self) -> str:
        return self.url if self.url.startswith("data:") else f"data:{self.mime};base64,{self.b64()}"

    @property
    def ext(self) -> str:
        return os.path.splitext(self.path)[1].lstrip(".").lower()


_REMOTE = re.compile(r"^(https?|gs|s3|oss)://", re.I)
_EXTRA_TYPES = {".webp": "image/webp", ".m4a": "audio/mp4", ".flac": "audio/flac",
                ".opus": "audio/opus", ".wav": "audio/wav", ".mp3": "audio/mpeg"}


def media_of(msg: Msg) -> list[Media]:
    """The message's attachments, classified by extension (or data-URL type)."""
    urls = msg.url
    if not urls:
        return []
    out = []
    for url in [urls] if isinstance(urls, str) else urls:
        if url.startswith("data:"):
            mime = url[5:].split(";", 1)[0] or "application/octet-stream"
            local = True
        else:
            path = url.split("?", 1)[0]
            ext = os.path.splitext(path)[1].lower()
            mime = _EXTRA_TYPES.get(ext) or mimetypes.guess_type(path)[0] or \
                "application/octet-stream"
            local = not _REMOTE.match(url)
        major = mime.split("/", 1)[0]
        kind = major if major in ("image", "audio", "video") else "file"
        out.append(Media(url, kind, mime, local))
    return out


def data_b64(media: Media) -> str:
    """Base64 of a local file or a data URL's payload."""
    if media.url.startswith("data:"):
        return media.url.split(",", 1)[1]
    return media.b64()


def mention(media: Media) -> str:
    """A text stand-in for an attachment the API cannot take."""
    return f"[{media.kind}: {media.url}]"


# --- tools ------------------------------------------------------------------------------
def tool_specs(tools: Sequence[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """name/description/parameters from OpenAI-style or bare function schemas."""
    specs = []
    for tool in tools or []:
        fn = tool.get("function", tool) if tool.get("type", "function") == "function" else tool
        specs.append({"name": fn["name"], "description": fn.get("description", ""),
                      "parameters": fn.get("parameters") or {"type": "object",
                                                             "properties": {}}})
    return specs


# --- trimming ---------------------------------------------------------------------------
def _units(messages: Sequence[Msg]) -> list[list[Msg]]:
    """Group a call Msg with the result Msgs that answer it (a unit is never split)."""
    units: list[list[Msg]] = []
    open_ids: set[str] = set()
    for m in messages:
        rid = result_id_of(m)
        if rid is not None and rid in open_ids and units:
            units[-1].append(m)
            continue
        units.append([m])
        open_ids = {c["id"] for c in tool_calls_of(m)}
    return units


def estimate_tokens(msg: Msg) -> int:
    """A cheap token estimate (4 characters a token) for trimming."""
    size = len(text_of(msg)) + sum(len(arguments_json(c["arguments"])) + len(c["name"])
                                   for c in tool_calls_of(msg))
    return size // 4 + 4


def trim_history(messages: Sequence[Msg], *, max_messages: int | None = None,
                 max_tokens: int | None = None, keep_system: bool = True,
                 count: Callable[[Msg], int] = estimate_tokens) -> list[Msg]:
    """The newest messages that fit the limits, dropping oldest first.

    A tool-call Msg and its results are kept or dropped together; leading system messages
    are always kept when ``keep_system``; a result whose call was already gone is dropped.
    """
    msgs = flatten(list(messages))
    head: list[Msg] = []
    if keep_system:
        while msgs and msgs[0].role == "system":
            head.append(msgs.pop(0))
    units = _units(msgs)
    budget_msgs = None if max_messages is None else max_messages - len(head)
    budget_tokens = None if max_tokens is None else max_tokens - sum(count(m) for m in head)
    kept: list[list[Msg]] = []
    n = tokens = 0
    for unit in reversed(units):
        size, cost = len(unit), sum(count(m) for m in unit)
        if budget_msgs is not None and n + size > budget_msgs:
            break
        if budget_tokens is not None and tokens + cost > budget_tokens:
            break
        kept.append(unit)
        n, tokens = n + size, tokens + cost
    body = [m for unit in reversed(kept) for m in unit]
    while body and result_id_of(body[0]) is not None:  # an orphaned result at the cut
        body.pop(0)
    return head + body


__all__ = [
    "IS_ERROR", "TOOL_CALLS", "TOOL_CALL_ID", "Item", "Media", "arguments_json",
    "arguments_obj", "as_seen_by", "data_b64", "estimate_tokens", "flatten", "make_tool_call_msg",
    "make_tool_result_msg", "media_of", "mention", "multi_speaker", "paired", "result_id_of",
    "text_of", "tool_calls_of", "tool_specs", "trim_history", "user_at_ends", "with_name",
]
