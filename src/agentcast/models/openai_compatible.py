"""Vendors whose chat and embedding APIs are OpenAI's shape at another address: Yi
(01.AI, ``yi_chat``) and ZhipuAI (GLM, ``zhipuai_chat`` / ``zhipuai_embedding``).

Why classes and not just ``openai_chat`` with a ``base_url``: AgentScope configs name these
model types, and each vendor has its own key variable, default address and quirks (Zhipu
does not document ``stream_options``; its usage arrives in the last chunk anyway).
"""

from __future__ import annotations

from typing import Any

from agentcast.models._http import check_type
from agentcast.models.embeddings import OpenAIEmbeddingModel
from agentcast.models.openai_chat import OpenAIChatModel


class YiChatModel(OpenAIChatModel):
    """Yi models at ``https://api.lingyiwanwu.com/v1/chat/completions`` (key: YI_API_KEY).

    AgentScope's ``yi_chat`` config fields ``max_tokens``, ``top_p`` and ``temperature``
    are accepted at the top level and sent with every call, like ``generate_args``.
    """

    model_type = "yi_chat"
    provider = "yi"
    api_key_env: tuple[str, ...] = ("YI_API_KEY",)
    base_url_env: tuple[str, ...] = ("YI_BASE_URL",)
    default_base_url = "https://api.lingyiwanwu.com/v1"

    def __init__(self, config_name: str = "", model_name: str = "", *,
                 max_tokens: int | None = None, top_p: float | None = None,
                 temperature: float | None = None, **kwargs: Any) -> None:
        where = f"model config {config_name or model_name!r}"
        check_type(where, "max_tokens", max_tokens, int, "an integer")
        check_type(where, "top_p", top_p, (int, float), "a number")
        check_type(where, "temperature", temperature, (int, float), "a number")
        generate_args = dict(kwargs.pop("generate_args", None) or {})
        for key, value in (("max_tokens", max_tokens), ("top_p", top_p),
                           ("temperature", temperature)):
            if value is not None:
                generate_args.setdefault(key, value)
        kwargs.setdefault("name_field", False)  # Yi's API has no per-message name field
        super().__init__(config_name, model_name, generate_args=generate_args, **kwargs)


class ZhipuAIChatModel(OpenAIChatModel):
    """GLM models at ``https://open.bigmodel.cn/api/paas/v4/chat/completions``
    (key: ZHIPUAI_API_KEY)."""

    model_type = "zhipuai_chat"
    provider = "zhipuai"
    api_key_env: tuple[str, ...] = ("ZHIPUAI_API_KEY",)
    base_url_env: tuple[str, ...] = ("ZHIPUAI_BASE_URL",)
    default_base_url = "https://open.bigmodel.cn/api/paas/v4"
    supports_json_schema = False  # JSON mode ({"type": "json_object"}) only

    def __init__(self, config_name: str = "", model_name: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("stream_usage", False)  # usage comes in the last chunk regardless
        kwargs.setdefault("name_field", False)
        super().__init__(config_name, model_name, **kwargs)


class ZhipuAIEmbeddingModel(OpenAIEmbeddingModel):
    """``POST {base_url}/embeddings`` of ZhipuAI (embedding-2, embedding-3); at most 64
    texts per request."""

    model_type = "zhipuai_embedding"
    provider = "zhipuai"
    api_key_env: tuple[str, ...] = ("ZHIPUAI_API_KEY",)
    base_url_env: tuple[str, ...] = ("ZHIPUAI_BASE_URL",)
    default_base_url = "https://open.bigmodel.cn/api/paas/v4"
    batch_size = 64


__all__ = ["YiChatModel", "ZhipuAIChatModel", "ZhipuAIEmbeddingModel"]
