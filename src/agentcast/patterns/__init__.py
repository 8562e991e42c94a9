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

from __future__ import annotations

from typing import TYPE_CHECKING

from agentcast._lazy import lazy_exports

if TYPE_CHECKING:
    from agentcast.patterns.assistant import AssistantAgent as AssistantAgent
    from agentcast.patterns.auto_reply import (
        check_termination_and_human_reply as check_termination_and_human_reply,
    )
    from agentcast.patterns.auto_reply import expand_tool_responses as expand_tool_responses
    from agentcast.patterns.auto_reply import (
        generate_code_execution_reply as generate_code_execution_reply,
    )
    from agentcast.patterns.auto_reply import generate_oai_reply as generate_oai_reply
    from agentcast.patterns.auto_reply import generate_tool_calls_reply as generate_tool_calls_reply
    from agentcast.patterns.auto_reply import make_code_executor as make_code_executor
    from agentcast.patterns.auto_reply import resolve_llm as resolve_llm
    from agentcast.patterns.chat import ChatResult as ChatResult
    from agentcast.patterns.chat import a_run_chat as a_run_chat
    from agentcast.patterns.chat import check_summary_method as check_summary_method
    from agentcast.patterns.chat import exchange as exchange
    from agentcast.patterns.chat import gather_usage_summary as gather_usage_summary
    from agentcast.patterns.chat import initiate_chat as initiate_chat
    from agentcast.patterns.chat import initiate_chat_async as initiate_chat_async
    from agentcast.patterns.chat import last_msg_summary as last_msg_summary
    from agentcast.patterns.chat import reflection_summary as reflection_summary
    from agentcast.patterns.chat import run_sync as run_sync
    from agentcast.patterns.chat import summarize as summarize
    from agentcast.patterns.chat import warn_cache as warn_cache
    from agentcast.patterns.chats import a_initiate_chats as a_initiate_chats
    from agentcast.patterns.chats import a_initiate_chats_in_order as a_initiate_chats_in_order
    from agentcast.patterns.chats import chat_order as chat_order
    from agentcast.patterns.chats import initiate_chats as initiate_chats
    from agentcast.patterns.chats import nested_chats_reply as nested_chats_reply
    from agentcast.patterns.code import CodeBlock as CodeBlock
    from agentcast.patterns.code import CodeExecutor as CodeExecutor
    from agentcast.patterns.code import CodeResult as CodeResult
    from agentcast.patterns.code import extract_code_blocks as extract_code_blocks
    from agentcast.patterns.conversable import (
        MAX_CONSECUTIVE_AUTO_REPLY as MAX_CONSECUTIVE_AUTO_REPLY,
    )
    from agentcast.patterns.conversable import ConversableAgent as ConversableAgent
    from agentcast.patterns.conversable import HumanInputMode as HumanInputMode
    from agentcast.patterns.conversable import (
        default_is_termination_msg as default_is_termination_msg,
    )
    from agentcast.patterns.conversable import register_function as register_function
    from agentcast.patterns.group_chat import GroupChat as GroupChat
    from agentcast.patterns.group_chat import mentioned_agents as mentioned_agents
    from agentcast.patterns.group_chat_manager import GroupChatManager as GroupChatManager
    from agentcast.patterns.messages import MessageLike as MessageLike
    from agentcast.patterns.messages import content_str as content_str
    from agentcast.patterns.messages import messages_from_string as messages_from_string
    from agentcast.patterns.messages import messages_to_string as messages_to_string
    from agentcast.patterns.messages import msg_from_saved as msg_from_saved
    from agentcast.patterns.messages import to_msg as to_msg
    from agentcast.patterns.messages import with_carryover as with_carryover
    from agentcast.patterns.messages import with_role as with_role
    from agentcast.patterns.nested import ChatAgent as ChatAgent
    from agentcast.patterns.nested import NestedChatAgent as NestedChatAgent
    from agentcast.patterns.protocol import AgentParticipant as AgentParticipant
    from agentcast.patterns.protocol import Conversable as Conversable
    from agentcast.patterns.protocol import as_conversable as as_conversable
    from agentcast.patterns.replies import ReplyEntry as ReplyEntry
    from agentcast.patterns.replies import call_reply as call_reply
    from agentcast.patterns.replies import check_hook_point as check_hook_point
    from agentcast.patterns.replies import check_trigger as check_trigger
    from agentcast.patterns.replies import matches as matches
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
    from agentcast.patterns.usage import agent_usage_snapshot as agent_usage_snapshot
    from agentcast.patterns.usage import agent_usage_summary as agent_usage_summary
    from agentcast.patterns.usage import counting as counting
    from agentcast.patterns.usage import merge_summaries as merge_summaries
    from agentcast.patterns.usage import usage_monitor as usage_monitor
    from agentcast.patterns.user_proxy import UserProxyAgent as UserProxyAgent

# public name -> module that defines it (one line each; keep the three lists in step)
_EXPORTS: dict[str, str] = {
    "AgentParticipant": "agentcast.patterns.protocol",
    "AndTermination": "agentcast.patterns.termination",
    "AssistantAgent": "agentcast.patterns.assistant",
    "ChatAgent": "agentcast.patterns.nested",
    "ChatResult": "agentcast.patterns.chat",
    "ChatState": "agentcast.patterns.termination",
    "CodeExecutor": "agentcast.patterns.code",
    "Conversable": "agentcast.patterns.protocol",
    "ConversableAgent": "agentcast.patterns.conversable",
    "CostTermination": "agentcast.patterns.termination",
    "ExternalTermination": "agentcast.patterns.termination",
    "FunctionTermination": "agentcast.patterns.termination",
    "GroupChat": "agentcast.patterns.group_chat",
    "GroupChatManager": "agentcast.patterns.group_chat_manager",
    "HumanInputMode": "agentcast.patterns.conversable",
    "MAX_CONSECUTIVE_AUTO_REPLY": "agentcast.patterns.conversable",
    "MaxMessageTermination": "agentcast.patterns.termination",
    "MessageLike": "agentcast.patterns.messages",
    "NestedChatAgent": "agentcast.patterns.nested",
    "OrTermination": "agentcast.patterns.termination",
    "TerminationCondition": "agentcast.patterns.termination",
    "TextMentionTermination": "agentcast.patterns.termination",
    "TimeoutTermination": "agentcast.patterns.termination",
    "TokenUsageTermination": "agentcast.patterns.termination",
    "UserProxyAgent": "agentcast.patterns.user_proxy",
    "a_initiate_chats": "agentcast.patterns.chats",
    "as_conversable": "agentcast.patterns.protocol",
    "default_is_termination_msg": "agentcast.patterns.conversable",
    "extract_code_blocks": "agentcast.patterns.code",
    "gather_usage_summary": "agentcast.patterns.chat",
    "initiate_chat": "agentcast.patterns.chat",
    "initiate_chat_async": "agentcast.patterns.chat",
    "initiate_chats": "agentcast.patterns.chats",
    "mentioned_agents": "agentcast.patterns.group_chat",
    "messages_from_string": "agentcast.patterns.messages",
    "messages_to_string": "agentcast.patterns.messages",
    "register_function": "agentcast.patterns.conversable",
    "expand_tool_responses": "agentcast.patterns.auto_reply",
    "resolve_llm": "agentcast.patterns.auto_reply",
    "make_code_executor": "agentcast.patterns.auto_reply",
    "check_termination_and_human_reply": "agentcast.patterns.auto_reply",
    "generate_tool_calls_reply": "agentcast.patterns.auto_reply",
    "generate_code_execution_reply": "agentcast.patterns.auto_reply",
    "generate_oai_reply": "agentcast.patterns.auto_reply",
    "exchange": "agentcast.patterns.chat",
    "a_run_chat": "agentcast.patterns.chat",
    "check_summary_method": "agentcast.patterns.chat",
    "last_msg_summary": "agentcast.patterns.chat",
    "summarize": "agentcast.patterns.chat",
    "reflection_summary": "agentcast.patterns.chat",
    "run_sync": "agentcast.patterns.chat",
    "warn_cache": "agentcast.patterns.chat",
    "a_initiate_chats_in_order": "agentcast.patterns.chats",
    "chat_order": "agentcast.patterns.chats",
    "nested_chats_reply": "agentcast.patterns.chats",
    "CodeBlock": "agentcast.patterns.code",
    "CodeResult": "agentcast.patterns.code",
    "to_msg": "agentcast.patterns.messages",
    "msg_from_saved": "agentcast.patterns.messages",
    "content_str": "agentcast.patterns.messages",
    "with_role": "agentcast.patterns.messages",
    "with_carryover": "agentcast.patterns.messages",
    "ReplyEntry": "agentcast.patterns.replies",
    "check_trigger": "agentcast.patterns.replies",
    "matches": "agentcast.patterns.replies",
    "call_reply": "agentcast.patterns.replies",
    "check_hook_point": "agentcast.patterns.replies",
    "content_text": "agentcast.patterns.termination",
    "combine": "agentcast.patterns.termination",
    "usage_monitor": "agentcast.patterns.usage",
    "counting": "agentcast.patterns.usage",
    "agent_usage_summary": "agentcast.patterns.usage",
    "agent_usage_snapshot": "agentcast.patterns.usage",
    "merge_summaries": "agentcast.patterns.usage",
}

__all__ = [
    "MAX_CONSECUTIVE_AUTO_REPLY",
    "AgentParticipant",
    "AndTermination",
    "AssistantAgent",
    "ChatAgent",
    "ChatResult",
    "ChatState",
    "CodeBlock",
    "CodeExecutor",
    "CodeResult",
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
    "ReplyEntry",
    "TerminationCondition",
    "TextMentionTermination",
    "TimeoutTermination",
    "TokenUsageTermination",
    "UserProxyAgent",
    "a_initiate_chats",
    "a_initiate_chats_in_order",
    "a_run_chat",
    "agent_usage_snapshot",
    "agent_usage_summary",
    "as_conversable",
    "call_reply",
    "chat_order",
    "check_hook_point",
    "check_summary_method",
    "check_termination_and_human_reply",
    "check_trigger",
    "combine",
    "content_str",
    "content_text",
    "counting",
    "default_is_termination_msg",
    "exchange",
    "expand_tool_responses",
    "extract_code_blocks",
    "gather_usage_summary",
    "generate_code_execution_reply",
    "generate_oai_reply",
    "generate_tool_calls_reply",
    "initiate_chat",
    "initiate_chat_async",
    "initiate_chats",
    "last_msg_summary",
    "make_code_executor",
    "matches",
    "mentioned_agents",
    "merge_summaries",
    "messages_from_string",
    "messages_to_string",
    "msg_from_saved",
    "nested_chats_reply",
    "reflection_summary",
    "register_function",
    "resolve_llm",
    "run_sync",
    "summarize",
    "to_msg",
    "usage_monitor",
    "warn_cache",
    "with_carryover",
    "with_role",
]

__getattr__, __dir__ = lazy_exports("agentcast.patterns", globals(), _EXPORTS)
