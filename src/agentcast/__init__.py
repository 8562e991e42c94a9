"""agentcast: multi-agent applications on LLMs by message exchange.

The public names load lazily (PEP 562), so ``import agentcast`` stays fast and optional
engines are imported only when used. ``__all__`` is pinned by tests/test_public_api.py.
"""

from __future__ import annotations

from agentcast._lazy import lazy_exports

__version__ = "0.1.0"

# public name -> module that defines it
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
    "register_function": "agentcast.patterns.assistant",
    "CodeExecutor": "agentcast.patterns.code",
    "GroupChat": "agentcast.patterns.group_chat",
    "GroupChatManager": "agentcast.patterns.group_chat",
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
    # setup and runtime
    "init": "agentcast.init",
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
    "StalledError": "agentcast.exceptions",
    "DeadlockError": "agentcast.exceptions",
    "WaitTimeoutError": "agentcast.exceptions",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports("agentcast", globals(), _EXPORTS)
