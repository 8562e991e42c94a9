"""Chat messages: what a reply may be, and how it becomes (and is saved as) a Msg.

A reply function may return a string, an AutoGen-style dict (``content``, ``role``,
``name``, ``tool_calls``, ``tool_responses``, ``override_role``, anything else goes to
metadata) or a Msg; chats hold Msgs, which also read like those dicts (``m["content"]``,
``m.get("role")``). Tool calls and results follow the formatters' convention
(models/formatters/common.py); AutoGen's nested ``{"function": {...}}`` form is accepted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Union

from agentcast.exceptions import ChatConfigError, InvalidMessageError
from agentcast.message import FIELDS, ROLES, Msg
from agentcast.models.formatters.common import TOOL_CALLS

MessageLike = Union[str, dict[str, Any], Msg]
TOOL_RESPONSES = "tool_responses"
_SPECIAL = frozenset({"content", "role", "name", "override_role", "tool_calls",
                      "tool_responses", "function_call", "url", "metadata", "id",
                      "timestamp"})


def _tool_call(call: Any, i: int) -> dict[str, Any]:
    if not isinstance(call, dict):
        return {"id": str(call.id), "name": str(call.name), "arguments": call.arguments}
    fn = call.get("function")
    if isinstance(fn, dict):  # the OpenAI / AutoGen wire form
        args: Any = fn.get("arguments") or {}
        if isinstance(args, str):
            try:
                args = json.loads(args)
            except ValueError:
                pass  # the executor reports unparsable arguments to the model
        return {"id": str(call.get("id") or f"call_{i}"), "name": str(fn.get("name")),
                "arguments": args}
    return {"id": str(call.get("id") or f"call_{i}"), "name": str(call["name"]),
            "arguments": call.get("arguments", {})}


def _tool_response(resp: Any) -> dict[str, Any]:
    if not isinstance(resp, dict):
        raise InvalidMessageError(f"a tool response must be a dict, got {resp!r}",
                                  field="tool_responses")
    call_id = str(resp.get("id") or resp.get("tool_call_id") or "")
    return {"id": call_id, "tool_call_id": call_id, "role": "tool",
            "name": str(resp.get("name") or ""), "content": resp.get("content"),
            "is_error": bool(resp.get("is_error"))}


def to_msg(message: MessageLike, name: str, role: str = "assistant") -> Msg:
    """A Msg from what a reply function returned; ``name`` and ``role`` fill the gaps."""
    if isinstance(message, Msg):
        return message
    if isinstance(message, str):
        return Msg(name, message, role)
    if not isinstance(message, dict):
        raise InvalidMessageError(
            f"a chat message must be a string, a dict or a Msg, got {type(message).__name__}",
            field="content")
    if message.get("content") is None and not message.get("tool_calls") \
            and not message.get("function_call") and not message.get("tool_responses"):
        raise InvalidMessageError(
            "a chat message dict needs 'content' or 'tool_calls'", field="content")
    meta: dict[str, Any] = dict(message.get("metadata") or {})
    meta.update({k: v for k, v in message.items() if k not in _SPECIAL})
    if message.get("tool_calls"):
        meta[TOOL_CALLS] = [_tool_call(c, i) for i, c in enumerate(message["tool_calls"])]
    if message.get("tool_responses"):
        meta[TOOL_RESPONSES] = [_tool_response(r) for r in message["tool_responses"]]
    if message.get("function_call"):  # the legacy functions API: one call, answered the same
        meta[TOOL_CALLS] = [_tool_call({"id": "function_call",
                                        "function": message["function_call"]}, 0)]
    wanted = message.get("override_role") or message.get("role")
    msg_role = wanted if wanted in ROLES else ("assistant" if meta.get(TOOL_CALLS) else role)
    content = message.get("content")
    if callable(content):  # a template: called with the message's context
        content = content(message.get("context") or {})
    return Msg(str(message.get("name") or name), "" if content is None else content, msg_role,
               message.get("url"), meta or None)


def msg_from_saved(data: Any) -> Msg:
    """A Msg from a saved dict: agentcast's wire form or an AutoGen message dict."""
    if isinstance(data, Msg):
        return data
    if isinstance(data, dict) and set(data) <= set(FIELDS) and "name" in data:
        return Msg.from_dict(data)
    if isinstance(data, dict):
        return to_msg(data, str(data.get("name") or ""), "user")
    raise InvalidMessageError(f"a saved message must be an object, got {data!r}",
                              field="messages")


def messages_to_string(messages: Iterable[Msg]) -> str:
    """A JSON string of messages that ``messages_from_string`` reads back."""
    return json.dumps([m.to_dict() for m in messages], ensure_ascii=False)


def messages_from_string(text: str) -> list[Msg]:
    """The messages saved by ``messages_to_string`` (AutoGen's saved dicts also work)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InvalidMessageError(f"saved messages are not valid JSON: {exc}",
                                  field="messages") from exc
    if not isinstance(data, list):
        raise InvalidMessageError("saved messages must be a JSON list", field="messages")
    return [msg_from_saved(d) for d in data]


def content_str(msg: Msg | None) -> str:
    """A message's content as text ("" for none), for termination tests and prompts."""
    if msg is None or msg.content is None:
        return ""
    content = msg.content
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # multimodal parts
        return "\n".join(str(p.get("text", "")) if isinstance(p, dict) else str(p)
                         for p in content)
    return json.dumps(content, ensure_ascii=False, default=str)


def with_role(msg: Msg, role: str, name: str | None = None) -> Msg:
    """A copy as one side of a conversation stores it (same id, content and metadata)."""
    copy = msg.copy()
    copy.role = role if msg.role != "system" else "system"
    if name is not None:
        copy.name = name
    return copy


def with_carryover(message: MessageLike, context: dict[str, Any]) -> MessageLike:
    """``message`` with the carried-over summaries appended (AutoGen's "Context:" block)."""
    carryover = context.get("carryover")
    if not carryover:
        return message
    if isinstance(carryover, str):
        text = carryover
    elif isinstance(carryover, list):
        text = "\n".join(_carry_item(c) for c in carryover)
    else:
        raise ChatConfigError("carryover must be a string or a list of strings",
                              field="carryover")
    block = "\nContext: \n" + text
    if isinstance(message, str):
        return message + block
    parts = message.get("content")
    if isinstance(parts, list):  # multimodal content: the context is one more text part
        out_parts = [*parts, {"type": "text", "text": block}]
        if isinstance(message, Msg):
            out_msg = message.copy()
            out_msg.content = out_parts
            return out_msg
        return {**message, "content": out_parts}
    if isinstance(message, Msg):
        out = message.copy()
        out.content = content_str(message) + block
        return out
    out_dict = dict(message)
    out_dict["content"] = str(out_dict.get("content") or "") + block
    return out_dict


def _carry_item(item: Any) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, (dict, Msg)) and item.get("content") is not None:
        return str(item.get("content"))
    return str(item)


__all__ = ["TOOL_RESPONSES", "MessageLike", "content_str", "messages_from_string",
           "messages_to_string", "msg_from_saved", "to_msg", "with_carryover", "with_role"]
