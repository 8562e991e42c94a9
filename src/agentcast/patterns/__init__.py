"""Conversation patterns (AutoGen's conversation programming) and the agents that converse.

What lives here and what lives in ``agentcast.agents``: an agent that takes part in
conversations *by their rules* (it keeps one history per peer, answers through reply
functions, starts chats: a ``ConversableAgent`` or a subclass) lives here, next to the chat
machinery it needs; an agent that only answers the message it is called with (DialogAgent,
UserAgent, ReActAgent, ...) lives in ``agentcast.agents``, which imports nothing from here.
Chats reach every participant through the typed ``Conversable`` protocol; a plain Agent
joins a chat through ``as_conversable`` (its memory is its side of the conversation).

Modules: ``conversable`` (ConversableAgent), ``assistant``, ``user_proxy``,
``group_chat`` (GroupChat: speaker selection), ``group_chat_manager``, ``chat`` (two-agent
chat, ChatResult, summaries), ``chats`` (sequences with carryover), ``nested``,
``termination``, ``protocol``, ``replies`` (reply functions, hooks), ``messages``,
``usage`` (per-agent and per-chat usage from the monitor), ``code`` (sandboxed code runs).
"""

from agentcast.patterns.assistant import AssistantAgent
from agentcast.patterns.chat import (
    ChatResult,
    gather_usage_summary,
    initiate_chat,
    initiate_chat_async,
)
from agentcast.patterns.chats import a_initiate_chats, initiate_chats
from agentcast.patterns.code import CodeExecutor, extract_code_blocks
from agentcast.patterns.conversable import (
    MAX_CONSECUTIVE_AUTO_REPLY,
    ConversableAgent,
    HumanInputMode,
    default_is_termination_msg,
    register_function,
)
from agentcast.patterns.group_chat import GroupChat, mentioned_agents
from agentcast.patterns.group_chat_manager import GroupChatManager
from agentcast.patterns.messages import MessageLike, messages_from_string, messages_to_string
from agentcast.patterns.nested import ChatAgent, NestedChatAgent
from agentcast.patterns.protocol import AgentParticipant, Conversable, as_conversable
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
    "MAX_CONSECUTIVE_AUTO_REPLY",
    "AgentParticipant",
    "AndTermination",
    "AssistantAgent",
    "ChatAgent",
    "ChatResult",
    "ChatState",
    "CodeExecutor",
    "Conversable",
    "ConversableAgent",
    "CostTermination",
    "ExternalTermination",
    "FunctionTermination",
    "GroupChat",
    "GroupChatManager",
    "HumanInputMode",
    "MaxMessageTermination",
    "MessageLike",
    "NestedChatAgent",
    "OrTermination",
    "TerminationCondition",
    "TextMentionTermination",
    "TimeoutTermination",
    "TokenUsageTermination",
    "UserProxyAgent",
    "a_initiate_chats",
    "as_conversable",
    "default_is_termination_msg",
    "extract_code_blocks",
    "gather_usage_summary",
    "initiate_chat",
    "initiate_chat_async",
    "initiate_chats",
    "mentioned_agents",
    "messages_from_string",
    "messages_to_string",
    "register_function",
]
