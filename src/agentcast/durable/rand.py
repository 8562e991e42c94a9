"""``ac.random``: randomness that replays. Seeded per run (the seed is journaled), and per
agent call inside a reply, so a replayed (skipped) call does not shift anyone's draws."""

from __future__ import annotations

import random as _random
from collections.abc import MutableSequence, Sequence
from typing import Any, TypeVar

from agentcast import hooks

T = TypeVar("T")

_fallback = _random.Random()


def _stream() -> _random.Random:
    durable = hooks.durable
    return _fallback if durable is None else durable.random()  # type: ignore[no-any-return]


class RunRandom:
    """The subset of ``random`` a workflow needs, drawn from the run's seeded streams.

    Outside a durable run it is an ordinary generator (``seed(n)`` fixes it).
    """

    def random(self) -> float:
        return _stream().random()

    def uniform(self, a: float, b: float) -> float:
        return _stream().uniform(a, b)

    def randint(self, a: int, b: int) -> int:
        return _stream().randint(a, b)

    def choice(self, seq: Sequence[T]) -> T:
        return _stream().choice(seq)

    def sample(self, population: Sequence[T], k: int) -> list[T]:
        return _stream().sample(population, k)

    def shuffle(self, x: MutableSequence[Any]) -> None:
        _stream().shuffle(x)

    def seed(self, a: Any = None) -> None:
        """Seed the generator used outside durable runs."""
        _fallback.seed(a)

    def __repr__(self) -> str:
        return "ac.random (seeded per run)"


random = RunRandom()

__all__ = ["RunRandom", "random"]
