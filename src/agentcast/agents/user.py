"""UserAgent: a human in the loop, reading the terminal without stalling other agents.

``reply`` is a plain ``def`` so it runs in the reply thread pool: while the human types,
every other agent keeps going. Another front end (the studio) can take over input with
``set_input_provider``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agentcast.agents.base import Agent
from agentcast.message import Msg

InputProvider = Callable[["UserAgent", "Msg | list[Msg] | None", str], "str | tuple[str, Any]"]
_provider: InputProvider | None = None

EXIT_WORDS = frozenset({"exit", "quit"})


def input_provider() -> InputProvider | None:
    """The process-wide input provider, if one is set (the studio sets one)."""
    return _provider


def set_input_provider(provider: InputProvider | None) -> None:
    """Route every UserAgent's input through ``provider(agent, x, prompt)`` (None: terminal)."""
    global _provider
    _provider = provider


class UserAgent(Agent):
    """Asks a person for each reply. Typing ``exit`` (or end of input) ends the conversation."""

    def __init__(
        self,
        name: str = "User",
        *,
        input_func: Callable[[str], str] | None = None,
        require_url: bool = False,
        prompt: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name, **kwargs)
        self.input_func = input_func
        self.require_url = require_url
        self.prompt = prompt

    def reply(self, x: Msg | list[Msg] | None = None) -> Msg:  # type: ignore[override]
        if self.memory is not None:
            self.memory.add(x)
        prompt = self.prompt or f"{self.name}: "
        url: Any = None
        if _provider is not None and self.input_func is None:
            got = _provider(self, x, prompt)
            text, url = got if isinstance(got, tuple) else (got, None)
        else:
            text = self._read(prompt)
            if self.require_url and text not in EXIT_WORDS:
                url = self._read("URL (or empty): ").strip() or None
        msg = Msg(self.name, text, role="user", url=url)
        if self.memory is not None:
            self.memory.add(msg)
        return msg

    def _read(self, prompt: str) -> str:
        read = self.input_func or input
        try:
            return read(prompt).strip()
        except EOFError:
            return "exit"

    @staticmethod
    def is_exit(msg: Msg | None) -> bool:
        """True when the person asked to end the conversation."""
        return msg is not None and isinstance(msg.content, str) and \
            msg.content.strip().lower() in EXIT_WORDS
