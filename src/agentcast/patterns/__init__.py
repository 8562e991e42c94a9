"""Conversation patterns: two-agent chat, user proxies, code and split tool execution, group
chat with speaker selection, composable termination, and nested chats."""

from agentcast.patterns.assistant import AssistantAgent, register_function
from agentcast.patterns.chat import ChatResult, initiate_chat, initiate_chat_async
from agentcast.patterns.code import CodeExecutor, extract_code_blocks
from agentcast.patterns.group_chat import GroupChat, GroupChatManager
from agentcast.patterns.nested import ChatAgent, NestedChatAgent
from agentcast.patterns.termination import (
    AndTermination,
    ChatState,
    CostTermination,
    ExternalTermination,
    FunctionTermination,
    MaxMessageTermination,
    OrTermination,
    TerminationCondition,
    TextMentionTermination,
    TimeoutTermination,
    TokenUsageTermination,
)
from agentcast.patterns.user_proxy import UserProxyAgent

__all__ = [
    "AndTermination", "AssistantAgent", "ChatAgent", "ChatResult", "ChatState", "CodeExecutor",
    "CostTermination", "ExternalTermination", "FunctionTermination", "GroupChat",
    "GroupChatManager", "MaxMessageTermination", "NestedChatAgent", "OrTermination",
    "TerminationCondition", "TextMentionTermination", "TimeoutTermination",
    "TokenUsageTermination", "UserProxyAgent", "extract_code_blocks", "initiate_chat",
    "initiate_chat_async", "register_function",
]
