"""Retrieval by meaning: rank a list of texts by cosine similarity to a query.

Any embedding model works if it has ``async embed(texts) -> list[list[float]]``
(agentcast.testing.HashEmbedder is a deterministic offline one). Embeddings of the list are
cached per model and text, so repeated queries over the same knowledge embed only the query.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Annotated, Any, Protocol, runtime_checkable

from agentcast.tools.response import ToolResponse
from agentcast.tools.schema import Hidden


@runtime_checkable
class EmbeddingModel(Protocol):
    async def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na and nb else 0.0


_cache: dict[tuple[int, str], list[float]] = {}
_CACHE_MAX = 50_000


async def _embed_all(model: Any, texts: Sequence[str]) -> list[list[float]]:
    key = id(model)
    missing = [t for t in dict.fromkeys(texts) if (key, t) not in _cache]
    if missing:
        vectors = await model.embed(missing)
        if len(_cache) + len(missing) > _CACHE_MAX:
            _cache.clear()
        for text, vec in zip(missing, vectors, strict=True):
            _cache[(key, text)] = list(vec)
    return [_cache[(key, t)] for t in texts]


async def retrieve_from_list(
    query: str,
    knowledge: Annotated[list[Any], Hidden] = [],  # noqa: B006 - never mutated
    embedding_model: Annotated[Any, Hidden] = None,
    top_k: int = 3,
    score_threshold: Annotated[float | None, Hidden] = None,
    to_text: Annotated[Any, Hidden] = str,
) -> ToolResponse:
    """Find the entries of the knowledge list most related to the query.

    Args:
        query: What to look for.
        top_k: How many entries to return.
    """
    if embedding_model is None:
        return ToolResponse.error("retrieve_from_list has no embedding model configured")
    if not knowledge:
        return ToolResponse.success([])
    texts = [to_text(k) for k in knowledge]
    q_vec = (await embedding_model.embed([query]))[0]
    vectors = await _embed_all(embedding_model, texts)
    scored = sorted(((cosine(q_vec, v), i) for i, v in enumerate(vectors)), reverse=True)
    out = []
    for score, i in scored[: max(0, top_k)]:
        if score_threshold is not None and score < score_threshold:
            break
        out.append({"content": knowledge[i], "score": round(score, 4)})
    return ToolResponse.success(out)


__all__ = ["EmbeddingModel", "cosine", "retrieve_from_list"]
