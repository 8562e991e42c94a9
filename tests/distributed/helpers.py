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


class Relay(Agent):
    """Holds another (distributed) agent and asks it first: agents on Ray calling agents on Ray."""

    def __init__(self, name: str, helper: Agent, factor: int = 10) -> None:
        super().__init__(name)
        self.helper = helper
        self.factor = factor

    async def reply(self, x):
        self.memory.add(x)
        got = await self.helper(x)
        out = Msg(self.name, got.content * self.factor, pid=os.getpid())
        self.memory.add(out)
        return out


class NotJson(Agent):
    """Replies with a content that is not JSON (a set): the reply cannot cross the wire."""

    async def reply(self, x):
        if x is not None and x.content == "fine":
            return Msg(self.name, "ok")
        return Msg(self.name, {1, 2})
