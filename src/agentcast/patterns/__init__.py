"""Conversation patterns: two-agent chat, user proxies, code and split tool execution, group
chat with speaker selection, composable termination, and nested chats."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentcast._lazy import lazy_exports

if TYPE_CHECKING:
    from agentcast.patterns.assistant import AssistantAgent as AssistantAgent
    from agentcast.patterns.assistant import expand_tool_responses as expand_tool_responses
    from agentcast.patterns.assistant import register_function as register_function
    from agentcast.patterns.chat import ChatResult as ChatResult
    from agentcast.patterns.chat import asks_on_termination as asks_on_termination
    from agentcast.patterns.chat import flag_termination as flag_termination
    from agentcast.patterns.chat import initiate_chat as initiate_chat
    from agentcast.patterns.chat import initiate_chat_async as initiate_chat_async
    from agentcast.patterns.chat import is_exit as is_exit
    from agentcast.patterns.chat import last_msg_summary as last_msg_summary
    from agentcast.patterns.chat import reflection_summary as reflection_summary
    from agentcast.patterns.chat import run_sync as run_sync
    from agentcast.patterns.chat import summarize as summarize
    from agentcast.patterns.code import CodeBlock as CodeBlock
    from agentcast.patterns.code import CodeExecutor as CodeExecutor
    from agentcast.patterns.code import CodeResult as CodeResult
    from agentcast.patterns.code import extract_code_blocks as extract_code_blocks
    from agentcast.patterns.group_chat import GroupChat as GroupChat
    from agentcast.patterns.group_chat import GroupChatManager as GroupChatManager
    from agentcast.patterns.group_chat import match_name as match_name
    from agentcast.patterns.nested import ChatAgent as ChatAgent
    from agentcast.patterns.nested import NestedChatAgent as NestedChatAgent
    from agentcast.patterns.termination import AndTermination as AndTermination
    from agentcast.patterns.termination import ChatState as ChatState
    from agentcast.patterns.termination import CostTermination as CostTermination
    from agentcast.patterns.termination import ExternalTermination as ExternalTermination
    from agentcast.patterns.termination import FunctionTermination as FunctionTermination
    from agentcast.patterns.termination import MaxMessageTermination as MaxMessageTermination
    from agentcast.patterns.termination import OrTermination as OrTermination
    from agentcast.patterns.termination import TerminationCondition as TerminationCondition
    from agentcast.patterns.termination import TextMentionTermination as TextMentionTermination
    from agentcast.patterns.termination import TimeoutTermination as TimeoutTermination
    from agentcast.patterns.termination import TokenUsageTermination as TokenUsageTermination
    from agentcast.patterns.termination import combine as combine
    from agentcast.patterns.termination import content_text as content_text
    from agentcast.patterns.user_proxy import UserProxyAgent as UserProxyAgent
    from agentcast.patterns.user_proxy import (
        default_is_termination_msg as default_is_termination_msg,
    )

# public name -> module that defines it (one line each; keep the three lists in step)
_EXPORTS: dict[str, str] = {
    "AndTermination": "agentcast.patterns.termination",
    "AssistantAgent": "agentcast.patterns.assistant",
    "ChatAgent": "agentcast.patterns.nested",
    "ChatResult": "agentcast.patterns.chat",
    "ChatState": "agentcast.patterns.termination",
    "CodeBlock": "agentcast.patterns.code",
    "CodeExecutor": "agentcast.patterns.code",
    "CodeResult": "agentcast.patterns.code",
    "CostTermination": "agentcast.patterns.termination",
    "ExternalTermination": "agentcast.patterns.termination",
    "FunctionTermination": "agentcast.patterns.termination",
    "GroupChat": "agentcast.patterns.group_chat",
    "GroupChatManager": "agentcast.patterns.group_chat",
    "MaxMessageTermination": "agentcast.patterns.termination",
    "NestedChatAgent": "agentcast.patterns.nested",
    "OrTermination": "agentcast.patterns.termination",
    "TerminationCondition": "agentcast.patterns.termination",
    "TextMentionTermination": "agentcast.patterns.termination",
    "TimeoutTermination": "agentcast.patterns.termination",
    "TokenUsageTermination": "agentcast.patterns.termination",
    "UserProxyAgent": "agentcast.patterns.user_proxy",
    "asks_on_termination": "agentcast.patterns.chat",
    "combine": "agentcast.patterns.termination",
    "content_text": "agentcast.patterns.termination",
    "default_is_termination_msg": "agentcast.patterns.user_proxy",
    "expand_tool_responses": "agentcast.patterns.assistant",
    "extract_code_blocks": "agentcast.patterns.code",
    "flag_termination": "agentcast.patterns.chat",
    "initiate_chat": "agentcast.patterns.chat",
    "initiate_chat_async": "agentcast.patterns.chat",
    "is_exit": "agentcast.patterns.chat",
    "last_msg_summary": "agentcast.patterns.chat",
    "match_name": "agentcast.patterns.group_chat",
    "reflection_summary": "agentcast.patterns.chat",
    "register_function": "agentcast.patterns.assistant",
    "run_sync": "agentcast.patterns.chat",
    "summarize": "agentcast.patterns.chat",
}

__all__ = [
    "AndTermination",
    "AssistantAgent",
    "ChatAgent",
    "ChatResult",
    "ChatState",
    "CodeBlock",
    "CodeExecutor",
    "CodeResult",
    "CostTermination",
    "ExternalTermination",
    "FunctionTermination",
    "GroupChat",
    "GroupChatManager",
    "MaxMessageTermination",
    "NestedChatAgent",
    "OrTermination",
    "TerminationCondition",
    "TextMentionTermination",
    "TimeoutTermination",
    "TokenUsageTermination",
    "UserProxyAgent",
    "asks_on_termination",
    "combine",
    "content_text",
    "default_is_termination_msg",
    "expand_tool_responses",
    "extract_code_blocks",
    "flag_termination",
    "initiate_chat",
    "initiate_chat_async",
    "is_exit",
    "last_msg_summary",
    "match_name",
    "reflection_summary",
    "register_function",
    "run_sync",
    "summarize",
]

__getattr__, __dir__ = lazy_exports("agentcast.patterns", globals(), _EXPORTS)
