"""DialogAgent: system prompt + memory -> model -> reply; remembers both sides."""

from __future__ import annotations

from typing import Any

from agentcast.agents.base import Agent
from agentcast.message import Msg


class DialogAgent(Agent):
    """The workhorse conversational agent."""

    async def reply(self, x: Msg | list[Msg] | None = None) -> Msg:
        if self.memory is not None:
            self.memory.add(x)
            prompt = self.format_prompt()
        else:
            inputs = x if isinstance(x, list) else [x]
            prompt = self.format_prompt(*inputs)
        response = await self.call_model(prompt)
        msg = self.make_reply(response)
        if self.memory is not None:
            self.memory.add(msg)
        self.speak(msg)
        return msg

    def make_reply(self, response: Any) -> Msg:
        """Turn a ModelResponse into this agent's message (override to post-process)."""
        return Msg(self.name, response.text, role="assistant")
