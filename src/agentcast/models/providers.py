"""Every model type this package ships, and "provider:model" strings for the common ones.

``model="openai:gpt-4o"`` works without a config: the prefix picks the provider, the rest is
the model name, and the API key comes from the provider's standard environment variable.
"""

from __future__ import annotations

from typing import Any

_M = "agentcast.models."

# model_type -> "module:Class" (imported only when a config uses it)
MODEL_TYPES: dict[str, str] = {
    "openai_chat": _M + "openai_chat:OpenAIChatModel",
    "azure_openai_chat": _M + "openai_chat:AzureOpenAIChatModel",
    "anthropic_chat": _M + "anthropic_chat:AnthropicChatModel",
    "gemini_chat": _M + "gemini_chat:GeminiChatModel",
    "dashscope_chat": _M + "dashscope_chat:DashScopeChatModel",
    "ollama_chat": _M + "ollama_chat:OllamaChatModel",
    "post_api_chat": _M + "post_api:PostAPIChatModel",
    "hf_local": _M + "hf_local:HFLocalChatModel",
    "openai_embedding": _M + "embeddings:OpenAIEmbeddingModel",
    "ollama_embedding": _M + "embeddings:OllamaEmbeddingModel",
    "sentence_transformers_embedding": _M + "embeddings:SentenceTransformerEmbeddingModel",
    "openai_image": _M + "media:OpenAIImageModel",
    "openai_dall_e": _M + "media:OpenAIImageModel",  # the paper's name
    "openai_stt": _M + "media:OpenAISpeechToText",
    "openai_tts": _M + "media:OpenAITextToSpeech",
    # AgentScope 0.x's further model types
    "litellm_chat": _M + "litellm_chat:LiteLLMChatModel",
    "yi_chat": _M + "openai_compatible:YiChatModel",
    "zhipuai_chat": _M + "openai_compatible:ZhipuAIChatModel",
    "zhipuai_embedding": _M + "openai_compatible:ZhipuAIEmbeddingModel",
    "ollama_generate": _M + "ollama_generate:OllamaGenerateModel",
    "gemini_embedding": _M + "gemini_embedding:GeminiEmbeddingModel",
    "dashscope_image_synthesis": _M + "dashscope_media:DashScopeImageSynthesisModel",
    "dashscope_text_embedding": _M + "dashscope_media:DashScopeTextEmbeddingModel",
    "dashscope_multimodal": _M + "dashscope_media:DashScopeMultiModalModel",
}

# prefix -> (model_type, extra constructor arguments)
PREFIXES: dict[str, tuple[str, dict[str, Any]]] = {
    "openai": ("openai_chat", {}),
    "azure": ("azure_openai_chat", {}),
    "deepseek": ("openai_chat", {"base_url": "https://api.deepseek.com/v1",
                                 "api_key_env": "DEEPSEEK_API_KEY"}),
    "vllm": ("openai_chat", {"base_url_env": "VLLM_BASE_URL",
                             "base_url": "http://localhost:8000/v1", "api_key_env": "VLLM_API_KEY"}),
    "anthropic": ("anthropic_chat", {}),
    "claude": ("anthropic_chat", {}),
    "gemini": ("gemini_chat", {}),
    "google": ("gemini_chat", {}),
    "dashscope": ("dashscope_chat", {}),
    "qwen": ("dashscope_chat", {}),
    "ollama": ("ollama_chat", {}),
    "yi": ("yi_chat", {}),
    "zhipuai": ("zhipuai_chat", {}),
    "litellm": ("litellm_chat", {}),
    "hf": ("hf_local", {}),
    "huggingface": ("hf_local", {}),
}


def resolve_model_string(ref: str) -> Any:
    """A model for "provider:model", or None when the prefix is not ours."""
    prefix, sep, name = ref.partition(":")
    if not sep or prefix.lower() not in PREFIXES or not name:
        return None
    import os

    from agentcast.models.registry import _resolve_factory

    model_type, extra = PREFIXES[prefix.lower()]
    args: dict[str, Any] = {"config_name": ref, "model_name": name}
    if "base_url" in extra:
        args["base_url"] = os.environ.get(extra.get("base_url_env", ""), extra["base_url"])
    if "api_key_env" in extra:
        args["api_key"] = os.environ.get(extra["api_key_env"]) or (
            None if model_type != "openai_chat" or "VLLM" in extra["api_key_env"]
            else _missing_key(ref, extra["api_key_env"]))
    return _resolve_factory(model_type)(**args)


def _missing_key(ref: str, env: str) -> str:
    from agentcast.exceptions import ConfigError

    raise ConfigError(f"model {ref!r}: no API key: set the {env} environment variable",
                      field="api_key")


__all__ = ["MODEL_TYPES", "PREFIXES", "resolve_model_string"]
