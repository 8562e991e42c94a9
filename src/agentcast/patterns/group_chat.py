"""GroupChat: several agents in one MsgHub; a manager picks who speaks next.

Every message reaches every member through the hub (the opening message as its
announcement), so each speaker replies from what it has heard. Speaker selection methods:

- ``"auto"``: the manager's model reads the chat and names the next speaker. A reply that
  names no member, or several, is re-asked (``max_retries_for_selecting_speaker`` times)
  with the problem explained; then ``auto_fallback`` decides (round robin by default).
- ``"round_robin"``, ``"random"`` (seeded with ``seed``), ``"manual"`` (a person picks,
  through UserAgent's input mechanism; a bad answer is re-asked, empty means fallback),
- a callable ``(last_speaker, groupchat) -> agent | name | method | None`` (None ends).

``allowed_or_disallowed_speaker_transitions`` (``{agent: [agents]}`` with
``speaker_transitions_type`` "allowed" or "disallowed") restricts who may follow whom; a
single allowed candidate speaks without asking anyone. ``max_round`` caps the replies.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, Union

from agentcast.agents.base import Agent
from agentcast.exceptions import AgentCallError, BudgetExceeded, UsageError
from agentcast.hub import msghub
from agentcast.message import Msg
from agentcast.patterns._support import (
    Interrupted,
    UsageTracker,
    as_msg,
    ask_human_async,
    call_flexibly,
    last_message,
    wait_reply,
)
from agentcast.patterns.chat import ChatResult, summarize
from agentcast.patterns.termination import (
    ChatState,
    FunctionTermination,
    TerminationCondition,
    combine,
    content_text,
)

DEFAULT_MAX_ROUND = 20
METHODS = ("auto", "round_robin", "random", "manual")
SelectionMethod = Union[str, Callable[..., Any]]

SELECT_SYSTEM = (
    "You are in a role play game. The following roles are available:\n{roles}\n\n"
    "Read the following conversation. Then select the next role from {names} to play. "
    "Only return the role."
)
SELECT_ASK = ("Read the above conversation. Then select the next role from {names} to play. "
              "Only return the role.")


def _describe(agent: Any) -> str:
    text = getattr(agent, "description", None) or getattr(agent, "sys_prompt", None) or ""
    text = " ".join(str(text).split())
    return text[:300]


class GroupChat:
    """The members, the rules of who speaks next, and the caps. Run it with a manager."""

    def __init__(
        self,
        agents: Sequence[Any],
        messages: list[Msg] | None = None,
        max_round: int = DEFAULT_MAX_ROUND,
        speaker_selection_method: SelectionMethod = "auto",
        *,
        allowed_or_disallowed_speaker_transitions: Mapping[Any, Sequence[Any]] | None = None,
        speaker_transitions_type: Literal["allowed", "disallowed"] = "allowed",
        allow_repeat_speaker: bool = True,
        max_retries_for_selecting_speaker: int = 2,
        auto_fallback: SelectionMethod = "round_robin",
        seed: int | None = None,
        termination: TerminationCondition | None = None,
        is_termination_msg: Callable[[Msg], Any] | None = None,
        select_speaker_model: Any = None,
        input_func: Callable[[str], Any] | None = None,
    ) -> None:
        if not agents:
            raise UsageError("a GroupChat needs at least one agent")
        names = [a.name for a in agents]
        if len(set(names)) != len(names):
            raise UsageError(f"GroupChat agent names must be unique, got {names}")
        if isinstance(speaker_selection_method, str) and speaker_selection_method not in METHODS:
            raise UsageError(f"speaker_selection_method must be one of {METHODS} or a callable")
        if isinstance(auto_fallback, str) and auto_fallback not in ("round_robin", "random"):
            raise UsageError("auto_fallback must be 'round_robin', 'random' or a callable")
        if speaker_transitions_type not in ("allowed", "disallowed"):
            raise UsageError("speaker_transitions_type must be 'allowed' or 'disallowed'")
        if max_round < 1:
            raise UsageError("max_round must be >= 1")
        self.agents = list(agents)
        self.messages: list[Msg] = messages if messages is not None else []
        self.max_round = max_round
        self.speaker_selection_method = speaker_selection_method
        self.transitions_type = speaker_transitions_type
        self.transitions = self._check_graph(allowed_or_disallowed_speaker_transitions)
        self.allow_repeat_speaker = allow_repeat_speaker
        self.max_retries_for_selecting_speaker = max_retries_for_selecting_speaker
        self.auto_fallback = auto_fallback
        self.rng = random.Random(seed)
        self.termination = termination
        self.is_termination_msg = is_termination_msg
        self.select_speaker_model = select_speaker_model
        self.input_func = input_func
        self.selection_log: list[dict[str, Any]] = []

    # --- members ------------------------------------------------------------------------
    @property
    def agent_names(self) -> list[str]:
        return [a.name for a in self.agents]

    def agent_by_name(self, name: str) -> Any:
        for agent in self.agents:
            if agent.name == name:
                return agent
        return None

    def _as_agent(self, ref: Any) -> Any:
        agent = self.agent_by_name(ref) if isinstance(ref, str) else (
            ref if any(ref is a for a in self.agents) else None)
        if agent is None:
            raise UsageError(f"{ref!r} is not a member of this GroupChat ({self.agent_names})")
        return agent

    def _check_graph(self, graph: Mapping[Any, Sequence[Any]] | None) -> dict[str, list[str]] | None:
        if graph is None:
            return None
        return {self._as_agent(k).name: [self._as_agent(v).name for v in vs]
                for k, vs in graph.items()}

    def candidates(self, last: Any) -> list[Any]:
        """Who may speak after ``last`` under the transition graph and the repeat rule."""
        agents = list(self.agents)
        if self.transitions is not None and last is not None and last.name in self.transitions:
            listed = set(self.transitions[last.name])
            keep = (lambda a: a.name in listed) if self.transitions_type == "allowed" \
                else (lambda a: a.name not in listed)
            agents = [a for a in agents if keep(a)]
        if not self.allow_repeat_speaker and last is not None and len(agents) > 1:
            agents = [a for a in agents if a is not last]
        return agents

    def next_agent(self, last: Any, candidates: Sequence[Any] | None = None) -> Any:
        """Round robin: the first candidate after ``last`` in member order."""
        pool = list(candidates) if candidates is not None else self.agents
        if last is None or not any(last is a for a in self.agents):
            return pool[0]
        start = next(i for i, a in enumerate(self.agents) if a is last)
        n = len(self.agents)
        for step in range(1, n + 1):
            agent = self.agents[(start + step) % n]
            if any(agent is c for c in pool):
                return agent
        return pool[0]

    # --- selection ------------------------------------------------------------------------
    async def select_speaker(self, last: Any, state: ChatState, manager: Any = None) -> Any:
        """The next speaker, or None to end the chat."""
        pool = self.candidates(last)
        if not pool:
            self._log("graph", None, note="no allowed next speaker")
            return None
        if len(pool) == 1:
            self._log("graph", pool[0])
            return pool[0]
        method = self.speaker_selection_method
        if callable(method):
            choice = call_flexibly(method, last, self)
            if asyncio.iscoroutine(choice):
                choice = await choice
            if choice is None:
                self._log("callable", None, note="the function ended the chat")
                return None
            if isinstance(choice, str) and choice in METHODS:
                method = choice
            else:
                agent = self._as_agent(choice)
                self._log("callable", agent)
                return agent
        return await self._by_method(str(method), last, pool, state, manager)

    async def _by_method(self, method: str, last: Any, pool: list[Any], state: ChatState,
                         manager: Any) -> Any:
        if method == "round_robin":
            agent = self.next_agent(last, pool)
        elif method == "random":
            agent = self.rng.choice(pool)
        elif method == "manual":
            return await self._manual(last, pool, state, manager)
        else:
            return await self._auto(last, pool, state, manager)
        self._log(method, agent)
        return agent

    async def _fallback(self, last: Any, pool: list[Any], method: str, note: str) -> Any:
        fb = self.auto_fallback
        if callable(fb):
            agent = call_flexibly(fb, last, self)
            agent = self._as_agent(agent) if agent is not None else None
        elif fb == "random":
            agent = self.rng.choice(pool)
        else:
            agent = self.next_agent(last, pool)
        self._log(method, agent, fallback=True, note=note)
        return agent

    async def _manual(self, last: Any, pool: list[Any], state: ChatState, manager: Any) -> Any:
        names = [a.name for a in pool]
        menu = ", ".join(f"{i}: {n}" for i, n in enumerate(names, 1))
        prompt = f"Next speaker ({menu}; enter for automatic choice): "
        for _ in range(1 + self.max_retries_for_selecting_speaker):
            text = await ask_human_async(manager, state.last, prompt, self.input_func)
            if not text:
                return await self._fallback(last, pool, "manual", "no choice given")
            if text.lower() in ("exit", "quit"):
                self._log("manual", None, note="the person ended the chat")
                return None
            if text.isdigit() and 1 <= int(text) <= len(pool):
                agent = pool[int(text) - 1]
                self._log("manual", agent)
                return agent
            for agent in pool:
                if agent.name.lower() == text.lower():
                    self._log("manual", agent)
                    return agent
            prompt = f"{text!r} is not one of them. Next speaker ({menu}): "
        return await self._fallback(last, pool, "manual", "no valid choice")

    def _model(self, manager: Any) -> Any:
        if self.select_speaker_model is not None:
            from agentcast.models.registry import get_model

            return get_model(self.select_speaker_model)
        if manager is not None and (getattr(manager, "_model_ref", None) is not None
                                    or getattr(manager, "_model", None) is not None):
            return manager.model
        raise UsageError("speaker_selection_method='auto' needs a model: give the "
                         "GroupChatManager a model (or GroupChat(select_speaker_model=...))")

    async def _auto(self, last: Any, pool: list[Any], state: ChatState, manager: Any) -> Any:
        from agentcast.models.base import ChatModelBase

        model = self._model(manager)
        names = [a.name for a in pool]
        roles = "\n".join(f"{a.name}: {_describe(a)}" for a in pool)
        msgs = [Msg("system", SELECT_SYSTEM.format(roles=roles, names=names), role="system")]
        msgs += [Msg(m.name, content_text(m), role="user") for m in state.messages]
        msgs.append(Msg("user", SELECT_ASK.format(names=names), role="user"))
        kwargs: dict[str, Any] = {}
        if manager is not None and isinstance(model, ChatModelBase):
            kwargs["agent"] = manager.name
        problem = ""
        for attempt in range(1 + self.max_retries_for_selecting_speaker):
            response = await model(msgs, **kwargs)
            agent, problem = match_name(response.text, pool)
            if agent is not None:
                self._log("auto", agent, attempts=attempt + 1)
                return agent
            msgs = [*msgs, Msg("assistant", response.text, role="assistant"),
                    Msg("user", f"{problem} Answer with exactly one name from {names} and "
                        "nothing else.", role="user")]
        return await self._fallback(last, pool, "auto", problem)

    def _log(self, method: str, agent: Any, **extra: Any) -> None:
        self.selection_log.append(
            {"method": method, "speaker": agent.name if agent is not None else None, **extra})

    # --- running --------------------------------------------------------------------------
    async def run(self, message: Any, *, sender: Any = None, manager: Any = None,
                  termination: TerminationCondition | None = None) -> ChatResult:
        """Run the chat from ``message`` until a cap or condition (``termination`` adds one
        for this run) stops it."""
        first = as_msg(message, sender.name if sender is not None else "user")
        condition = combine(
            self.termination, termination,
            FunctionTermination(self.is_termination_msg) if self.is_termination_msg else None,
        )
        if condition is not None:
            condition.reset()
        for agent in self.agents:
            reset = getattr(agent, "reset_consecutive_auto_reply_counter", None)
            if callable(reset):
                reset()
        state = ChatState()
        names = {a.name for a in self.agents} | ({manager.name} if manager is not None else set())
        last = sender if sender is not None and any(sender is a for a in self.agents) \
            else self.agent_by_name(first.name) if sender is None else None
        stop_reason = f"reached max_round={self.max_round}"
        if sender is not None and last is None and hasattr(sender, "speak"):
            sender.speak(first)
        with UsageTracker(names) as tracker:
            async with msghub(self.agents, announcement=first):
                state.messages.append(first)
                self.messages.append(first)
                for _ in range(self.max_round):
                    tracker.update(state)
                    reason = condition.check(state) if condition is not None else None
                    if reason is not None:
                        stop_reason = reason
                        break
                    try:
                        speaker = await self.select_speaker(last, state, manager)
                    except BudgetExceeded as exc:  # the manager's own model call was refused
                        stop_reason = f"budget exceeded: {exc}"
                        break
                    if speaker is None:
                        stop_reason = self.selection_log[-1].get("note", "no next speaker")
                        break
                    try:
                        reply = await wait_reply(speaker(), state, condition, tracker)
                    except AgentCallError as exc:
                        if not isinstance(exc.original, BudgetExceeded):
                            raise
                        stop_reason = f"budget exceeded: {exc.original}"
                        break
                    if isinstance(reply, Interrupted):
                        stop_reason = reply.reason
                        break
                    if reply is None:
                        stop_reason = f"{speaker.name} ended the chat"
                        break
                    state.messages.append(reply)
                    self.messages.append(reply)
                    last = speaker
                else:
                    tracker.update(state)
                    reason = condition.check(state) if condition is not None else None
                    stop_reason = reason or stop_reason
            summary = await summarize("last_msg", sender, manager, state.messages)
            tracker.update(state)
            usage = tracker.as_dict()
        return ChatResult(list(state.messages), summary, usage, float(usage["cost"]), stop_reason)


def match_name(text: str, pool: Sequence[Any]) -> tuple[Any, str]:
    """(agent, "") when ``text`` names exactly one member of ``pool``, else (None, problem)."""
    cleaned = text.strip().strip("`'\".:* \n")
    for agent in pool:
        if agent.name.lower() == cleaned.lower():
            return agent, ""
    mentioned = [a for a in pool
                 if re.search(rf"(?<![\w-]){re.escape(a.name)}(?![\w-])", text, re.IGNORECASE)]
    if len(mentioned) == 1:
        return mentioned[0], ""
    if mentioned:
        return None, f"Your answer {text.strip()!r} is ambiguous: it names " \
                     f"{', '.join(a.name for a in mentioned)}."
    return None, f"Your answer {text.strip()!r} names none of the roles."


class GroupChatManager(Agent):
    """Runs a GroupChat; its model (if any) picks speakers in "auto" mode.

    ``initiate_chat(user, manager, task)`` runs the group chat and returns its ChatResult.
    Called as an agent (``manager(x)``, in a pipeline or a nested chat), it runs the chat on
    ``x`` and replies with the summary (the full result is in ``last_result``).
    """

    def __init__(self, groupchat: GroupChat, name: str = "chat_manager", model: Any = None,
                 *, summary_method: Any = "last_msg", **kwargs: Any) -> None:
        super().__init__(name, model=model, use_memory=False, **kwargs)
        self.groupchat = groupchat
        self.summary_method = summary_method
        self.last_result: ChatResult | None = None

    async def run_chat_async(self, message: Any, sender: Any = None,
                             termination: TerminationCondition | None = None) -> ChatResult:
        """Run the group chat on ``message`` (from ``sender``, if it is someone)."""
        result = await self.groupchat.run(message, sender=sender, manager=self,
                                          termination=termination)
        if self.summary_method != "last_msg":
            result.summary = await summarize(self.summary_method, sender, self, result.history)
        self.last_result = result
        return result

    def run_chat(self, message: Any, sender: Any = None,
                 termination: TerminationCondition | None = None) -> ChatResult:
        """The blocking form of ``run_chat_async``, for scripts."""
        from agentcast.patterns.chat import run_sync

        result: ChatResult = run_sync(self.run_chat_async(message, sender, termination))
        return result

    async def reply(self, x: Msg | list[Msg] | None = None) -> Msg:
        incoming = last_message(x)
        result = await self.run_chat_async(incoming if incoming is not None else "")
        return Msg(self.name, result.summary, role="assistant",
                   metadata={"stop_reason": result.stop_reason})

    def __repr__(self) -> str:
        return f"GroupChatManager({self.name!r}, {self.groupchat.agent_names})"


__all__ = ["DEFAULT_MAX_ROUND", "GroupChat", "GroupChatManager", "match_name"]
