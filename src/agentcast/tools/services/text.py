"""Summarisation with a chat model; long texts are summarised in chunks, then combined."""

from __future__ import annotations

from typing import Annotated, Any

from agentcast.message import Msg
from agentcast.tools.response import ToolResponse
from agentcast.tools.schema import Hidden

SUMMARY_PROMPT = (
    "You summarise texts faithfully and concisely. Keep names, numbers and conclusions; add "
    "nothing that is not in the text. Answer with the summary only, in at most {words} words."
)


async def _ask(model: Any, system: str, text: str) -> str:
    response = await model([Msg("system", system, role="system"), Msg("user", text, role="user")])
    return str(response.text).strip()


async def summarize(
    text: str,
    model: Annotated[Any, Hidden] = None,
    max_words: Annotated[int, Hidden] = 200,
    chunk_chars: Annotated[int, Hidden] = 12_000,
    max_chunks: Annotated[int, Hidden] = 20,
) -> ToolResponse:
    """Summarise a text.

    Args:
        text: The text to summarise.
    """
    if model is None:
        return ToolResponse.error("summarize has no model configured")
    system = SUMMARY_PROMPT.format(words=max_words)
    if len(text) <= chunk_chars:
        return ToolResponse.success(await _ask(model, system, text))
    chunks = [text[i:i + chunk_chars] for i in range(0, len(text), chunk_chars)][:max_chunks]
    partial = [await _ask(model, system, c) for c in chunks]
    combined = "\n\n".join(f"Part {i + 1}: {p}" for i, p in enumerate(partial))
    return ToolResponse.success(await _ask(model, system, combined),
                                chunks=len(chunks), truncated=len(text) > chunk_chars * max_chunks)


__all__ = ["SUMMARY_PROMPT", "summarize"]
