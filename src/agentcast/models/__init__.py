"""Model layer: the ChatModel protocol, configs, and (lazily) the providers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentcast._lazy import lazy_exports

if TYPE_CHECKING:
    from agentcast.models.anthropic_chat import AnthropicChatModel as AnthropicChatModel
    from agentcast.models.base import ChatModel as ChatModel
    from agentcast.models.base import ChatModelBase as ChatModelBase
    from agentcast.models.base import ModelChunk as ModelChunk
    from agentcast.models.base import ModelResponse as ModelResponse
    from agentcast.models.base import ToolCall as ToolCall
    from agentcast.models.base import Usage as Usage
    from agentcast.models.dashscope_chat import DashScopeChatModel as DashScopeChatModel
    from agentcast.models.embeddings import EmbeddingModel as EmbeddingModel
    from agentcast.models.embeddings import EmbeddingModelBase as EmbeddingModelBase
    from agentcast.models.embeddings import OllamaEmbeddingModel as OllamaEmbeddingModel
    from agentcast.models.embeddings import OpenAIEmbeddingModel as OpenAIEmbeddingModel
    from agentcast.models.embeddings import (
        SentenceTransformerEmbeddingModel as SentenceTransformerEmbeddingModel,
    )
    from agentcast.models.fallback import FallbackModel as FallbackModel
    from agentcast.models.fallback import call_chain as call_chain
    from agentcast.models.fallback import check_fallback_config as check_fallback_config
    from agentcast.models.fallback import falls_back as falls_back
    from agentcast.models.gemini_chat import GeminiChatModel as GeminiChatModel
    from agentcast.models.gemini_chat import generation_config as generation_config
    from agentcast.models.gemini_chat import tool_config as tool_config
    from agentcast.models.hf_local import HFLocalChatModel as HFLocalChatModel
    from agentcast.models.media import ImageModel as ImageModel
    from agentcast.models.media import OpenAIImageModel as OpenAIImageModel
    from agentcast.models.media import OpenAISpeechToText as OpenAISpeechToText
    from agentcast.models.media import OpenAITextToSpeech as OpenAITextToSpeech
    from agentcast.models.media import SpeechToText as SpeechToText
    from agentcast.models.media import TextToSpeech as TextToSpeech
    from agentcast.models.ollama_chat import OllamaChatModel as OllamaChatModel
    from agentcast.models.openai_chat import AzureOpenAIChatModel as AzureOpenAIChatModel
    from agentcast.models.openai_chat import OpenAIChatModel as OpenAIChatModel
    from agentcast.models.parsers import DictFilterMixin as DictFilterMixin
    from agentcast.models.parsers import MarkdownCodeBlockParser as MarkdownCodeBlockParser
    from agentcast.models.parsers import MarkdownJsonDictParser as MarkdownJsonDictParser
    from agentcast.models.parsers import MarkdownJsonObjectParser as MarkdownJsonObjectParser
    from agentcast.models.parsers import MultiTaggedContentParser as MultiTaggedContentParser
    from agentcast.models.parsers import ReplyParser as ReplyParser
    from agentcast.models.parsers import TaggedContent as TaggedContent
    from agentcast.models.parsers import extract_between as extract_between
    from agentcast.models.parsers import filter_keys as filter_keys
    from agentcast.models.parsing import JsonDictParser as JsonDictParser
    from agentcast.models.parsing import call_parsed as call_parsed
    from agentcast.models.parsing import describe_validation_error as describe_validation_error
    from agentcast.models.parsing import error_text as error_text
    from agentcast.models.parsing import parse_json as parse_json
    from agentcast.models.parsing import prepare_structured as prepare_structured
    from agentcast.models.parsing import reask_messages as reask_messages
    from agentcast.models.parsing import schema_instruction as schema_instruction
    from agentcast.models.post_api import PostAPIChatModel as PostAPIChatModel
    from agentcast.models.post_api import dig as dig
    from agentcast.models.providers import resolve_model_string as resolve_model_string
    from agentcast.models.registry import build_model as build_model
    from agentcast.models.registry import clear_model_configs as clear_model_configs
    from agentcast.models.registry import get_model as get_model
    from agentcast.models.registry import known_model_types as known_model_types
    from agentcast.models.registry import load_model_configs as load_model_configs
    from agentcast.models.registry import read_config_file as read_config_file
    from agentcast.models.registry import register_model_type as register_model_type
    from agentcast.models.registry import register_string_resolver as register_string_resolver
    from agentcast.models.registry import validate_model_config as validate_model_config
    from agentcast.models.repair import repair_json as repair_json
    from agentcast.models.retry import StreamRelay as StreamRelay
    from agentcast.models.retry import drain as drain
    from agentcast.models.retry import request_with_retries as request_with_retries

# public name -> module that defines it (one line each; keep the three lists in step)
_EXPORTS: dict[str, str] = {
    "ChatModel": "agentcast.models.base",
    "ChatModelBase": "agentcast.models.base",
    "ModelChunk": "agentcast.models.base",
    "ModelResponse": "agentcast.models.base",
    "ToolCall": "agentcast.models.base",
    "Usage": "agentcast.models.base",
    "get_model": "agentcast.models.registry",
    "known_model_types": "agentcast.models.registry",
    "load_model_configs": "agentcast.models.registry",
    "register_model_type": "agentcast.models.registry",
    "AnthropicChatModel": "agentcast.models.anthropic_chat",
    "DashScopeChatModel": "agentcast.models.dashscope_chat",
    "EmbeddingModel": "agentcast.models.embeddings",
    "EmbeddingModelBase": "agentcast.models.embeddings",
    "OpenAIEmbeddingModel": "agentcast.models.embeddings",
    "OllamaEmbeddingModel": "agentcast.models.embeddings",
    "SentenceTransformerEmbeddingModel": "agentcast.models.embeddings",
    "check_fallback_config": "agentcast.models.fallback",
    "falls_back": "agentcast.models.fallback",
    "call_chain": "agentcast.models.fallback",
    "FallbackModel": "agentcast.models.fallback",
    "generation_config": "agentcast.models.gemini_chat",
    "tool_config": "agentcast.models.gemini_chat",
    "GeminiChatModel": "agentcast.models.gemini_chat",
    "HFLocalChatModel": "agentcast.models.hf_local",
    "ImageModel": "agentcast.models.media",
    "SpeechToText": "agentcast.models.media",
    "TextToSpeech": "agentcast.models.media",
    "OpenAIImageModel": "agentcast.models.media",
    "OpenAISpeechToText": "agentcast.models.media",
    "OpenAITextToSpeech": "agentcast.models.media",
    "OllamaChatModel": "agentcast.models.ollama_chat",
    "OpenAIChatModel": "agentcast.models.openai_chat",
    "AzureOpenAIChatModel": "agentcast.models.openai_chat",
    "extract_between": "agentcast.models.parsers",
    "ReplyParser": "agentcast.models.parsers",
    "DictFilterMixin": "agentcast.models.parsers",
    "filter_keys": "agentcast.models.parsers",
    "MarkdownCodeBlockParser": "agentcast.models.parsers",
    "MarkdownJsonObjectParser": "agentcast.models.parsers",
    "MarkdownJsonDictParser": "agentcast.models.parsers",
    "TaggedContent": "agentcast.models.parsers",
    "MultiTaggedContentParser": "agentcast.models.parsers",
    "parse_json": "agentcast.models.parsing",
    "JsonDictParser": "agentcast.models.parsing",
    "schema_instruction": "agentcast.models.parsing",
    "describe_validation_error": "agentcast.models.parsing",
    "prepare_structured": "agentcast.models.parsing",
    "reask_messages": "agentcast.models.parsing",
    "error_text": "agentcast.models.parsing",
    "call_parsed": "agentcast.models.parsing",
    "dig": "agentcast.models.post_api",
    "PostAPIChatModel": "agentcast.models.post_api",
    "resolve_model_string": "agentcast.models.providers",
    "read_config_file": "agentcast.models.registry",
    "validate_model_config": "agentcast.models.registry",
    "clear_model_configs": "agentcast.models.registry",
    "build_model": "agentcast.models.registry",
    "register_string_resolver": "agentcast.models.registry",
    "repair_json": "agentcast.models.repair",
    "StreamRelay": "agentcast.models.retry",
    "drain": "agentcast.models.retry",
    "request_with_retries": "agentcast.models.retry",
}

__all__ = [
    "AnthropicChatModel",
    "AzureOpenAIChatModel",
    "ChatModel",
    "ChatModelBase",
    "DashScopeChatModel",
    "DictFilterMixin",
    "EmbeddingModel",
    "EmbeddingModelBase",
    "FallbackModel",
    "GeminiChatModel",
    "HFLocalChatModel",
    "ImageModel",
    "JsonDictParser",
    "MarkdownCodeBlockParser",
    "MarkdownJsonDictParser",
    "MarkdownJsonObjectParser",
    "ModelChunk",
    "ModelResponse",
    "MultiTaggedContentParser",
    "OllamaChatModel",
    "OllamaEmbeddingModel",
    "OpenAIChatModel",
    "OpenAIEmbeddingModel",
    "OpenAIImageModel",
    "OpenAISpeechToText",
    "OpenAITextToSpeech",
    "PostAPIChatModel",
    "ReplyParser",
    "SentenceTransformerEmbeddingModel",
    "SpeechToText",
    "StreamRelay",
    "TaggedContent",
    "TextToSpeech",
    "ToolCall",
    "Usage",
    "build_model",
    "call_chain",
    "call_parsed",
    "check_fallback_config",
    "clear_model_configs",
    "describe_validation_error",
    "dig",
    "drain",
    "error_text",
    "extract_between",
    "falls_back",
    "filter_keys",
    "generation_config",
    "get_model",
    "known_model_types",
    "load_model_configs",
    "parse_json",
    "prepare_structured",
    "read_config_file",
    "reask_messages",
    "register_model_type",
    "register_string_resolver",
    "repair_json",
    "request_with_retries",
    "resolve_model_string",
    "schema_instruction",
    "tool_config",
    "validate_model_config",
]

__getattr__, __dir__ = lazy_exports("agentcast.models", globals(), _EXPORTS)
