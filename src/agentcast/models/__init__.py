"""Model layer: the ChatModel protocol, configs, and (lazily) the providers."""

from agentcast.models.base import (
    ChatModel,
    ChatModelBase,
    ModelChunk,
    ModelResponse,
    ToolCall,
    Usage,
)
from agentcast.models.registry import (
    get_model,
    known_model_types,
    load_model_configs,
    register_model_type,
)

__all__ = [
    "ChatModel",
    "ChatModelBase",
    "ModelChunk",
    "ModelResponse",
    "ToolCall",
    "Usage",
    "get_model",
    "known_model_types",
    "load_model_configs",
    "register_model_type",
]
