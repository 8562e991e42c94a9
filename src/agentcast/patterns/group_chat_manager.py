"""GroupChatManager: the ConversableAgent that runs a GroupChat when a message reaches it.

``user.initiate_chat(manager, message=task)`` starts the group chat: the manager's reply
function ``run_chat`` relays every message to every member but its speaker, picks the next
speaker, has it answer, and stops at a termination message (the manager's
``is_termination_msg``: by default, the content "TERMINATE"), at ``max_round`` messages, when
no speaker is eligible, or when a speaker answers None. ``resume_chat`` picks a saved chat
up where it stopped (``messages_to_string`` / ``messages_from_string`` save and load it).

agentcast adds ``run_group_chat(message)`` (no outside sender needed) and, as an actor
(``manager(x)``), a reply with the chat's summary.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

from agentcast.exceptions import ChatConfigError
from agentcast.message import Msg
from agentcast.patterns._support import Interrupted, current_chat
from agentcast.patterns.chat import (
    DEFAULT_SUMMARY_METHOD,
    ChatResult,
    SummaryMethod,
    a_run_chat,
    run_sync,
)
from agentcast.patterns.conversable import ANY_SENDER, ConversableAgent
from agentcast.patterns.group_chat import GroupChat
from agentcast.patterns.messages import (
    MessageLike,
    content_str,
    messages_from_string,
    messages_to_string,
    msg_from_saved,
)
from agentcast.patterns.protocol import Conversable, as_conversable


class GroupChatManager(ConversableAgent):
    """Runs ``groupchat`` when spoken to (see the module docstring)."""

    def __init__(self, groupchat: GroupChat, name: str = "chat_manager",
                 max_consecutive_auto_reply: int | None = sys.maxsize,
                 human_input_mode: Any = "NEVER",
                 system_message: str | None = "Runs a group chat.", **kwargs: Any) -> None:
        llm_config = kwargs.get("llm_config")
        if isinstance(llm_config, dict) and (llm_config.get("tools") or
                                             llm_config.get("functions")):
            raise ChatConfigError("a GroupChatManager makes no tool calls: remove 'tools' / "
                                  "'functions' from its llm_config", field="llm_config")
        super().__init__(name, system_message, max_consecutive_auto_reply=max_consecutive_auto_reply,
                         human_input_mode=human_input_mode, **kwargs)
        self._groupchat = groupchat
        self.register_reply(ANY_SENDER[:-1], GroupChatManager.a_run_chat, config=groupchat,
                            reset_config=GroupChat.reset)
        self.last_result: ChatResult | None = None

    @property
    def groupchat(self) -> GroupChat:
        return self._groupchat

    def nested_groupchat(self) -> GroupChat:
        return self._groupchat

    def chat_messages_for_summary(self, agent: Any) -> list[Msg]:
        """The group's messages, whoever asks (AutoGen's rule for a manager)."""
        return list(self._groupchat.messages)

    def usage_names(self) -> list[str]:
        return [self.name, *(a.name for a in self._groupchat.nested_agents())]

    def prepare_chat(self, peer: Conversable, clear_history: bool,
                     reply_at_receive: bool = True) -> None:
        super().prepare_chat(peer, clear_history, reply_at_receive)
        if clear_history:
            self._groupchat.reset()
        for agent in self._groupchat.agents:
            member = as_conversable(agent)
            if member is not peer:
                member.prepare_chat(self, clear_history, reply_at_receive)

    def end_chat(self) -> None:
        for agent in self._groupchat.agents:
            as_conversable(agent).end_chat()

    async def a_run_chat(self, messages: list[Msg] | None = None, sender: Any = None,
                         config: GroupChat | None = None) -> tuple[bool, Any]:
        """The reply function that runs the group chat; it never answers the sender. Any
        ConversableAgent may register it (``config=groupchat``) to run a group chat."""
        groupchat = config if config is not None else self._groupchat
        history = self.chat_messages[sender] if messages is None else messages
        message = history[-1]
        speaker = _agent_of(groupchat, sender)
        run = current_chat.get()
        if groupchat.termination is not None:
            groupchat.termination.reset()
        if groupchat.send_introductions:
            intro = groupchat.introductions_msg()
            for agent in groupchat.agents:
                member = as_conversable(agent)
                member.record_received(self.record_sent(intro, member, silent=True), self, True)
        for i in range(groupchat.max_round):
            groupchat.append(message, speaker)
            _broadcast(self, groupchat, message, speaker)
            if self.is_termination_msg(message):
                _stop(run, f"termination message from {message.name}")
                break
            if i == groupchat.max_round - 1:
                _stop(run, f"reached max_round={groupchat.max_round}")
                break
            if run is not None and groupchat.termination is not None:
                reason = groupchat.termination.check(run.state)
                if reason is not None:
                    run.stop(reason)
                    break
            if run is not None and run.stopped:
                break
            chosen = await groupchat.a_select_speaker(speaker, self)
            if chosen is None:
                _stop(run, groupchat.selection_log[-1].get("note", "no next speaker")
                           if groupchat.selection_log else "no next speaker")
                break
            speaker = chosen
            member = as_conversable(speaker)
            pending = member.a_generate_reply(sender=self)
            reply = await (run.wait(pending) if run is not None else pending)
            if isinstance(reply, Interrupted):
                break
            if reply is None:
                _stop(run, f"{speaker.name} ended the chat")
                break
            sent = member.record_sent(reply, self)
            self.record_received(sent, member)
            message = self.last_message(member) or sent
            if run is not None and not run.add(sent):
                break
        return True, None

    run_chat = a_run_chat  # AutoGen's name for the reply function (a coroutine here)

    # --- agentcast conveniences ------------------------------------------------------------
    async def a_run_group_chat(self, message: MessageLike, sender: Any = None, *,
                               termination: Any = None, max_turns: int | None = None
                               ) -> ChatResult:
        """Run the group chat on ``message`` (from ``sender``, else from an outside user);
        the summary is the chat's last message."""
        if sender is None:
            sender = ConversableAgent("user", None, human_input_mode="NEVER",
                                      llm_config=False, verbose=False)
        result = await a_run_chat(sender, self, message, termination=termination,
                                  max_turns=max_turns, summary_method=None)
        result.summary = content_str(result.history[-1]).replace("TERMINATE", "") \
            if result.history else ""
        self.last_result = result
        return result

    def run_group_chat(self, message: MessageLike, sender: Any = None, **kwargs: Any
                       ) -> ChatResult:
        """The blocking form of ``a_run_group_chat``."""
        result: ChatResult = run_sync(self.a_run_group_chat(message, sender, **kwargs))
        return result

    async def reply(self, x: Msg | list[Msg] | None = None) -> Msg:
        """As an actor: run the group chat on ``x`` and say its summary."""
        incoming = x[-1] if isinstance(x, list) and x else x
        text = content_str(incoming) if isinstance(incoming, Msg) else ""
        result = await self.a_run_group_chat(text)
        return Msg(self.name, result.summary, "assistant",
                   metadata={"stop_reason": result.stop_reason})

    # --- saving and resuming ----------------------------------------------------------------
    def messages_to_string(self) -> str:
        """The group chat's messages as JSON, for ``resume_chat`` later."""
        return messages_to_string(self._groupchat.messages)

    @staticmethod
    def messages_from_string(message_string: str) -> list[Msg]:
        return messages_from_string(message_string)

    async def a_resume_chat(self, messages: Sequence[Any] | str,
                            remove_termination_string: str | Callable[[str], str] | None = None,
                            silent: bool = False, max_turns: int | None = None,
                            summary_method: SummaryMethod = DEFAULT_SUMMARY_METHOD,
                            summary_args: dict[str, Any] | None = None) -> ChatResult:
        """Load ``messages`` into the members and the group chat, then continue from the
        last one, said again by its speaker."""
        msgs = messages_from_string(messages) if isinstance(messages, str) else \
            [msg_from_saved(m) for m in messages]
        if not msgs:
            raise ChatConfigError("no messages to resume from: start the chat with "
                                  "initiate_chat", field="messages")
        gc = self._groupchat
        for m in msgs:
            if m.name and gc.agent_by_name(m.name) is None and \
                    m.name not in (gc.admin_name, self.name):
                raise ChatConfigError(f"message from {m.name!r}, who is not in this group chat",
                                      field="messages")
        gc.reset()
        for m in msgs[:-1]:
            speaker = gc.agent_by_name(m.name) or self
            gc.append(m, speaker)
            for agent in gc.agents:
                if agent.name != m.name:
                    member = as_conversable(agent)
                    member.record_received(self.record_sent(m, member, silent=True), self, True)
        last = msgs[-1].copy()
        if remove_termination_string:
            text = content_str(last)
            last.content = remove_termination_string(text) if callable(
                remove_termination_string) else text.replace(remove_termination_string, "")
        starter = gc.agent_by_name(last.name) or self
        gc.send_introductions = False
        return await a_run_chat(starter, self, last, clear_history=False, silent=silent,
                                max_turns=max_turns, summary_method=summary_method,
                                summary_args=summary_args)

    def resume_chat(self, messages: Sequence[Any] | str,
                    remove_termination_string: str | Callable[[str], str] | None = None,
                    silent: bool = False, max_turns: int | None = None,
                    summary_method: SummaryMethod = DEFAULT_SUMMARY_METHOD,
                    summary_args: dict[str, Any] | None = None) -> ChatResult:
        result: ChatResult = run_sync(self.a_resume_chat(
            messages, remove_termination_string, silent, max_turns, summary_method,
            summary_args))
        return result

    def __repr__(self) -> str:
        return f"GroupChatManager({self.name!r}, {self._groupchat.agent_names})"


def _stop(run: Any, reason: str) -> None:
    if run is not None:
        run.stop(reason)


def _agent_of(groupchat: GroupChat, sender: Any) -> Any:
    """The member behind ``sender`` (a member or its adapter), else ``sender`` itself."""
    for agent in groupchat.agents:
        if sender is not None and as_conversable(agent) == sender:
            return agent
    return sender


def _broadcast(manager: ConversableAgent, groupchat: GroupChat, msg: Msg, speaker: Any) -> None:
    """The manager relays ``msg`` to every member but its speaker (no reply asked)."""
    for agent in groupchat.agents:
        if agent is not speaker:
            member = as_conversable(agent)
            sent = manager.record_sent(msg, member, silent=True)
            member.record_received(sent, manager, silent=True)


__all__ = ["GroupChatManager"]
