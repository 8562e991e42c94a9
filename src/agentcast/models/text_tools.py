"""Tool calls a model wrote as text: servers without native tool support (or models that
ignore it) answer a request with ``tools`` by writing the call as JSON in the reply. Taken
as the final answer, the call would be lost; recognised, it runs like a native call.

Recognised only when the whole reply (after code fences or ``<tool_call>`` tags) is one call
or a list of calls naming offered tools: prose that merely contains JSON stays prose.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from agentcast.models.base import ToolCall
from agentcast.models.formatters.common import tool_specs

_FENCE = re.compile(r"^```[\w-]*\s*\n?(.*?)\n?```$", re.S)
_TAGS = re.compile(r"<tool_call>\s*(.*?)\s*</tool_call>", re.S)
_NAME_KEYS = ("name", "function", "tool", "tool_name")
_ARG_KEYS = ("arguments", "parameters", "args", "input", "tool_input")


def _call_of(item: Any, names: set[str], index: int) -> ToolCall | None:
    if not isinstance(item, dict):
        return None
    fn = item.get("function")
    if isinstance(fn, dict):  # {"type": "function", "function": {"name", "arguments"}}
        item = fn
    name = next((item[k] for k in _NAME_KEYS if isinstance(item.get(k), str)), None)
    if name not in names:
        return None
    args: Any = next((item[k] for k in _ARG_KEYS if k in item), {})
    if isinstance(args, str):
        try:
            args = json.loads(args) if args.strip() else {}
        except ValueError:
            return None
    if not isinstance(args, dict):
        return None
    extra = set(item) - set(_NAME_KEYS) - set(_ARG_KEYS) - {"id", "type"}
    if extra:  # an object with other fields is an answer that mentions a tool, not a call
        return None
    return ToolCall(str(item.get("id") or f"text_call_{index}"), name, args)


def tool_calls_in_text(text: str, tools: Sequence[dict[str, Any]] | None) -> list[ToolCall]:
    """The calls in ``text`` when the whole reply is tool calls to ``tools``, else []."""
    if not tools or not text or "{" not in text:
        return []
    names = {spec["name"] for spec in tool_specs(tools)}
    body = text.strip()
    tagged = _TAGS.findall(body)
    if tagged and not _TAGS.sub("", body).strip():
        pieces = tagged
    else:
        fenced = _FENCE.match(body)
        pieces = [fenced.group(1).strip() if fenced else body]
    calls: list[ToolCall] = []
    for piece in pieces:
        try:
            value = json.loads(piece)
        except ValueError:
            return []
        if isinstance(value, dict) and isinstance(value.get("tool_calls"), list):
            value = value["tool_calls"]
        for item in value if isinstance(value, list) else [value]:
            call = _call_of(item, names, len(calls))
            if call is None:
                return []
            calls.append(call)
    return calls


__all__ = ["tool_calls_in_text"]
