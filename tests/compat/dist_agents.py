"""Agents for the AgentScope distributed tests (importable by Ray workers)."""

from __future__ import annotations

import asyncio
import os
import time

from agentcast import Agent, Msg, async_func, sync_func


class AgentWithCustomFunc(Agent):
    """AgentScope 0.x's test agent: custom plain and @async_func methods."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.cnt = 0

    async def reply(self, x):
        self.memory.add(x)
        return Msg(self.name, "Hello", role="assistant")

    def custom_func_with_msg(self, x: Msg) -> Msg:
        return x

    def custom_func_with_basic(self, num: int) -> int:
        return num

    @async_func
    def custom_async_func(self, num: float) -> int:
        time.sleep(num)
        self.cnt += 1
        return self.cnt

    def custom_sync_func(self) -> int:
        return self.cnt

    @async_func
    async def coroutine_func(self, x: int) -> int:
        await asyncio.sleep(0.01)
        return x * 2

    def raise_error(self) -> None:
        raise ValueError("custom method failed")

    @async_func
    def raise_later(self) -> None:
        raise KeyError("async custom method failed")

    def pid(self) -> int:
        return os.getpid()

    def _private(self) -> str:
        return "never reachable"

    @sync_func
    def _exposed(self) -> str:
        return "reachable"


class Echo(Agent):
    """Remembers what it hears; answers with the content and its memory size."""

    async def reply(self, x):
        self.memory.add(x)
        out = Msg(self.name, f"{self.name} heard {x.content if x is not None else None}",
                  role="assistant", mem_size=self.memory.size())
        self.memory.add(out)
        return out
