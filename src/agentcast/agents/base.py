"""The Agent base class: an actor with a name, a system prompt, a model and a memory."""

from __future__ import annotations

import os
import zlib
from collections.abc import Sequence
from typing import Any

from agentcast import hooks
from agentcast.memory.list_memory import ListMemory
from agentcast.message import Msg
from agentcast.models.base import ChatModel, ChatModelBase, ModelChunk, ModelResponse
from agentcast.runtime.actor import Actor

# Process-wide defaults; ``ac.init`` sets them.
settings: dict[str, Any] = {
    "verbose": os.environ.get("AGENTCAST_QUIET", "") in ("", "0"),
    "stream": False,
    # spinner while a model call runs (agents/progress.py): None = on a terminal only
    "progress": None,
}

_PALETTE = ("cyan", "green", "magenta", "yellow", "blue", "bright_red", "bright_cyan",
            "bright_green", "bright_magenta", "bright_blue", "orange3", "deep_pink3")
_ICONS = ("🤖", "🦊", "🐼", "🦉", "🐙", "🦄", "🐢", "🐝", "🦁", "🐧", "🐸", "🐨")
_console: Any = None


_styles: dict[str, tuple[str, str]] = {}


def agent_style(name: str) -> tuple[str, str]:
    """A colour and icon per agent name, stable for the life of the process.

    Agents get the palette in order of first appearance, so a conversation's first dozen
    speakers never share a colour; past that, a hash of the name picks the icon.
    """
    style = _styles.get(name)
    if style is None:
        n = len(_styles)
        h = zlib.crc32(name.encode("utf-8"))
        icon = _ICONS[n % len(_ICONS)] if n < len(_ICONS) else _ICONS[h % len(_ICONS)]
        style = _styles[name] = (_PALETTE[n % len(_PALETTE)], icon)
    return style


def console() -> Any:
    global _console
    if _console is None:
        from rich.console import Console

        _console = Console(highlight=False, soft_wrap=True)
    return _console


def use_console(new: Any) -> Any:
    """Print agents' words (and progress) to ``new`` (a rich Console), e.g. a recording
    console in a test or an app's own; returns the previous one."""
    global _console
    old, _console = _console, new
    return old


class Agent(Actor):
    """Subclass and write ``reply`` (``async def`` runs on the loop, ``def`` in a thread).

    ``agent(x)`` enqueues a call and returns a placeholder at once; ``agent.observe(x)``
    called directly adds ``x`` to memory now, while hubs deliver through the mailbox.
    """

    def __init__(
        self,
        name: str,
        sys_prompt: str | None = None,
        model: str | ChatModel | None = None,
        *,
        memory: ListMemory | None = None,
        use_memory: bool = True,
        verbose: bool | None = None,
        model_config_name: str | None = None,
        description: str | None = None,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError("an agent needs a non-empty string name")
        self.name = name
        self.sys_prompt = sys_prompt
        # What others (a group chat's speaker selection) read about this agent.
        self.description: str = description if description is not None else (sys_prompt or "")
        self._model_ref = model if model is not None else model_config_name
        self._model: ChatModel | None = None
        mem = (memory if memory is not None else ListMemory()) if use_memory else None
        if mem is not None:
            mem.attach(self)  # reads from outside see the work already sent
        self.memory: ListMemory | None = mem
        self.verbose = verbose

    # --- model -----------------------------------------------------------------------
    @property
    def model(self) -> ChatModel:
        model = self._model
        if model is None:
            from agentcast.models.registry import get_model

            model = self._model = get_model(self._model_ref)
        return model

    @model.setter
    def model(self, value: str | ChatModel) -> None:
        self._model_ref = value
        self._model = None

    def has_model(self) -> bool:
        """Whether this agent was given a model (without resolving it)."""
        return self._model is not None or self._model_ref is not None

    async def call_model(
        self, messages: Sequence[Msg], *, stream: bool | None = None, **kwargs: Any
    ) -> ModelResponse:
        """Call this agent's model; prints tokens live when streaming is on."""
        model = self.model
        live = (settings["stream"] if stream is None else stream) and self._is_verbose()
        if live and "on_chunk" not in kwargs:
            kwargs["on_chunk"] = self._live_printer()
        if isinstance(model, ChatModelBase):
            kwargs.setdefault("agent", self.name)
        token = None
        if not live and self._is_verbose():
            from agentcast.agents.progress import board, progress_wanted

            if progress_wanted(settings["progress"], console()):
                token = board.start(self.name, console())
        try:
            durable = hooks.durable

            async def one(m: Any) -> ModelResponse:
                if durable is None:
                    return await m(messages, **kwargs)  # type: ignore[no-any-return]
                # journaled: answered from the record when this call already ran
                return await durable.model_call(  # type: ignore[no-any-return]
                    messages, lambda: m(messages, **kwargs), config=m.config_name)

            if hooks.guards:  # a budget may refuse the call; its on_exceed says what then
                from agentcast.durable.budgets import call_with_budget_actions

                response = await call_with_budget_actions(self.name, model, one)
            else:
                response = await one(model)
        finally:
            if token is not None:
                board.stop(token)
        if live:
            self._streamed = True
            console().print()
        return response

    def _live_printer(self) -> Any:
        colour, icon = agent_style(self.name)
        started = [False]

        def on_chunk(chunk: ModelChunk) -> None:
            if getattr(chunk, "reset", False):  # a retry or re-ask starts the answer over
                if started[0]:
                    console().print(" [dim](retrying…)[/]")
                    started[0] = False
                return
            if not started[0]:
                started[0] = True
                console().print(f"{icon} [bold {colour}]{self.name}[/]: ", end="")
            if chunk.delta:
                console().print(chunk.delta, end="", markup=False)

        return on_chunk

    def format_prompt(self, *extra: Msg | None) -> list[Msg]:
        """System prompt + memory (+ extra messages): what a dialog agent sends."""
        msgs: list[Msg] = []
        if self.sys_prompt:
            msgs.append(Msg("system", self.sys_prompt, role="system"))
        if self.memory is not None:
            msgs.extend(self.memory.get())
        msgs.extend(m for m in extra if m is not None)
        return msgs

    # --- behaviour -------------------------------------------------------------------
    async def reply(self, x: Msg | list[Msg] | None = None) -> Msg | None:
        raise NotImplementedError(f"{type(self).__name__} must implement reply()")

    def observe(self, x: Msg | Sequence[Msg] | None) -> None:
        """Default: remember what was seen. Override to filter or react."""
        if x is not None and self.memory is not None:
            self.memory.add(x)

    def _is_verbose(self) -> bool:
        return settings["verbose"] if self.verbose is None else self.verbose

    def speak(self, msg: Msg | str) -> None:
        """Print an utterance in the terminal, coloured per agent."""
        if isinstance(msg, str):
            msg = Msg(self.name, msg)
        if getattr(self, "_streamed", False):
            self._streamed = False
            return
        if not self._is_verbose():
            return
        from rich.markup import escape

        colour, icon = agent_style(msg.name)
        content = msg.content
        text = content if isinstance(content, str) else str(content)
        line = f"{icon} [bold {colour}]{escape(msg.name)}[/]: {escape(text)}"
        if msg.url:
            urls = msg.url if isinstance(msg.url, list) else [msg.url]
            line += "".join(f"\n   [dim]📎 {escape(u)}[/]" for u in urls)
        console().print(line)

    # --- state -----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The agent's state once everything already sent to it is handled."""
        self.settle()
        return {
            "name": self.name,
            "sys_prompt": self.sys_prompt,
            "memory": self.memory.export() if self.memory is not None else None,
            "calls": self._calls,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if "sys_prompt" in state:
            self.sys_prompt = state["sys_prompt"]
        if state.get("memory") is not None:
            if self.memory is None:
                self.memory = ListMemory()
            self.memory.load(state["memory"], overwrite=True)
        self._calls = int(state.get("calls", self._calls))

    # --- distribution ----------------------------------------------------------------
    def to_dist(self, **kwargs: Any) -> Any:
        """Move this agent into a Ray actor (extra ``agentcast[ray]``); same workflow code."""
        from agentcast.agents.distributed import to_dist

        return to_dist(self, **kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"
