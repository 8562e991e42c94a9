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
    from agentcast.models.base import model_event as model_event
    from agentcast.models.base import take_text_tool_calls as take_text_tool_calls
    from agentcast.models.base import warn_length_cut as warn_length_cut
    from agentcast.models.call import CallOptions as CallOptions
    from agentcast.models.call import guarded_request as guarded_request
    from agentcast.models.call import run_call as run_call
    from agentcast.models.dashscope_chat import DashScopeChatModel as DashScopeChatModel
    from agentcast.models.dashscope_media import (
        DashScopeImageSynthesisModel as DashScopeImageSynthesisModel,
    )
    from agentcast.models.dashscope_media import (
        DashScopeMultiModalModel as DashScopeMultiModalModel,
    )
    from agentcast.models.dashscope_media import (
        DashScopeTextEmbeddingModel as DashScopeTextEmbeddingModel,
    )
    from agentcast.models.embeddings import EmbeddingModel as EmbeddingModel
    from agentcast.models.embeddings import EmbeddingModelBase as EmbeddingModelBase
    from agentcast.models.embeddings import HTTPEmbeddingModel as HTTPEmbeddingModel
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
    from agentcast.models.gemini_embedding import GeminiEmbeddingModel as GeminiEmbeddingModel
    from agentcast.models.hf_local import HFLocalChatModel as HFLocalChatModel
    from agentcast.models.idempotency import bind_call_key as bind_call_key
    from agentcast.models.idempotency import idempotency_call_key as idempotency_call_key
    from agentcast.models.idempotency import idempotency_header_now as idempotency_header_now
    from agentcast.models.idempotency import next_idempotency_key as next_idempotency_key
    from agentcast.models.idempotency import sending_idempotency_key as sending_idempotency_key
    from agentcast.models.litellm_chat import LiteLLMChatModel as LiteLLMChatModel
    from agentcast.models.litellm_chat import import_litellm as import_litellm
    from agentcast.models.media import ImageModel as ImageModel
    from agentcast.models.media import OpenAIImageModel as OpenAIImageModel
    from agentcast.models.media import OpenAISpeechToText as OpenAISpeechToText
    from agentcast.models.media import OpenAITextToSpeech as OpenAITextToSpeech
    from agentcast.models.media import SpeechToText as SpeechToText
    from agentcast.models.media import TextToSpeech as TextToSpeech
    from agentcast.models.ollama_chat import OllamaChatModel as OllamaChatModel
    from agentcast.models.ollama_chat import apply_generate_args as apply_generate_args
    from agentcast.models.ollama_generate import OllamaGenerateModel as OllamaGenerateModel
    from agentcast.models.openai_chat import AzureOpenAIChatModel as AzureOpenAIChatModel
    from agentcast.models.openai_chat import OpenAIChatModel as OpenAIChatModel
    from agentcast.models.openai_compatible import YiChatModel as YiChatModel
    from agentcast.models.openai_compatible import ZhipuAIChatModel as ZhipuAIChatModel
    from agentcast.models.openai_compatible import ZhipuAIEmbeddingModel as ZhipuAIEmbeddingModel
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
    from agentcast.models.retry import retry_call as retry_call
    from agentcast.models.text_tools import tool_calls_in_text as tool_calls_in_text

# public name -> module that defines it (one line each; keep the three lists in step)
_EXPORTS: dict[str, str] = {
    "AnthropicChatModel": "agentcast.models.anthropic_chat",
    "AzureOpenAIChatModel": "agentcast.models.openai_chat",
    "ChatModel": "agentcast.models.base",
    "ChatModelBase": "agentcast.models.base",
    "DashScopeChatModel": "agentcast.models.dashscope_chat",
    "DashScopeImageSynthesisModel": "agentcast.models.dashscope_media",
    "DashScopeMultiModalModel": "agentcast.models.dashscope_media",
    "DashScopeTextEmbeddingModel": "agentcast.models.dashscope_media",
    "DictFilterMixin": "agentcast.models.parsers",
    "EmbeddingModel": "agentcast.models.embeddings",
    "EmbeddingModelBase": "agentcast.models.embeddings",
    "FallbackModel": "agentcast.models.fallback",
    "GeminiChatModel": "agentcast.models.gemini_chat",
    "GeminiEmbeddingModel": "agentcast.models.gemini_embedding",
    "HFLocalChatModel": "agentcast.models.hf_local",
    "HTTPEmbeddingModel": "agentcast.models.embeddings",
    "ImageModel": "agentcast.models.media",
    "JsonDictParser": "agentcast.models.parsing",
    "LiteLLMChatModel": "agentcast.models.litellm_chat",
    "MarkdownCodeBlockParser": "agentcast.models.parsers",
    "MarkdownJsonDictParser": "agentcast.models.parsers",
    "MarkdownJsonObjectParser": "agentcast.models.parsers",
    "ModelChunk": "agentcast.models.base",
    "ModelResponse": "agentcast.models.base",
    "MultiTaggedContentParser": "agentcast.models.parsers",
    "OllamaChatModel": "agentcast.models.ollama_chat",
    "OllamaEmbeddingModel": "agentcast.models.embeddings",
    "OllamaGenerateModel": "agentcast.models.ollama_generate",
    "OpenAIChatModel": "agentcast.models.openai_chat",
    "OpenAIEmbeddingModel": "agentcast.models.embeddings",
    "OpenAIImageModel": "agentcast.models.media",
    "OpenAISpeechToText": "agentcast.models.media",
    "OpenAITextToSpeech": "agentcast.models.media",
    "PostAPIChatModel": "agentcast.models.post_api",
    "ReplyParser": "agentcast.models.parsers",
    "SentenceTransformerEmbeddingModel": "agentcast.models.embeddings",
    "SpeechToText": "agentcast.models.media",
    "StreamRelay": "agentcast.models.retry",
    "TaggedContent": "agentcast.models.parsers",
    "TextToSpeech": "agentcast.models.media",
    "ToolCall": "agentcast.models.base",
    "Usage": "agentcast.models.base",
    "YiChatModel": "agentcast.models.openai_compatible",
    "ZhipuAIChatModel": "agentcast.models.openai_compatible",
    "ZhipuAIEmbeddingModel": "agentcast.models.openai_compatible",
    "build_model": "agentcast.models.registry",
    "call_chain": "agentcast.models.fallback",
    "call_parsed": "agentcast.models.parsing",
    "check_fallback_config": "agentcast.models.fallback",
    "clear_model_configs": "agentcast.models.registry",
    "describe_validation_error": "agentcast.models.parsing",
    "dig": "agentcast.models.post_api",
    "drain": "agentcast.models.retry",
    "error_text": "agentcast.models.parsing",
    "extract_between": "agentcast.models.parsers",
    "falls_back": "agentcast.models.fallback",
    "filter_keys": "agentcast.models.parsers",
    "generation_config": "agentcast.models.gemini_chat",
    "get_model": "agentcast.models.registry",
    "import_litellm": "agentcast.models.litellm_chat",
    "known_model_types": "agentcast.models.registry",
    "load_model_configs": "agentcast.models.registry",
    "parse_json": "agentcast.models.parsing",
    "prepare_structured": "agentcast.models.parsing",
    "read_config_file": "agentcast.models.registry",
    "reask_messages": "agentcast.models.parsing",
    "register_model_type": "agentcast.models.registry",
    "register_string_resolver": "agentcast.models.registry",
    "repair_json": "agentcast.models.repair",
    "request_with_retries": "agentcast.models.retry",
    "resolve_model_string": "agentcast.models.providers",
    "schema_instruction": "agentcast.models.parsing",
    "tool_config": "agentcast.models.gemini_chat",
    "validate_model_config": "agentcast.models.registry",
    "model_event": "agentcast.models.base",
    "take_text_tool_calls": "agentcast.models.base",
    "warn_length_cut": "agentcast.models.base",
    "CallOptions": "agentcast.models.call",
    "run_call": "agentcast.models.call",
    "guarded_request": "agentcast.models.call",
    "retry_call": "agentcast.models.retry",
    "tool_calls_in_text": "agentcast.models.text_tools",
    "apply_generate_args": "agentcast.models.ollama_chat",
    "idempotency_call_key": "agentcast.models.idempotency",
    "bind_call_key": "agentcast.models.idempotency",
    "next_idempotency_key": "agentcast.models.idempotency",
    "sending_idempotency_key": "agentcast.models.idempotency",
    "idempotency_header_now": "agentcast.models.idempotency",
}

__all__ = [
    "AnthropicChatModel",
    "AzureOpenAIChatModel",
    "CallOptions",
    "ChatModel",
    "ChatModelBase",
    "DashScopeChatModel",
    "DashScopeImageSynthesisModel",
    "DashScopeMultiModalModel",
    "DashScopeTextEmbeddingModel",
    "DictFilterMixin",
    "EmbeddingModel",
    "EmbeddingModelBase",
    "FallbackModel",
    "GeminiChatModel",
    "GeminiEmbeddingModel",
    "HFLocalChatModel",
    "HTTPEmbeddingModel",
    "ImageModel",
    "JsonDictParser",
    "LiteLLMChatModel",
    "MarkdownCodeBlockParser",
    "MarkdownJsonDictParser",
    "MarkdownJsonObjectParser",
    "ModelChunk",
    "ModelResponse",
    "MultiTaggedContentParser",
    "OllamaChatModel",
    "OllamaEmbeddingModel",
    "OllamaGenerateModel",
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
    "YiChatModel",
    "ZhipuAIChatModel",
    "ZhipuAIEmbeddingModel",
    "apply_generate_args",
    "bind_call_key",
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
    "guarded_request",
    "idempotency_call_key",
    "idempotency_header_now",
    "import_litellm",
    "known_model_types",
    "load_model_configs",
    "model_event",
    "next_idempotency_key",
    "parse_json",
    "prepare_structured",
    "read_config_file",
    "reask_messages",
    "register_model_type",
    "register_string_resolver",
    "repair_json",
    "request_with_retries",
    "resolve_model_string",
    "retry_call",
    "run_call",
    "schema_instruction",
    "sending_idempotency_key",
    "take_text_tool_calls",
    "tool_calls_in_text",
    "tool_config",
    "validate_model_config",
    "warn_length_cut",
]

__getattr__, __dir__ = lazy_exports("agentcast.models", globals(), _EXPORTS)
