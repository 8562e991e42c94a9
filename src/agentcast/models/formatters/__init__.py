"""Formatters: list[Msg] -> each provider's request, plus the tool-call Msg convention."""

from agentcast.models.formatters.anthropic import anthropic_tools, format_anthropic
from agentcast.models.formatters.common import (
    IS_ERROR,
    TOOL_CALL_ID,
    TOOL_CALLS,
    make_tool_call_msg,
    make_tool_result_msg,
    trim_history,
)
from agentcast.models.formatters.dashscope import format_dashscope
from agentcast.models.formatters.gemini import format_gemini, gemini_tools
from agentcast.models.formatters.ollama import format_ollama
from agentcast.models.formatters.openai import format_openai, openai_tools
from agentcast.models.formatters.text import format_transcript

__all__ = [
    "IS_ERROR",
    "TOOL_CALLS",
    "TOOL_CALL_ID",
    "anthropic_tools",
    "format_anthropic",
    "format_dashscope",
    "format_gemini",
    "format_ollama",
    "format_openai",
    "format_transcript",
    "gemini_tools",
    "make_tool_call_msg",
    "make_tool_result_msg",
    "openai_tools",
    "trim_history",
]
