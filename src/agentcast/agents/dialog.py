"""DialogAgent: system prompt + memory -> model -> reply; remembers both sides."""

from __future__ import annotations

from typing import Any

from agentcast.agents.base import Agent
from agentcast.message import Msg


class DialogAgent(Agent):
    """The workhorse conversational agent."""

    async def reply(self, x: Msg | list[Msg] | None = None) -> Msg:
        prompt = self.remember_and_prompt(x)
        response = await self.call_model(prompt)
        msg = self.make_reply(response)
        if self.memory is not None:
            self.memory.add(msg)
        self.speak(msg)
        return msg

    def remember_and_prompt(self, x: Msg | list[Msg] | None) -> list[Msg]:
        """Store the input (when the agent has a memory) and build the model prompt."""
        if self.memory is not None:
            self.memory.add(x)
            return self.format_prompt()
        return self.format_prompt(*(x if isinstance(x, list) else [x]))

    def make_reply(self, response: Any) -> Msg:
        """Turn a ModelResponse into this agent's message (override to post-process)."""
        return Msg(self.name, response.text, role="assistant")
