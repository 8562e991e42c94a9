"""Formatters: list[Msg] -> each provider's request, plus the tool-call Msg convention."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentcast._lazy import lazy_exports

if TYPE_CHECKING:
    from agentcast.models.formatters.anthropic import IS_ERROR as IS_ERROR
    from agentcast.models.formatters.anthropic import anthropic_tool_choice as anthropic_tool_choice
    from agentcast.models.formatters.anthropic import anthropic_tools as anthropic_tools
    from agentcast.models.formatters.anthropic import format_anthropic as format_anthropic
    from agentcast.models.formatters.common import TOOL_CALL_ID as TOOL_CALL_ID
    from agentcast.models.formatters.common import TOOL_CALLS as TOOL_CALLS
    from agentcast.models.formatters.common import Item as Item
    from agentcast.models.formatters.common import Media as Media
    from agentcast.models.formatters.common import arguments_json as arguments_json
    from agentcast.models.formatters.common import arguments_obj as arguments_obj
    from agentcast.models.formatters.common import as_seen_by as as_seen_by
    from agentcast.models.formatters.common import data_b64 as data_b64
    from agentcast.models.formatters.common import estimate_tokens as estimate_tokens
    from agentcast.models.formatters.common import flatten as flatten
    from agentcast.models.formatters.common import make_tool_call_msg as make_tool_call_msg
    from agentcast.models.formatters.common import make_tool_result_msg as make_tool_result_msg
    from agentcast.models.formatters.common import media_of as media_of
    from agentcast.models.formatters.common import mention as mention
    from agentcast.models.formatters.common import multi_speaker as multi_speaker
    from agentcast.models.formatters.common import paired as paired
    from agentcast.models.formatters.common import result_id_of as result_id_of
    from agentcast.models.formatters.common import result_text as result_text
    from agentcast.models.formatters.common import split_system as split_system
    from agentcast.models.formatters.common import text_of as text_of
    from agentcast.models.formatters.common import tool_calls_of as tool_calls_of
    from agentcast.models.formatters.common import tool_specs as tool_specs
    from agentcast.models.formatters.common import trim_history as trim_history
    from agentcast.models.formatters.common import turn_appender as turn_appender
    from agentcast.models.formatters.common import user_at_ends as user_at_ends
    from agentcast.models.formatters.common import with_name as with_name
    from agentcast.models.formatters.dashscope import format_dashscope as format_dashscope
    from agentcast.models.formatters.gemini import format_gemini as format_gemini
    from agentcast.models.formatters.gemini import gemini_tools as gemini_tools
    from agentcast.models.formatters.ollama import format_ollama as format_ollama
    from agentcast.models.formatters.openai import format_openai as format_openai
    from agentcast.models.formatters.openai import openai_name as openai_name
    from agentcast.models.formatters.openai import openai_tools as openai_tools
    from agentcast.models.formatters.text import format_transcript as format_transcript

# public name -> module that defines it (one line each; keep the three lists in step)
_EXPORTS: dict[str, str] = {
    "IS_ERROR": "agentcast.models.formatters.anthropic",
    "TOOL_CALLS": "agentcast.models.formatters.common",
    "TOOL_CALL_ID": "agentcast.models.formatters.common",
    "Item": "agentcast.models.formatters.common",
    "Media": "agentcast.models.formatters.common",
    "anthropic_tool_choice": "agentcast.models.formatters.anthropic",
    "anthropic_tools": "agentcast.models.formatters.anthropic",
    "arguments_json": "agentcast.models.formatters.common",
    "arguments_obj": "agentcast.models.formatters.common",
    "data_b64": "agentcast.models.formatters.common",
    "estimate_tokens": "agentcast.models.formatters.common",
    "flatten": "agentcast.models.formatters.common",
    "format_anthropic": "agentcast.models.formatters.anthropic",
    "format_dashscope": "agentcast.models.formatters.dashscope",
    "format_gemini": "agentcast.models.formatters.gemini",
    "format_ollama": "agentcast.models.formatters.ollama",
    "format_openai": "agentcast.models.formatters.openai",
    "format_transcript": "agentcast.models.formatters.text",
    "gemini_tools": "agentcast.models.formatters.gemini",
    "make_tool_call_msg": "agentcast.models.formatters.common",
    "make_tool_result_msg": "agentcast.models.formatters.common",
    "media_of": "agentcast.models.formatters.common",
    "mention": "agentcast.models.formatters.common",
    "multi_speaker": "agentcast.models.formatters.common",
    "openai_name": "agentcast.models.formatters.openai",
    "openai_tools": "agentcast.models.formatters.openai",
    "paired": "agentcast.models.formatters.common",
    "result_id_of": "agentcast.models.formatters.common",
    "result_text": "agentcast.models.formatters.common",
    "split_system": "agentcast.models.formatters.common",
    "text_of": "agentcast.models.formatters.common",
    "tool_calls_of": "agentcast.models.formatters.common",
    "tool_specs": "agentcast.models.formatters.common",
    "trim_history": "agentcast.models.formatters.common",
    "turn_appender": "agentcast.models.formatters.common",
    "user_at_ends": "agentcast.models.formatters.common",
    "with_name": "agentcast.models.formatters.common",
    "as_seen_by": "agentcast.models.formatters.common",
}

__all__ = [
    "IS_ERROR",
    "TOOL_CALLS",
    "TOOL_CALL_ID",
    "Item",
    "Media",
    "anthropic_tool_choice",
    "anthropic_tools",
    "arguments_json",
    "arguments_obj",
    "as_seen_by",
    "data_b64",
    "estimate_tokens",
    "flatten",
    "format_anthropic",
    "format_dashscope",
    "format_gemini",
    "format_ollama",
    "format_openai",
    "format_transcript",
    "gemini_tools",
    "make_tool_call_msg",
    "make_tool_result_msg",
    "media_of",
    "mention",
    "multi_speaker",
    "openai_name",
    "openai_tools",
    "paired",
    "result_id_of",
    "result_text",
    "split_system",
    "text_of",
    "tool_calls_of",
    "tool_specs",
    "trim_history",
    "turn_appender",
    "user_at_ends",
    "with_name",
]

__getattr__, __dir__ = lazy_exports("agentcast.models.formatters", globals(), _EXPORTS)
