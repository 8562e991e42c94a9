"""GroupChat: the members, who may follow whom, and how the next speaker is chosen.

AutoGen 0.2's rules, one for one. ``max_round`` counts messages, the opening one included.
The speaker is chosen in this order: a callable ``speaker_selection_method(last, groupchat)``
(an agent, a method name, or None to end); when the last message asks for tools, the one
member that can run them (``func_call_filter``); the transition graph (an agent with no
successors ends the chat; a single successor speaks without asking anyone); then the method
("auto", "round_robin", "random", "manual", any case). "auto" asks the manager's model with
the selection templates, re-asks when the answer names no member or several, and falls
back to round robin after ``max_retries_for_selecting_speaker`` re-asks, or at once when the
manager has no model. Names in the model's answer match as AutoGen matches them:
case-sensitive, whole words, ``a_b`` also as "a b" or "a\\_b".

agentcast adds, under names of its own: ``seed`` (random selection), ``termination``
(composable conditions), ``select_speaker_model`` and ``selection_log``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, Union

from agentcast.durable.replay import journaled_model_call
from agentcast.exceptions import AgentNameConflictError, ChatConfigError
from agentcast.message import ROLES, Msg
from agentcast.models.base import ChatModelBase
from agentcast.patterns._support import ask_human
from agentcast.patterns.messages import content_str
from agentcast.patterns.protocol import as_conversable
from agentcast.patterns.termination import TerminationCondition

log = logging.getLogger("agentcast.patterns")
METHODS = ("auto", "manual", "random", "round_robin")
SelectionMethod = Union[str, Callable[..., Any]]

SELECT_SPEAKER_MESSAGE = (
    "This is a group conversation with these participants:\n{roles}\n\n"
    "Read the conversation that follows, then say who of {agentlist} speaks next. "
    "Answer with the name alone."
)
SELECT_SPEAKER_PROMPT = "Who of {agentlist} speaks next? Answer with the name alone."
SELECT_SPEAKER_MULTIPLE = (
    "Your answer named more than one participant. Give exactly one name from {agentlist}: "
    "the one the conversation hands over to, else the first one it mentions. Only the name."
)
SELECT_SPEAKER_NONE = (
    "Your answer named no participant. The names are {agentlist}; give exactly one of them, "
    "spelled as written. Only the name."
)
INTRODUCTION = "Welcome, everyone. This group works together on the task; its members are:"


def mentioned_agents(text: str, agents: Sequence[Any]) -> dict[str, int]:
    """How often each agent's name occurs in ``text`` as a whole word (AutoGen's rule)."""
    padded = f" {text} "
    counts: dict[str, int] = {}
    for agent in agents:
        name = agent.name
        forms = {re.escape(name), re.escape(name.replace("_", " ")),
                 re.escape(name.replace("_", r"\_"))}
        pattern = r"(?<=\W)(" + "|".join(sorted(forms, key=len, reverse=True)) + r")(?=\W)"
        n = len(re.findall(pattern, padded))
        if n:
            counts[name] = n
    return counts


class GroupChat:
    """The members and the rules of who speaks next. A GroupChatManager runs it."""

    DEFAULT_INTRO_MSG = INTRODUCTION

    def __init__(
        self,
        agents: Sequence[Any],
        messages: list[Msg] | None = None,
        max_round: int = 10,
        admin_name: str = "Admin",
        func_call_filter: bool = True,
        speaker_selection_method: SelectionMethod = "auto",
        max_retries_for_selecting_speaker: int = 2,
        allow_repeat_speaker: bool | list[Any] | None = None,
        allowed_or_disallowed_speaker_transitions: Mapping[Any, Sequence[Any]] | None = None,
        speaker_transitions_type: Literal["allowed", "disallowed"] | None = None,
        enable_clear_history: bool = False,
        send_introductions: bool = False,
        select_speaker_message_template: str = SELECT_SPEAKER_MESSAGE,
        select_speaker_prompt_template: str = SELECT_SPEAKER_PROMPT,
        select_speaker_auto_multiple_template: str = SELECT_SPEAKER_MULTIPLE,
        select_speaker_auto_none_template: str = SELECT_SPEAKER_NONE,
        select_speaker_auto_verbose: bool = False,
        role_for_select_speaker_messages: str = "system",
        *,
        seed: int | None = None,
        termination: TerminationCondition | None = None,
        select_speaker_model: Any = None,
        input_func: Callable[[str], Any] | None = None,
    ) -> None:
        self.agents = list(agents)
        for agent in self.agents:
            try:
                as_conversable(agent)
            except TypeError as exc:
                raise ChatConfigError(f"GroupChat agents must be agents: {exc}",
                                      field="agents") from exc
        self.messages: list[Msg] = messages if messages is not None else []
        if not isinstance(max_round, int) or max_round < 1:
            raise ChatConfigError("max_round must be an int >= 1", field="max_round")
        self.max_round = max_round
        self.admin_name = admin_name
        self.func_call_filter = func_call_filter
        if isinstance(speaker_selection_method, str):
            if speaker_selection_method.lower() not in METHODS:
                raise ChatConfigError(
                    f"speaker_selection_method is {speaker_selection_method!r}; it must be one "
                    f"of {list(METHODS)} (any case) or a callable",
                    field="speaker_selection_method")
        elif not callable(speaker_selection_method):
            raise ChatConfigError("speaker_selection_method must be a string or a callable",
                                  field="speaker_selection_method")
        self.speaker_selection_method = speaker_selection_method
        if not isinstance(max_retries_for_selecting_speaker, int) or \
                max_retries_for_selecting_speaker < 0:
            raise ChatConfigError("max_retries_for_selecting_speaker must be an int >= 0",
                                  field="max_retries_for_selecting_speaker")
        self.max_retries_for_selecting_speaker = max_retries_for_selecting_speaker
        if allow_repeat_speaker is not None and not isinstance(allow_repeat_speaker,
                                                               (bool, list)):
            raise ChatConfigError("allow_repeat_speaker must be a bool or a list of agents",
                                  field="allow_repeat_speaker")
        if allowed_or_disallowed_speaker_transitions is not None and \
                allow_repeat_speaker is not None:
            raise ChatConfigError(
                "give either allowed_or_disallowed_speaker_transitions or "
                "allow_repeat_speaker, not both (set the other to None)",
                field="allow_repeat_speaker")
        kind = speaker_transitions_type.lower() if isinstance(speaker_transitions_type, str) \
            else speaker_transitions_type
        if kind not in ("allowed", "disallowed", None):
            raise ChatConfigError("speaker_transitions_type must be 'allowed', 'disallowed' "
                                  "or None", field="speaker_transitions_type")
        if allowed_or_disallowed_speaker_transitions is not None and kind is None:
            raise ChatConfigError(
                "allowed_or_disallowed_speaker_transitions needs speaker_transitions_type "
                "'allowed' or 'disallowed'", field="speaker_transitions_type")
        self.allow_repeat_speaker: bool | list[Any] = True if allow_repeat_speaker is None \
            and allowed_or_disallowed_speaker_transitions is None else \
            (allow_repeat_speaker if allow_repeat_speaker is not None else True)
        self.allowed_or_disallowed_speaker_transitions = allowed_or_disallowed_speaker_transitions
        self.speaker_transitions_type = kind
        self.allowed_speaker_transitions_dict = self._transitions(
            allowed_or_disallowed_speaker_transitions, kind, allow_repeat_speaker)
        if enable_clear_history:
            raise ChatConfigError("enable_clear_history is not supported by agentcast: clear "
                                  "histories with agent.clear_history()",
                                  field="enable_clear_history")
        self.enable_clear_history = False
        self.send_introductions = send_introductions
        for field_name, value in (
                ("select_speaker_message_template", select_speaker_message_template),
                ("select_speaker_prompt_template", select_speaker_prompt_template),
                ("select_speaker_auto_multiple_template", select_speaker_auto_multiple_template),
                ("select_speaker_auto_none_template", select_speaker_auto_none_template),
                ("role_for_select_speaker_messages", role_for_select_speaker_messages)):
            if not value:
                raise ChatConfigError(f"{field_name} cannot be empty", field=field_name)
        if role_for_select_speaker_messages not in ROLES:
            raise ChatConfigError(f"role_for_select_speaker_messages must be one of "
                                  f"{sorted(ROLES)}", field="role_for_select_speaker_messages")
        self.select_speaker_message_template = select_speaker_message_template
        self.select_speaker_prompt_template = select_speaker_prompt_template
        self.select_speaker_auto_multiple_template = select_speaker_auto_multiple_template
        self.select_speaker_auto_none_template = select_speaker_auto_none_template
        self.select_speaker_auto_verbose = select_speaker_auto_verbose
        self.role_for_select_speaker_messages = role_for_select_speaker_messages
        self.rng = random.Random(seed)
        self.termination = termination
        self.select_speaker_model = select_speaker_model
        self.input_func = input_func
        self.selection_log: list[dict[str, Any]] = []

    # --- members ------------------------------------------------------------------------
    @property
    def agent_names(self) -> list[str]:
        return [a.name for a in self.agents]

    def reset(self) -> None:
        """Forget the messages (a new chat starts)."""
        self.messages.clear()

    def append(self, message: Msg, speaker: Any) -> None:
        """Add a message as said by ``speaker``."""
        msg = message.copy()
        msg.name = speaker.name
        self.messages.append(msg)

    def nested_agents(self) -> list[Any]:
        """The members, and the members of member managers, recursively."""
        out = list(self.agents)
        for agent in self.agents:
            inner = as_conversable(agent).nested_groupchat()
            if inner is not None:
                out.extend(inner.nested_agents())
        return out

    def agent_by_name(self, name: str, recursive: bool = False,
                      raise_on_name_conflict: bool = False) -> Any:
        """The member called ``name`` (None if none); ``recursive`` looks into nested
        group chats; several matches raise AgentNameConflictError when asked to."""
        pool = self.nested_agents() if recursive else self.agents
        found = [a for a in pool if a.name == name]
        if raise_on_name_conflict and len(found) > 1:
            raise AgentNameConflictError(f"{len(found)} agents are called {name!r}",
                                         field="name")
        return found[0] if found else None

    def _member(self, ref: Any) -> Any:
        if isinstance(ref, str):
            agent = self.agent_by_name(ref)
        else:
            agent = next((a for a in self.agents if a is ref or a == ref), None)
        if agent is None:
            raise ChatConfigError(f"{ref!r} is not a member of this GroupChat "
                                  f"({self.agent_names})", field="agents")
        return agent

    def _transitions(self, graph: Mapping[Any, Sequence[Any]] | None, kind: str | None,
                     repeat: bool | list[Any] | None) -> dict[Any, list[Any]]:
        if graph is None:
            allowed = {a: [b for b in self.agents if b is not a] for a in self.agents}
            again = self.agents if repeat in (True, None) else \
                [self._member(a) for a in repeat] if isinstance(repeat, list) else []
            for a in again:
                allowed[a].append(a)
            return allowed
        given: dict[Any, list[Any]] = {}
        for key, values in graph.items():
            if not isinstance(values, (list, tuple)):
                raise ChatConfigError("each transition must map an agent to a list of agents",
                                      field="allowed_or_disallowed_speaker_transitions")
            given[self._member(key)] = [self._member(v) for v in values]
        if kind == "allowed":
            return given
        return {a: [b for b in self.agents if not any(b is x for x in given.get(a, []))]
                for a in self.agents}

    def next_agent(self, agent: Any, agents: Sequence[Any] | None = None) -> Any:
        """Round robin: the first of ``agents`` after ``agent`` in member order."""
        pool = list(agents) if agents is not None else self.agents
        names = self.agent_names
        idx = names.index(agent.name) if agent is not None and agent.name in names else -1
        n = len(self.agents)
        for step in range(1, n + 1):
            candidate = self.agents[(idx + step) % n]
            if any(candidate is p for p in pool):
                return candidate
        raise ChatConfigError("no next agent: the candidates are not members",
                              field="agents")

    def _participant_roles(self, agents: Sequence[Any]) -> str:
        lines = []
        for agent in agents:
            about = as_conversable(agent).description
            if not about.strip():
                log.warning("agent %r has no description: speaker selection reads "
                            "descriptions", agent.name)
            lines.append(f"{agent.name}: {about}".strip())
        return "\n".join(lines)

    def select_speaker_msg(self, agents: Sequence[Any] | None = None) -> str:
        """The first message of an "auto" selection (roles and names filled in)."""
        pool = list(agents) if agents is not None else self.agents
        return self.select_speaker_message_template.format(
            roles=self._participant_roles(pool), agentlist=f"{[a.name for a in pool]}")

    def select_speaker_prompt(self, agents: Sequence[Any] | None = None) -> str:
        """The last message of an "auto" selection."""
        pool = list(agents) if agents is not None else self.agents
        return self.select_speaker_prompt_template.format(agentlist=f"{[a.name for a in pool]}")

    def introductions_msg(self, agents: Sequence[Any] | None = None) -> str:
        pool = list(agents) if agents is not None else self.agents
        return f"{self.DEFAULT_INTRO_MSG}\n\n{self._participant_roles(pool)}"

    # --- selection ------------------------------------------------------------------------
    async def a_select_speaker(self, last_speaker: Any, selector: Any = None) -> Any:
        """The next speaker, or None to end the chat (the reason is in ``selection_log``)."""
        method: Any = self.speaker_selection_method
        if callable(method):
            choice = method(last_speaker, self)
            if asyncio.iscoroutine(choice):
                choice = await choice
            if choice is None:
                self._log("callable", None, note="the selection function ended the chat")
                return None
            if isinstance(choice, str):
                if choice.lower() not in METHODS:
                    raise ChatConfigError(
                        f"the selection function returned {choice!r}: not a method of "
                        f"{list(METHODS)}", field="speaker_selection_method")
                method = choice
            elif any(choice is a for a in self.agents):
                self._log("callable", choice)
                return choice
            else:
                raise ChatConfigError(f"the selection function returned {choice!r}, which is "
                                      "not a member of the group chat",
                                      field="speaker_selection_method")
        method = str(method).lower()
        repeat = self.allow_repeat_speaker
        repeat_ok = repeat if isinstance(repeat, bool) else \
            any(last_speaker is a for a in repeat)
        if len(self.agents) < 2:
            raise ChatConfigError(f"a GroupChat needs at least 2 agents, it has "
                                  f"{len(self.agents)}", field="agents")
        pool = list(self.agents)
        if self.func_call_filter and self.messages:
            funcs = [c["name"] for c in self.messages[-1].get("tool_calls") or []]
            if funcs:
                able = [a for a in self.agents if as_conversable(a).can_execute_function(funcs)]
                if len(able) == 1:
                    self._log("tool_call", able[0])
                    return able[0]
                if not able:
                    raise ChatConfigError(f"no member can run {', '.join(funcs)}: register "
                                          "the function for execution on one of them",
                                          field="function_map")
                pool = able
        if not repeat_ok:
            pool = [a for a in pool if a is not last_speaker]
        in_group = any(last_speaker is a for a in self.agents)
        if in_group:
            successors = self.allowed_speaker_transitions_dict.get(last_speaker) or []
            eligible = [a for a in pool if any(a is s for s in successors)]
            if not eligible:
                self._log("graph", None, note=f"{last_speaker.name} has no allowed successor")
                return None
            if len(eligible) == 1:
                self._log("graph", eligible[0])
                return eligible[0]
        else:
            eligible = pool
        if method == "round_robin":
            agent = self.next_agent(last_speaker, eligible)
        elif method == "random":
            agent = self.rng.choice(eligible)
        elif method == "manual":
            agent = await self._manual(eligible, selector)
            if agent is None:
                agent = self.next_agent(last_speaker)
                self._log("manual", agent, fallback=True)
                return agent
            return agent
        else:
            return await self._auto(last_speaker, eligible, selector)
        self._log(method, agent)
        return agent

    def select_speaker(self, last_speaker: Any, selector: Any = None) -> Any:
        """The blocking form of ``a_select_speaker``."""
        from agentcast.patterns.chat import run_sync

        return run_sync(self.a_select_speaker(last_speaker, selector))

    async def _manual(self, pool: list[Any], selector: Any) -> Any:
        menu = ", ".join(f"{i}: {a.name}" for i, a in enumerate(pool, 1))
        prompt = f"Who speaks next? ({menu}; enter or q: choose automatically) "
        for _ in range(3):
            text = await asyncio.to_thread(ask_human, prompt, self.input_func, selector)
            if text in ("", "q"):
                return None
            if text.isdigit() and 1 <= int(text) <= len(pool):
                self._log("manual", pool[int(text) - 1])
                return pool[int(text) - 1]
            for agent in pool:
                if agent.name == text:
                    self._log("manual", agent)
                    return agent
            prompt = f"{text!r} is not one of them. Who speaks next? ({menu}) "
        return None

    def _model(self, selector: Any) -> Any:
        if self.select_speaker_model is not None:
            from agentcast.models.registry import get_model

            return get_model(self.select_speaker_model)
        return as_conversable(selector).summary_model() if selector is not None else None

    async def _auto(self, last: Any, pool: list[Any], selector: Any) -> Any:
        model = self._model(selector)
        if model is None:  # AutoGen: no model answers, so round robin decides
            log.warning("speaker_selection_method='auto' without a model on the manager: "
                        "choosing by round robin")
            agent = self.next_agent(last, pool)
            self._log("auto", agent, fallback=True, note="the manager has no model")
            return agent
        names = f"{[a.name for a in pool]}"
        role = self.role_for_select_speaker_messages
        msgs = [Msg("system", self.select_speaker_msg(pool), "system")]
        msgs += [Msg(m.name, content_str(m), "user") for m in self.messages]
        msgs.append(Msg("select_speaker", self.select_speaker_prompt(pool), role))
        kwargs: dict[str, Any] = {}
        if selector is not None and isinstance(model, ChatModelBase):
            kwargs["agent"] = selector.name
        for attempt in range(1 + self.max_retries_for_selecting_speaker):
            response = await journaled_model_call(model, msgs, "group_chat/select", **kwargs)
            mentions = mentioned_agents(response.text, pool)
            if len(mentions) == 1:
                agent = self.agent_by_name(next(iter(mentions)))
                self._log("auto", agent, attempts=attempt + 1)
                return agent
            template = self.select_speaker_auto_multiple_template if mentions \
                else self.select_speaker_auto_none_template
            msgs = [*msgs, Msg("select_speaker", response.text, "assistant"),
                    Msg("select_speaker", template.format(agentlist=names), role)]
        agent = self.next_agent(last, pool)
        self._log("auto", agent, fallback=True, note="no single name after the re-asks")
        return agent

    def _log(self, method: str, agent: Any, **extra: Any) -> None:
        self.selection_log.append(
            {"method": method, "speaker": agent.name if agent is not None else None, **extra})

    def __repr__(self) -> str:
        return f"GroupChat({self.agent_names}, max_round={self.max_round})"


__all__ = ["METHODS", "GroupChat", "SelectionMethod", "mentioned_agents"]
