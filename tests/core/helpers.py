"""Agents used by the core tests: tiny arithmetic and sleepy agents, both sync and async."""

from __future__ import annotations

import asyncio
import time

from agentcast import Agent, Msg


class AddAgent(Agent):
    """Adds ``k`` to a numeric content; stores its input and output."""

    def __init__(self, name: str, k: int = 1) -> None:
        super().__init__(name)
        self.k = k

    async def reply(self, x):
        self.memory.add(x)
        value = (x.content if x is not None else 0) + self.k
        out = Msg(self.name, value)
        self.memory.add(out)
        return out


class MulAgent(AddAgent):
    async def reply(self, x):
        self.memory.add(x)
        out = Msg(self.name, (x.content if x is not None else 0) * self.k)
        self.memory.add(out)
        return out


class SyncAddAgent(Agent):
    """Like AddAgent but with a plain ``def`` reply (runs in the thread pool)."""

    def __init__(self, name: str, k: int = 1) -> None:
        super().__init__(name)
        self.k = k

    def reply(self, x):
        self.memory.add(x)
        out = Msg(self.name, (x.content if x is not None else 0) + self.k)
        self.memory.add(out)
        return out


class SleepyAgent(Agent):
    """Waits ``delay`` seconds (asyncio), then adds one."""

    def __init__(self, name: str, delay: float = 1.0) -> None:
        super().__init__(name)
        self.delay = delay

    async def reply(self, x):
        await asyncio.sleep(self.delay)
        return Msg(self.name, (x.content if x is not None else 0) + 1)


class BlockingSleepyAgent(Agent):
    """Blocks its thread for ``delay`` seconds (time.sleep), then adds one."""

    def __init__(self, name: str, delay: float = 1.0) -> None:
        super().__init__(name)
        self.delay = delay

    def reply(self, x):
        time.sleep(self.delay)
        return Msg(self.name, (x.content if x is not None else 0) + 1)


class EchoAgent(Agent):
    """Speaks a fixed line (or its name + call count) and remembers input and output."""

    def __init__(self, name: str, line: str | None = None) -> None:
        super().__init__(name)
        self.line = line
        self.n = 0

    async def reply(self, x):
        self.memory.add(x)
        self.n += 1
        out = Msg(self.name, self.line or f"{self.name}-{self.n}")
        self.memory.add(out)
        return out


class FailingAgent(Agent):
    async def reply(self, x):
        raise ValueError(f"{self.name} cannot do that")
