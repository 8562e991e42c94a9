"""Agents used by the distributed tests (importable by Ray workers)."""

from __future__ import annotations

import asyncio
import os

from agentcast import Agent, Msg


class SleepyAdd(Agent):
    """Waits ``delay`` seconds, then adds one; remembers its inputs and outputs."""

    def __init__(self, name: str, delay: float = 0.0) -> None:
        super().__init__(name)
        self.delay = delay

    async def reply(self, x):
        self.memory.add(x)
        if self.delay:
            await asyncio.sleep(self.delay)
        out = Msg(self.name, (x.content if x is not None else 0) + 1, pid=os.getpid())
        self.memory.add(out)
        return out


class Boom(Agent):
    async def reply(self, x):
        raise ValueError(f"{self.name} cannot do that")


class Where(Agent):
    """Answers with the node it runs on."""

    async def reply(self, x):
        import ray

        return Msg(self.name, ray.get_runtime_context().get_node_id())
