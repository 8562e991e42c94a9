"""Small helpers for the fault-tolerance tests."""

from __future__ import annotations

import asyncio
from typing import Any

from agentcast import Msg
from agentcast.faults import RetryPolicy

# Tiny waits so that retry tests run in milliseconds; the logic is the same as in production.
FAST = RetryPolicy(max_retries=3, initial_delay=0.001, max_delay=0.01, jitter=0.0,
                   timeout=5.0, deadline=10.0)


def ask(text: str = "hi") -> list[Msg]:
    return [Msg("user", text, role="user")]


def run(coro: Any) -> Any:
    return asyncio.run(coro)
