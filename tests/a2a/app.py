"""An app served by `agentcast serve tests/a2a/app.py:agent` in the A2A tests."""

from __future__ import annotations

from agentcast import Agent, Msg


class Shout(Agent):
    """Answers with the input upper-cased; remembers what it saw (to show hub history)."""

    async def reply(self, x):
        self.memory.add(x)
        seen = [m.content for m in self.memory.get() if m.name != self.name]
        out = Msg(self.name, str(x.content).upper() if x is not None else "", seen=seen)
        self.memory.add(out)
        return out


agent = Shout("shouter", sys_prompt="I shout back whatever you say.")
