"""ConversableAgent: AutoGen's conversable agent, as an agentcast actor.

An agent that keeps one history per peer and replies by walking an ordered list of reply
functions (patterns/replies.py). Built in, in the order they are checked: a human's word
and the termination rule (``check_termination_and_human_reply``), running the tool calls
it was sent (``generate_tool_calls_reply``), running the code blocks it was sent
(``generate_code_execution_reply``) and asking its model (``generate_oai_reply``);
``register_reply`` puts yours in front (``position=0``) or anywhere in the list. When none
gives a final answer, ``default_auto_reply`` is said.

It is still an Agent: ``agent(x)`` in a pipeline or a MsgHub replies from its memory, as
every agentcast agent does. Every chat method has a blocking form for scripts (``send``,
``initiate_chat``, ...) and an async one (``a_send``, ``a_initiate_chat``, ...); blocking
reply functions run in a worker thread, so they may start chats of their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import warnings
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from agentcast import hooks
from agentcast.agents.base import Agent
from agentcast.exceptions import ChatConfigError
from agentcast.message import Msg
from agentcast.models.base import ChatModel, ToolCall
from agentcast.models.formatters.common import (
    tool_calls_of,
)
from agentcast.observe.monitor import Usage
from agentcast.patterns import auto_reply
from agentcast.patterns._support import ask_human
from agentcast.patterns.auto_reply import (
    default_is_termination_msg,
    expand_tool_responses,
    make_code_executor,
    resolve_llm,
)
from agentcast.patterns.chat import (
    DEFAULT_SUMMARY_METHOD,
    ChatResult,
    SummaryMethod,
    a_run_chat,
    exchange,
    gather_usage_summary,
    run_sync,
    warn_cache,
)
from agentcast.patterns.code import CodeExecutor
from agentcast.patterns.messages import (
    TOOL_RESPONSES,
    MessageLike,
    to_msg,
    with_carryover,
    with_role,
)
from agentcast.patterns.protocol import AgentParticipant, Conversable, as_conversable
from agentcast.patterns.replies import (
    HOOK_POINTS,
    ReplyEntry,
    ReplyFunc,
    call_reply,
    check_hook_point,
    check_trigger,
    in_blocking_chat,
    matches,
)
from agentcast.patterns.termination import TerminationCondition
from agentcast.patterns.usage import agent_usage_snapshot, agent_usage_summary, counting
from agentcast.tools.toolkit import Toolkit

HumanInputMode = Literal["ALWAYS", "TERMINATE", "NEVER"]
HUMAN_INPUT_MODES = ("ALWAYS", "TERMINATE", "NEVER")
MAX_CONSECUTIVE_AUTO_REPLY = 100  # AutoGen's cap when none is given
DEFAULT_SYSTEM_MESSAGE = "You are an AI assistant. Help with the task in the conversation."
ANY_SENDER: list[Any] = [Agent, AgentParticipant, None]


class ConversableAgent(Agent):
    """An agent that converses (see the module docstring). AutoGen's arguments, in order."""

    DEFAULT_CONFIG: Any = False
    MAX_CONSECUTIVE_AUTO_REPLY = MAX_CONSECUTIVE_AUTO_REPLY

    def __init__(
        self,
        name: str,
        system_message: str | None = DEFAULT_SYSTEM_MESSAGE,
        is_termination_msg: Callable[[Msg], bool] | None = None,
        max_consecutive_auto_reply: int | None = None,
        human_input_mode: HumanInputMode = "TERMINATE",
        function_map: Mapping[str, Callable[..., Any]] | None = None,
        code_execution_config: dict[str, Any] | Literal[False] | CodeExecutor = False,
        llm_config: dict[str, Any] | Literal[False] | str | ChatModel | None = None,
        default_auto_reply: MessageLike = "",
        description: str | None = None,
        chat_messages: Mapping[Any, Sequence[MessageLike]] | None = None,
        *,
        model: str | ChatModel | None = None,
        input_func: Callable[[str], Any] | None = None,
        verbose: bool | None = None,
    ) -> None:
        ref, options, stored = resolve_llm(llm_config, model)
        super().__init__(name, system_message, ref, verbose=verbose,
                         description=description if description is not None
                         else (system_message or ""))
        if human_input_mode not in HUMAN_INPUT_MODES:
            raise ChatConfigError(f"human_input_mode must be one of {HUMAN_INPUT_MODES}, got "
                                  f"{human_input_mode!r}", field="human_input_mode")
        cap = self.MAX_CONSECUTIVE_AUTO_REPLY if max_consecutive_auto_reply is None \
            else max_consecutive_auto_reply
        if not isinstance(cap, int) or cap < 0:
            raise ChatConfigError("max_consecutive_auto_reply must be an int >= 0",
                                  field="max_consecutive_auto_reply")
        self.human_input_mode: HumanInputMode = human_input_mode
        self._is_termination_msg = is_termination_msg or default_is_termination_msg
        self._max_auto = cap
        self._max_auto_by_peer: dict[Any, int] = {}
        self.consecutive_auto_reply_counter: defaultdict[Any, int] = defaultdict(int)
        self._histories: defaultdict[Any, list[Msg]] = defaultdict(list)
        self.reply_at_receive: defaultdict[Any, bool] = defaultdict(bool)
        self._human_input: list[str] = []
        self.input_func = input_func
        self._default_auto_reply = default_auto_reply
        self.llm_options = options
        self._llm_config = stored
        self.llm_tools = Toolkit()        # schemas offered to this agent's model
        self._api_styles: dict[str, str] = {}
        self.function_tools = Toolkit()   # functions this agent runs
        for fname, func in (function_map or {}).items():
            self.function_tools.add_tool(func, name=fname)
        self.code_execution_config = code_execution_config
        self.code_executor = make_code_executor(code_execution_config)
        self._replies: list[ReplyEntry] = []
        self._hooks: dict[str, list[Callable[..., Any]]] = {p: [] for p in HOOK_POINTS}
        self._usage_baseline: dict[str, Usage] = {}
        self._finished_chats: list[ChatResult] = []
        self._ended = ""
        for peer, msgs in (chat_messages or {}).items():
            self._histories[peer] = [to_msg(m, self.name, "user") for m in msgs]
        # registered last = checked first
        self.register_reply(ANY_SENDER, auto_reply.generate_oai_reply)
        self.register_reply(ANY_SENDER, auto_reply.generate_code_execution_reply)
        self.register_reply(ANY_SENDER, auto_reply.generate_tool_calls_reply)
        self.register_reply(ANY_SENDER, auto_reply.check_termination_and_human_reply)

    # --- identity and configuration ---------------------------------------------------
    @property
    def system_message(self) -> str:
        return self.sys_prompt or ""

    def update_system_message(self, system_message: str) -> None:
        """Replace the system message used from the next model call on."""
        self.sys_prompt = system_message

    @property
    def llm_config(self) -> dict[str, Any] | Literal[False]:
        """AutoGen's view: False without a model, else the config with the tool schemas."""
        if self._llm_config is False:
            return False
        out = dict(self._llm_config)
        schemas = self.llm_tools.schemas()
        tools = [t for t in schemas if self._api_styles.get(t["function"]["name"]) != "function"]
        functions = [t["function"] for t in schemas
                     if self._api_styles.get(t["function"]["name"]) == "function"]
        if tools:
            out["tools"] = tools
        if functions:
            out["functions"] = functions
        return out

    @property
    def chat_messages(self) -> dict[Any, list[Msg]]:
        return self._histories

    @property
    def human_input(self) -> list[str]:
        return self._human_input

    def is_termination_msg(self, message: Msg) -> bool:
        return bool(self._is_termination_msg(message))

    def summary_model(self) -> ChatModel | None:
        return self.model if self.has_model() else None

    def usage_names(self) -> list[str]:
        return [self.name]

    def nested_groupchat(self) -> Any:
        """None: a plain conversable agent runs no group chat (a manager overrides this)."""
        return None

    def end_chat(self) -> None:
        """Nothing to deliver: every message is in a history as soon as it arrives."""

    def ended_because(self) -> str:
        return self._ended or f"{self.name} ended the chat"

    def note_end(self, reason: str) -> None:
        """Say why this agent's next answer is None (for ``ChatResult.stop_reason``)."""
        self._ended = reason

    # --- reply functions and hooks ----------------------------------------------------
    def register_reply(self, trigger: Any, reply_func: ReplyFunc, position: int = 0,
                       config: Any = None, reset_config: Callable[[Any], Any] | None = None,
                       *, ignore_async_in_sync_chat: bool = False,
                       remove_other_reply_funcs: bool = False) -> None:
        """Check ``reply_func(recipient, messages, sender, config) -> (final, reply)`` at
        ``position`` (0: before all others) when the sender matches ``trigger``."""
        check_trigger(trigger, Agent)
        if not callable(reply_func):
            raise ChatConfigError("reply_func must be callable", field="reply_func")
        if reset_config is not None and not callable(reset_config):
            raise ChatConfigError("reset_config must be callable or None", field="reset_config")
        if remove_other_reply_funcs:
            self._replies.clear()
        self._replies.insert(position, ReplyEntry(
            trigger, reply_func, config, config, reset_config, ignore_async_in_sync_chat))

    @property
    def reply_functions(self) -> list[ReplyFunc]:
        """The registered reply functions, in the order they are checked."""
        return [e.func for e in self._replies]

    def replace_reply_func(self, old_reply_func: ReplyFunc, new_reply_func: ReplyFunc) -> None:
        for entry in self._replies:
            if entry.func is old_reply_func:
                entry.func = new_reply_func
                entry.is_async = inspect.iscoroutinefunction(new_reply_func)

    def register_hook(self, hookable_method: str, hook: Callable[..., Any]) -> None:
        """Add ``hook`` at one of the three hook points (see patterns/replies.py)."""
        check_hook_point(hookable_method)
        hooks = self._hooks[hookable_method]
        if hook in hooks:
            raise ChatConfigError(f"{hook!r} is already registered at {hookable_method}",
                                  field="hook")
        hooks.append(hook)

    def process_last_received_message(self, messages: list[Msg]) -> list[Msg]:
        """The hooks' version of the last message's text (a copy; histories unchanged)."""
        hooks = self._hooks["process_last_received_message"]
        if not hooks or not messages:
            return messages
        last = messages[-1]
        if tool_calls_of(last) or not isinstance(last.content, str):
            return messages
        text = last.content
        for hook in hooks:
            text = hook(text)
        if text == last.content:
            return messages
        changed = last.copy()
        changed.content = text
        return [*messages[:-1], changed]

    def process_all_messages_before_reply(self, messages: list[Msg]) -> list[Msg]:
        out = messages
        for hook in self._hooks["process_all_messages_before_reply"]:
            out = [to_msg(m, self.name, "user") for m in hook(list(out))]
        return out

    # --- generating a reply ---------------------------------------------------------------
    async def a_generate_reply(self, messages: Sequence[MessageLike] | None = None,
                               sender: Any = None, exclude: Sequence[ReplyFunc] = (),
                               **kwargs: Any) -> Any:
        """The first final answer of the reply functions, else ``default_auto_reply``."""
        if messages is None and sender is None:
            raise ChatConfigError("generate_reply needs messages= or sender=",
                                  field="messages")
        self._ended = ""
        history = self._histories[sender] if messages is None else \
            [to_msg(m, sender.name if sender is not None else "user", "user") for m in messages]
        history = self.process_last_received_message(list(history))
        history = self.process_all_messages_before_reply(history)
        skip = set(exclude)
        blocking = in_blocking_chat.get()
        durable = hooks.durable
        with counting(), (durable.scope(f"{self.name}/reply") if durable is not None
                          else contextlib.nullcontext()):
            # counted in a chat or not; in a durable run, this reply's model and tool calls
            # are journaled by position and answered from the record when resumed
            for entry in list(self._replies):
                if entry.func in skip:
                    continue
                if entry.is_async and entry.ignore_async_in_sync_chat and blocking:
                    continue
                if not matches(entry.trigger, sender, Agent):
                    continue
                final, reply = await call_reply(entry, self, history, sender)
                if final:
                    return reply
        return self._default_auto_reply

    def generate_reply(self, messages: Sequence[MessageLike] | None = None, sender: Any = None,
                       exclude: Sequence[ReplyFunc] = (), **kwargs: Any) -> Any:
        """The blocking form of ``a_generate_reply``."""
        return run_sync(self.a_generate_reply(messages, sender, exclude))

    async def execute_tool_calls(self, calls: Sequence[dict[str, Any]]) -> Msg:
        """Run the calls (errors become results the model reads); one response per call."""
        tool_calls = [ToolCall(c["id"], c["name"], c["arguments"]) for c in calls]
        results = await self.function_tools.call_many(tool_calls, agent=self.name)
        responses = [{"id": c.id, "tool_call_id": c.id, "role": "tool", "name": c.name,
                      "content": r.text(), "is_error": not r.ok}
                     for c, r in zip(tool_calls, results, strict=True)]
        text = "\n\n".join(str(r["content"]) for r in responses)
        return Msg(self.name, text, "user", metadata={TOOL_RESPONSES: responses})

    # --- human input ------------------------------------------------------------------------
    def get_human_input(self, prompt: str) -> str:
        """Ask the person behind this agent (``input_func``, the input provider or the
        terminal); the answer is kept for ``ChatResult.human_input``."""
        func = self.input_func
        if func is not None and inspect.iscoroutinefunction(func):
            reply = run_sync(func(prompt))
        else:
            reply = ask_human(prompt, func, self)
        reply = str(reply).strip()
        self._human_input.append(reply)
        return reply

    async def a_get_human_input(self, prompt: str) -> str:
        """The async form: an async ``input_func`` is awaited, anything else is asked in a
        worker thread (the chat's loop keeps running)."""
        func = self.input_func
        if func is not None and inspect.iscoroutinefunction(func):
            reply = str(await func(prompt)).strip()
            self._human_input.append(reply)
            return reply
        return await asyncio.to_thread(self._ask_in_thread, prompt)

    def _ask_in_thread(self, prompt: str) -> str:
        try:
            return self.get_human_input(prompt)
        except StopIteration:  # a used-up scripted input; cannot cross into a Future
            return "exit"

    # --- auto-reply counters --------------------------------------------------------------
    def max_consecutive_auto_reply(self, sender: Any = None) -> int:
        return self._max_auto if sender is None else self._max_auto_by_peer.get(
            sender, self._max_auto)

    def update_max_consecutive_auto_reply(self, value: int, sender: Any = None) -> None:
        if sender is None:
            self._max_auto = value
            self._max_auto_by_peer = {k: value for k in self._max_auto_by_peer}
        else:
            self._max_auto_by_peer[sender] = value

    def reset_consecutive_auto_reply_counter(self, sender: Any = None) -> None:
        if sender is None:
            self.consecutive_auto_reply_counter.clear()
        else:
            self.consecutive_auto_reply_counter[sender] = 0

    # --- histories --------------------------------------------------------------------------
    def last_message(self, agent: Any = None) -> Msg | None:
        """The last message with ``agent`` (no agent: of the one conversation there is)."""
        if agent is None:
            talks = [h for h in self._histories.values()]
            if not talks:
                return None
            if len(talks) == 1:
                return talks[0][-1] if talks[0] else None
            raise ChatConfigError("this agent has several conversations: name the agent",
                                  field="agent")
        if agent not in self._histories:
            raise KeyError(f"{agent!r} is in no conversation with {self.name!r}")
        history = self._histories[agent]
        return history[-1] if history else None

    def chat_messages_for_summary(self, agent: Any) -> list[Msg]:
        """The conversation with ``agent``, as a reflection summary reads it."""
        return list(self._histories.get(agent, []))

    def clear_history(self, recipient: Any = None,
                      nr_messages_to_preserve: int | None = None) -> None:
        """Forget the history with ``recipient`` (None: with everyone), keeping the last
        ``nr_messages_to_preserve`` messages of each if given."""
        peers = list(self._histories) if recipient is None else [recipient]
        for peer in peers:
            if nr_messages_to_preserve:
                self._histories[peer] = self._histories[peer][-nr_messages_to_preserve:]
            else:
                self._histories[peer] = []

    def stop_reply_at_receive(self, sender: Any = None) -> None:
        """Do not answer messages that arrive without ``request_reply`` (None: from anyone)."""
        if sender is None:
            self.reply_at_receive.clear()
        else:
            self.reply_at_receive[sender] = False

    def reset(self) -> None:
        """Histories, counters, reply configs and usage accessors back to the start."""
        self.clear_history()
        self.reset_consecutive_auto_reply_counter()
        self.stop_reply_at_receive()
        for entry in self._replies:
            entry.reset()
        self._usage_baseline = agent_usage_snapshot(self.name)

    # --- the Conversable protocol -------------------------------------------------------------
    def prepare_chat(self, peer: Conversable, clear_history: bool,
                     reply_at_receive: bool = True) -> None:
        self.reset_consecutive_auto_reply_counter(peer)
        self.reply_at_receive[peer] = reply_at_receive
        if clear_history:
            self.clear_history(peer)
        self._human_input = []

    def record_sent(self, message: MessageLike, recipient: Conversable,
                    silent: bool = False) -> Msg:
        for hook in self._hooks["process_message_before_send"]:
            message = hook(sender=self, message=message, recipient=recipient, silent=silent)
        msg = to_msg(message, self.name)
        if not msg.name:
            msg.name = self.name
        self._histories[recipient].append(with_role(msg, "assistant"))
        if not silent:
            self.speak(msg)
        return msg

    def record_received(self, message: Msg, sender: Conversable, silent: bool = False) -> None:
        role = "assistant" if tool_calls_of(message) else "user"
        self._histories[sender].append(with_role(message, role))

    def wants_reply(self, sender: Conversable, request_reply: bool | None) -> bool:
        if request_reply is not None:
            return request_reply
        return self.reply_at_receive[sender]

    def can_execute_function(self, name: str | list[str]) -> bool:
        names = [name] if isinstance(name, str) else name
        return all(n in self.function_tools for n in names)

    async def a_generate_init_message(self, message: MessageLike | None,
                                      context: dict[str, Any]) -> MessageLike | None:
        """The opening message: ``message`` with the carryover as context; None asks this
        agent's person for it."""
        if message is None:
            message = await self.a_get_human_input(">")
        return with_carryover(message, context)

    def generate_init_message(self, message: MessageLike | None = None,
                              **kwargs: Any) -> MessageLike | None:
        """The blocking form of ``a_generate_init_message`` (AutoGen's signature)."""
        result: MessageLike | None = run_sync(self.a_generate_init_message(message, kwargs))
        return result

    # --- sending ------------------------------------------------------------------------------
    async def a_send(self, message: MessageLike, recipient: Any,
                     request_reply: bool | None = None, silent: bool = False) -> None:
        """Send ``message``; the recipient answers if asked (or set up to), and so on."""
        await exchange(self, message, as_conversable(recipient), request_reply, silent)

    def send(self, message: MessageLike, recipient: Any, request_reply: bool | None = None,
             silent: bool = False) -> None:
        run_sync(self.a_send(message, recipient, request_reply, silent))

    async def a_receive(self, message: MessageLike, sender: Any,
                        request_reply: bool | None = None, silent: bool = False) -> None:
        """Take ``message`` from ``sender``; answer it if asked (or set up to)."""
        peer = as_conversable(sender)
        msg = to_msg(message, peer.name, "user")
        self.record_received(msg, peer, silent)
        if not self.wants_reply(peer, request_reply):
            return
        reply = await self.a_generate_reply(sender=peer)
        if reply is not None:
            await exchange(self, reply, peer, None, silent)

    def receive(self, message: MessageLike, sender: Any, request_reply: bool | None = None,
                silent: bool = False) -> None:
        run_sync(self.a_receive(message, sender, request_reply, silent))

    # --- chats ----------------------------------------------------------------------------------
    async def a_initiate_chat(self, recipient: Any, clear_history: bool = True,
                              silent: bool = False, cache: Any = None,
                              max_turns: int | None = None,
                              summary_method: SummaryMethod = DEFAULT_SUMMARY_METHOD,
                              summary_args: dict[str, Any] | None = None,
                              message: Any = None, *,
                              termination: TerminationCondition | None = None,
                              **context: Any) -> ChatResult:
        """Chat with ``recipient``. ``message``: text, a dict, a Msg, a callable
        ``(sender, recipient, context)``, or None (ask this agent's person). Other keyword
        arguments (``carryover``, ``chat_id``, ...) are the context."""
        warn_cache(cache)
        return await a_run_chat(self, recipient, message, clear_history=clear_history,
                                silent=silent, max_turns=max_turns,
                                summary_method=summary_method, summary_args=summary_args,
                                termination=termination, context=context)

    def initiate_chat(self, recipient: Any, clear_history: bool = True, silent: bool = False,
                      cache: Any = None, max_turns: int | None = None,
                      summary_method: SummaryMethod = DEFAULT_SUMMARY_METHOD,
                      summary_args: dict[str, Any] | None = None, message: Any = None,
                      **kwargs: Any) -> ChatResult:
        """The blocking form of ``a_initiate_chat``."""
        result: ChatResult = run_sync(self.a_initiate_chat(
            recipient, clear_history, silent, cache, max_turns, summary_method, summary_args,
            message, **kwargs))
        return result

    def initiate_chats(self, chat_queue: list[dict[str, Any]]) -> list[ChatResult]:
        """Run the chats in order, this agent sending (see ``patterns.chats``)."""
        from agentcast.patterns.chats import initiate_chats

        self._finished_chats = initiate_chats([{"sender": self, **c} for c in chat_queue])
        return self._finished_chats

    async def a_initiate_chats(self, chat_queue: list[dict[str, Any]]) -> dict[Any, ChatResult]:
        from agentcast.patterns.chats import a_initiate_chats

        results = await a_initiate_chats([{"sender": self, **c} for c in chat_queue])
        self._finished_chats = list(results.values())
        return results

    def register_nested_chats(self, chat_queue: list[dict[str, Any]], trigger: Any,
                              reply_func_from_nested_chats: Any = "summary_from_nested_chats",
                              position: int = 2, **kwargs: Any) -> None:
        """Answer senders matching ``trigger`` by running ``chat_queue`` (a sequence of
        chats, see ``patterns.chats.nested_chats_reply``) and saying its last summary."""
        from agentcast.patterns.chats import nested_chats_reply

        if reply_func_from_nested_chats != "summary_from_nested_chats":
            raise ChatConfigError("only 'summary_from_nested_chats' is supported; register "
                                  "your own reply function with register_reply",
                                  field="reply_func_from_nested_chats")
        self.register_reply(trigger, nested_chats_reply(chat_queue), position,
                            kwargs.get("config"), kwargs.get("reset_config"))

    def get_chat_results(self, chat_index: int | None = None) -> Any:
        """The results of this agent's last ``initiate_chats`` (one, or all)."""
        return self._finished_chats if chat_index is None else self._finished_chats[chat_index]

    # --- tools --------------------------------------------------------------------------------
    @property
    def function_map(self) -> dict[str, Callable[..., Any]]:
        """The functions this agent runs, by name."""
        return {t.name: t.func for t in self.function_tools.tools(include_inactive=True)}

    def register_function(self, function_map: Mapping[str, Callable[..., Any] | None]) -> None:
        """Add (or, with None, remove) functions this agent runs; replacing one warns."""
        for fname, func in function_map.items():
            if func is None:
                if fname in self.function_tools:
                    self.function_tools.remove(fname)
                continue
            if fname in self.function_tools:
                warnings.warn(f"Function {fname!r} is being overridden.", UserWarning,
                              stacklevel=2)
            self.function_tools.add_tool(func, name=fname)

    def register_for_llm(self, func: Callable[..., Any] | None = None, *,
                         name: str | None = None, description: str | None = None,
                         api_style: Literal["tool", "function"] = "tool") -> Any:
        """Offer a function's schema to this agent's model; usable as ``@agent.
        register_for_llm(description=...)``. Parameter descriptions come from the docstring
        or ``Annotated[T, "description"]``. Stacked registration decorators share the name
        and description given to any of them."""
        if not self.has_model():
            raise ChatConfigError(
                f"{self.name!r} has no model (llm_config): give it one before registering "
                "functions for its model", field="llm_config")
        if api_style not in ("tool", "function"):
            raise ChatConfigError("api_style must be 'tool' or 'function'", field="api_style")

        def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
            tool_name, about = _tool_identity(f, name, description)
            about = about or inspect.getdoc(f)
            if not about:
                raise ChatConfigError(
                    f"function {tool_name!r} needs a description (description=... or a "
                    "docstring)", field="description")
            _remember_tool(f, tool_name, about)
            if tool_name in self.llm_tools:
                warnings.warn(f"Function {tool_name!r} is being overridden.", UserWarning,
                              stacklevel=3)
            self.llm_tools.add_tool(f, name=tool_name, description=about)
            self._api_styles[tool_name] = api_style
            return f

        return decorate(func) if func is not None else decorate

    def register_for_execution(self, func: Callable[..., Any] | None = None, *,
                               name: str | None = None,
                               description: str | None = None) -> Any:
        """Run calls of the function that reach this agent; usable as a decorator."""

        def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
            tool_name, about = _tool_identity(f, name, description)
            _remember_tool(f, tool_name, about)
            self.function_tools.add_tool(f, name=tool_name, description=about)
            return f

        return decorate(func) if func is not None else decorate

    # --- usage (from the monitor) ------------------------------------------------------------
    def get_actual_usage(self) -> dict[str, Any] | None:
        """Usage by model (without cached calls: the same here, agentcast has no cache)."""
        return self.get_total_usage()

    def get_total_usage(self) -> dict[str, Any] | None:
        """Usage by model since creation or ``reset()``; None when no call was made."""
        return agent_usage_summary(self.name, self._usage_baseline)

    def print_usage_summary(self, mode: str | Sequence[str] = ("actual", "total")) -> None:
        """Print this agent's usage (AutoGen's modes; both are the same numbers here)."""
        modes = [mode] if isinstance(mode, str) else list(mode)
        usage = self.get_total_usage()
        print(f"Agent '{self.name}':")
        if usage is None:
            print("No model calls.")
            return
        for m in modes:
            label = "without cached calls" if m == "actual" else "in total"
            print(f"Usage {label}: ${usage['total_cost']:.6f}")
            for model, u in usage.items():
                if model != "total_cost":
                    print(f"* {model}: {u['total_tokens']} tokens ({u['prompt_tokens']} prompt, "
                          f"{u['completion_tokens']} completion), ${u['cost']:.6f}")

    # --- as an actor ----------------------------------------------------------------------------
    async def reply(self, x: Msg | list[Msg] | None = None) -> Msg | None:
        """In a pipeline or hub: answer from memory, through the same reply functions."""
        if self.memory is not None:
            self.memory.add(x)
            messages = [with_role(m, "assistant" if m.name == self.name else "user")
                        for m in self.memory.get()]
        else:
            messages = [] if x is None else (list(x) if isinstance(x, list) else [x])
        if not messages:
            messages = [Msg("user", "", "user")]
        answer = await self.a_generate_reply(messages=messages, sender=None)
        if answer is None:
            return None
        msg = to_msg(answer, self.name)
        if self.memory is not None:
            self.memory.add(msg)
        self.speak(msg)
        return msg

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


TOOL_ATTR = "__agentcast_tool__"


def _tool_identity(f: Callable[..., Any], name: str | None,
                   description: str | None) -> tuple[str, str | None]:
    """The tool name and description: given here, else given to an earlier stacked
    registration decorator, else the function's own name."""
    known: dict[str, Any] = getattr(f, TOOL_ATTR, None) or {}
    tool_name = name or known.get("name") or getattr(f, "__name__", "tool")
    return str(tool_name), description or known.get("description")


def _remember_tool(f: Callable[..., Any], name: str, description: str | None) -> None:
    try:
        setattr(f, TOOL_ATTR, {"name": name, "description": description})
    except (AttributeError, TypeError):  # a builtin or a slotted callable: nothing to share
        pass


def register_function(func: Callable[..., Any], *, caller: ConversableAgent,
                      executor: ConversableAgent, name: str | None = None,
                      description: str | None = None) -> Callable[..., Any]:
    """Let ``caller``'s model call ``func`` and ``executor`` run it (split tool use)."""
    caller.register_for_llm(func, name=name, description=description)
    executor.register_for_execution(func, name=name, description=description)
    return func


# AutoGen's names for the built-in reply functions (usable in ``exclude=`` and
# ``replace_reply_func``); in agentcast they are coroutine functions.
ConversableAgent.check_termination_and_human_reply = staticmethod(  # type: ignore[attr-defined]
    auto_reply.check_termination_and_human_reply)
ConversableAgent.generate_tool_calls_reply = staticmethod(  # type: ignore[attr-defined]
    auto_reply.generate_tool_calls_reply)
ConversableAgent.generate_code_execution_reply = staticmethod(  # type: ignore[attr-defined]
    auto_reply.generate_code_execution_reply)
ConversableAgent.generate_oai_reply = staticmethod(  # type: ignore[attr-defined]
    auto_reply.generate_oai_reply)

__all__ = ["ANY_SENDER", "DEFAULT_SYSTEM_MESSAGE", "HUMAN_INPUT_MODES",
           "MAX_CONSECUTIVE_AUTO_REPLY", "ChatResult", "ConversableAgent", "HumanInputMode",
           "default_is_termination_msg", "expand_tool_responses", "gather_usage_summary",
           "register_function", "resolve_llm"]
