"""HashEmbedder: a deterministic, offline embedding model for tests.

Texts that share words get similar vectors (bag of hashed word stems), which is enough to
test retrieval ranking without a real model.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Sequence

_STOPWORDS = frozenset("a an the of on in to is are was be and or for with at by it this that".split())


class HashEmbedder:
    """``await embed(texts) -> list[list[float]]``, unit-length vectors of ``dim`` floats."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.calls = 0

    def embed_one(self, text: str) -> list[float]:
        vec = [0.0] * self.dim
        for word in re.findall(r"\w+", text.lower()):
            if word in _STOPWORDS:
                continue
            stem = word[:-1] if len(word) > 3 and word.endswith("s") else word  # cats ~ cat
            h = zlib.crc32(stem.encode())
            vec[h % self.dim] += 1.0 if (h >> 16) & 1 else -1.0
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        return [v / norm for v in vec]

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls += 1
        return [self.embed_one(t) for t in texts]


__all__ = ["HashEmbedder"]
