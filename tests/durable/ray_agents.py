"""Agents for the durable tests with Ray (importable by Ray workers): their models are the
test server at a URL, built where the agent runs, so requests are counted at the server."""

from __future__ import annotations

from typing import Any

import agentcast as ac
from agentcast.models.openai_chat import OpenAIChatModel


class ServedDialog(ac.DialogAgent):
    """A DialogAgent whose model is the OpenAI-compatible server at ``url``."""

    def __init__(self, name: str, url: str) -> None:
        super().__init__(name, sys_prompt=f"You are {name}.", model="served")
        self.url = url

    @property
    def model(self) -> Any:
        if self._model is None:
            self._model = OpenAIChatModel(model_name="m", base_url=self.url, api_key="k")
        return self._model


def answer(request: Any) -> str:
    """The server's deterministic reply: who is asked, how much they saw, the last words."""
    msgs = request.json["messages"]
    who = str(msgs[0]["content"]).removeprefix("You are ").rstrip(".")
    return f"{who}({len(msgs)}): {str(msgs[-1]['content'])[-24:]}"


class Mailer(ServedDialog):
    """Asks its model, then sends an email with a side-effect tool that writes a line to
    ``log`` each time it runs; its first run SIGKILLs the process half-way (a host dying
    inside the tool)."""

    def __init__(self, name: str, url: str, log: str) -> None:
        super().__init__(name, url)
        self.log = log

    async def reply(self, x: Any) -> Any:
        import os
        import signal

        from agentcast.models.base import ToolCall

        log = self.log

        def send_mail(to: str) -> str:
            """Send an email."""
            with open(log, "a") as f:
                f.write(f"{to}\n")
            with open(log) as f:
                if sum(1 for _ in f) == 1:
                    os.kill(os.getpid(), signal.SIGKILL)
            return f"sent to {to}"

        said = await self.call_model(self.remember_and_prompt(x))
        tools = ac.Toolkit()
        tools.add_tool(send_mail)
        r = await tools.call(ToolCall("1", "send_mail", {"to": "bob"}), agent=self.name)
        out = ac.Msg(self.name, f"{said.text} / {r.text()}")
        self.memory.add(out)
        return out


class Thinker(ServedDialog):
    """Two model calls a reply: a draft, then the answer (a call in flight at a crash can
    have finished model calls of its own)."""

    async def reply(self, x: Any) -> Any:
        prompt = self.remember_and_prompt(x)
        draft = await self.call_model(prompt)
        final = await self.call_model([*prompt, ac.Msg(self.name, draft.text, role="assistant"),
                                       ac.Msg("user", "Final answer?", role="user")])
        out = ac.Msg(self.name, f"{final.text}", role="assistant")
        self.memory.add(out)
        return out


class Primed(ServedDialog):
    """A changed program: the agent starts with a message in its memory."""

    def __init__(self, name: str, url: str) -> None:
        super().__init__(name, url)
        self.memory.add(ac.Msg("system", "primed", role="system"))


class Payer(ServedDialog):
    """Asks its model, then pays with a tool that needs a person's approval of each exact
    call; every payment made is a line in ``log``."""

    def __init__(self, name: str, url: str, log: str) -> None:
        super().__init__(name, url)
        self.log = log

    async def reply(self, x: Any) -> Any:
        from agentcast.models.base import ToolCall

        log = self.log

        def pay(to: str, amount: int) -> str:
            """Send money."""
            with open(log, "a") as f:
                f.write(f"{to} {amount}\n")
            return f"paid {amount} to {to}"

        said = await self.call_model(self.remember_and_prompt(x))
        tools = ac.Toolkit()
        tools.add_tool(pay, requires_approval=True)
        r = await tools.call(ToolCall("1", "pay", {"to": "bob", "amount": 5}), agent=self.name)
        out = ac.Msg(self.name, f"{said.text} / {r.text()}")
        self.memory.add(out)
        return out
