"""agentcast: multi-agent applications on LLMs by message exchange.

The public names load lazily (PEP 562), so ``import agentcast`` stays fast and optional
engines are imported only when used. ``__all__`` is pinned by tests/test_public_api.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentcast._lazy import lazy_exports

if TYPE_CHECKING:  # what type checkers and IDEs see; one line per name
    from agentcast.a2a import RemoteAgent as RemoteAgent
    from agentcast.a2a import serve as serve
    from agentcast.agents.audio_dialog import AudioDialogAgent as AudioDialogAgent
    from agentcast.agents.base import Agent as Agent
    from agentcast.agents.dialog import DialogAgent as DialogAgent
    from agentcast.agents.dict_dialog import DictDialogAgent as DictDialogAgent
    from agentcast.agents.programmer import ProgrammerAgent as ProgrammerAgent
    from agentcast.agents.react import ReActAgent as ReActAgent
    from agentcast.agents.text_to_image import TextToImageAgent as TextToImageAgent
    from agentcast.agents.user import UserAgent as UserAgent
    from agentcast.durable.rand import random as random
    from agentcast.exceptions import AgentCallError as AgentCallError
    from agentcast.exceptions import AgentcastError as AgentcastError
    from agentcast.exceptions import ChatConfigError as ChatConfigError
    from agentcast.exceptions import ConfigError as ConfigError
    from agentcast.exceptions import DeadlockError as DeadlockError
    from agentcast.exceptions import InvalidMessageError as InvalidMessageError
    from agentcast.exceptions import StalledError as StalledError
    from agentcast.exceptions import WaitTimeoutError as WaitTimeoutError
    from agentcast.hub import MsgHub as MsgHub
    from agentcast.hub import msghub as msghub
    from agentcast.initialize import init as init
    from agentcast.message import Msg as Msg
    from agentcast.models.base import ChatModel as ChatModel
    from agentcast.models.base import ModelResponse as ModelResponse
    from agentcast.models.registry import get_model as get_model
    from agentcast.observe.monitor import print_usage as print_usage
    from agentcast.patterns.assistant import AssistantAgent as AssistantAgent
    from agentcast.patterns.chat import ChatResult as ChatResult
    from agentcast.patterns.chat import gather_usage_summary as gather_usage_summary
    from agentcast.patterns.chat import initiate_chat as initiate_chat
    from agentcast.patterns.chat import initiate_chat_async as initiate_chat_async
    from agentcast.patterns.chats import a_initiate_chats as a_initiate_chats
    from agentcast.patterns.chats import initiate_chats as initiate_chats
    from agentcast.patterns.code import CodeExecutor as CodeExecutor
    from agentcast.patterns.conversable import ConversableAgent as ConversableAgent
    from agentcast.patterns.conversable import register_function as register_function
    from agentcast.patterns.group_chat import GroupChat as GroupChat
    from agentcast.patterns.group_chat_manager import GroupChatManager as GroupChatManager
    from agentcast.patterns.nested import ChatAgent as ChatAgent
    from agentcast.patterns.nested import NestedChatAgent as NestedChatAgent
    from agentcast.patterns.termination import CostTermination as CostTermination
    from agentcast.patterns.termination import ExternalTermination as ExternalTermination
    from agentcast.patterns.termination import FunctionTermination as FunctionTermination
    from agentcast.patterns.termination import MaxMessageTermination as MaxMessageTermination
    from agentcast.patterns.termination import TerminationCondition as TerminationCondition
    from agentcast.patterns.termination import TextMentionTermination as TextMentionTermination
    from agentcast.patterns.termination import TimeoutTermination as TimeoutTermination
    from agentcast.patterns.termination import TokenUsageTermination as TokenUsageTermination
    from agentcast.patterns.user_proxy import UserProxyAgent as UserProxyAgent
    from agentcast.pipelines import FanoutPipeline as FanoutPipeline
    from agentcast.pipelines import ForLoopPipeline as ForLoopPipeline
    from agentcast.pipelines import IfElsePipeline as IfElsePipeline
    from agentcast.pipelines import SequentialPipeline as SequentialPipeline
    from agentcast.pipelines import SwitchPipeline as SwitchPipeline
    from agentcast.pipelines import WhileLoopPipeline as WhileLoopPipeline
    from agentcast.pipelines import fanout_pipeline as fanout_pipeline
    from agentcast.pipelines import for_loop_pipeline as for_loop_pipeline
    from agentcast.pipelines import if_else_pipeline as if_else_pipeline
    from agentcast.pipelines import sequential_pipeline as sequential_pipeline
    from agentcast.pipelines import switch_pipeline as switch_pipeline
    from agentcast.pipelines import while_loop_pipeline as while_loop_pipeline
    from agentcast.runtime.actor import gather as gather
    from agentcast.runtime.actor import runtime_status as runtime_status
    from agentcast.runtime.actor import wait_all as wait_all
    from agentcast.runtime.actor import wait_all_async as wait_all_async
    from agentcast.runtime.agent_server import AgentServer as AgentServer
    from agentcast.runtime.agent_server import AgentServerClient as AgentServerClient
    from agentcast.runtime.placeholder import Placeholder as Placeholder
    from agentcast.runtime.remote_methods import async_func as async_func
    from agentcast.runtime.remote_methods import sync_func as sync_func
    from agentcast.tools.response import ToolResponse as ToolResponse
    from agentcast.tools.toolkit import ServiceFactory as ServiceFactory
    from agentcast.tools.toolkit import Toolkit as Toolkit

__version__ = "0.1.0"

# public name -> module that defines it (keep in step with the TYPE_CHECKING block and __all__)
_EXPORTS: dict[str, str] = {
    # messages
    "Msg": "agentcast.message",
    "Placeholder": "agentcast.runtime.placeholder",
    # agents
    "Agent": "agentcast.agents.base",
    "DialogAgent": "agentcast.agents.dialog",
    "DictDialogAgent": "agentcast.agents.dict_dialog",
    "UserAgent": "agentcast.agents.user",
    "ReActAgent": "agentcast.agents.react",
    "ProgrammerAgent": "agentcast.agents.programmer",
    "TextToImageAgent": "agentcast.agents.text_to_image",
    "AudioDialogAgent": "agentcast.agents.audio_dialog",
    # tools
    "Toolkit": "agentcast.tools.toolkit",
    "ToolResponse": "agentcast.tools.response",
    "ServiceFactory": "agentcast.tools.toolkit",
    # pipelines
    "sequential_pipeline": "agentcast.pipelines",
    "if_else_pipeline": "agentcast.pipelines",
    "switch_pipeline": "agentcast.pipelines",
    "for_loop_pipeline": "agentcast.pipelines",
    "while_loop_pipeline": "agentcast.pipelines",
    "fanout_pipeline": "agentcast.pipelines",
    "SequentialPipeline": "agentcast.pipelines",
    "IfElsePipeline": "agentcast.pipelines",
    "SwitchPipeline": "agentcast.pipelines",
    "ForLoopPipeline": "agentcast.pipelines",
    "WhileLoopPipeline": "agentcast.pipelines",
    "FanoutPipeline": "agentcast.pipelines",
    # hub
    "msghub": "agentcast.hub",
    "MsgHub": "agentcast.hub",
    # conversation patterns
    "initiate_chat": "agentcast.patterns.chat",
    "initiate_chat_async": "agentcast.patterns.chat",
    "ChatResult": "agentcast.patterns.chat",
    "UserProxyAgent": "agentcast.patterns.user_proxy",
    "AssistantAgent": "agentcast.patterns.assistant",
    "register_function": "agentcast.patterns.conversable",
    "CodeExecutor": "agentcast.patterns.code",
    "GroupChat": "agentcast.patterns.group_chat",
    "GroupChatManager": "agentcast.patterns.group_chat_manager",
    "ChatAgent": "agentcast.patterns.nested",
    "NestedChatAgent": "agentcast.patterns.nested",
    "TerminationCondition": "agentcast.patterns.termination",
    "MaxMessageTermination": "agentcast.patterns.termination",
    "TextMentionTermination": "agentcast.patterns.termination",
    "TokenUsageTermination": "agentcast.patterns.termination",
    "CostTermination": "agentcast.patterns.termination",
    "TimeoutTermination": "agentcast.patterns.termination",
    "ExternalTermination": "agentcast.patterns.termination",
    "FunctionTermination": "agentcast.patterns.termination",
    "ConversableAgent": "agentcast.patterns.conversable",
    "initiate_chats": "agentcast.patterns.chats",
    "a_initiate_chats": "agentcast.patterns.chats",
    "gather_usage_summary": "agentcast.patterns.chat",
    # setup and runtime
    "init": "agentcast.initialize",
    "random": "agentcast.durable.rand",
    "gather": "agentcast.runtime.actor",
    "wait_all": "agentcast.runtime.actor",
    "wait_all_async": "agentcast.runtime.actor",
    "runtime_status": "agentcast.runtime.actor",
    # models
    "ChatModel": "agentcast.models.base",
    "ModelResponse": "agentcast.models.base",
    "get_model": "agentcast.models.registry",
    # observability
    "print_usage": "agentcast.observe.monitor",
    # distribution
    "serve": "agentcast.a2a",
    "RemoteAgent": "agentcast.a2a",
    # errors
    "AgentcastError": "agentcast.exceptions",
    "AgentCallError": "agentcast.exceptions",
    "ConfigError": "agentcast.exceptions",
    "InvalidMessageError": "agentcast.exceptions",
    # AgentScope 0.x: remote methods of distributed agents, the agent server
    "async_func": "agentcast.runtime.remote_methods",
    "sync_func": "agentcast.runtime.remote_methods",
    "AgentServer": "agentcast.runtime.agent_server",
    "AgentServerClient": "agentcast.runtime.agent_server",
    "ChatConfigError": "agentcast.exceptions",
    "StalledError": "agentcast.exceptions",
    "DeadlockError": "agentcast.exceptions",
    "WaitTimeoutError": "agentcast.exceptions",
}

__all__ = [  # literal, one line per name: tests/test_public_api.py checks it against _EXPORTS
    "Agent",
    "AgentCallError",
    "AgentServer",
    "AgentServerClient",
    "AgentcastError",
    "AssistantAgent",
    "AudioDialogAgent",
    "ChatAgent",
    "ChatConfigError",
    "ChatModel",
    "ChatResult",
    "CodeExecutor",
    "ConfigError",
    "ConversableAgent",
    "CostTermination",
    "DeadlockError",
    "DialogAgent",
    "DictDialogAgent",
    "ExternalTermination",
    "FanoutPipeline",
    "ForLoopPipeline",
    "FunctionTermination",
    "GroupChat",
    "GroupChatManager",
    "IfElsePipeline",
    "InvalidMessageError",
    "MaxMessageTermination",
    "ModelResponse",
    "Msg",
    "MsgHub",
    "NestedChatAgent",
    "Placeholder",
    "ProgrammerAgent",
    "ReActAgent",
    "RemoteAgent",
    "SequentialPipeline",
    "ServiceFactory",
    "StalledError",
    "SwitchPipeline",
    "TerminationCondition",
    "TextMentionTermination",
    "TextToImageAgent",
    "TimeoutTermination",
    "TokenUsageTermination",
    "ToolResponse",
    "Toolkit",
    "UserAgent",
    "UserProxyAgent",
    "WaitTimeoutError",
    "WhileLoopPipeline",
    "a_initiate_chats",
    "async_func",
    "fanout_pipeline",
    "for_loop_pipeline",
    "gather",
    "gather_usage_summary",
    "get_model",
    "if_else_pipeline",
    "init",
    "initiate_chat",
    "initiate_chat_async",
    "initiate_chats",
    "msghub",
    "print_usage",
    "random",
    "register_function",
    "runtime_status",
    "sequential_pipeline",
    "serve",
    "switch_pipeline",
    "sync_func",
    "wait_all",
    "wait_all_async",
    "while_loop_pipeline",
]

__getattr__, __dir__ = lazy_exports("agentcast", globals(), _EXPORTS)
