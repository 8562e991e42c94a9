"""The built-in reply functions of a ConversableAgent, in the order it checks them.

``check_termination_and_human_reply`` (a person's word, or the end: per
``human_input_mode``, the termination test and the auto-reply cap), then
``generate_tool_calls_reply`` (run the tool calls it was sent), then
``generate_code_execution_reply`` (run the code blocks it was sent, in the sandbox), then
``generate_oai_reply`` (ask its model, with the tools registered for it). Each is a reply
function ``f(agent, messages, sender, config) -> (final, reply)``, also reachable under
AutoGen's names as ``ConversableAgent.<name>`` (for ``exclude=``), and the helpers that
turn AutoGen's configuration into agentcast's (``resolve_llm``, ``make_code_executor``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agentcast.exceptions import ChatConfigError, SandboxError
from agentcast.message import Msg
from agentcast.models.formatters.common import (
    make_tool_call_msg,
    make_tool_result_msg,
    tool_calls_of,
)
from agentcast.patterns.code import CodeExecutor
from agentcast.patterns.messages import TOOL_RESPONSES, content_str, to_msg

if TYPE_CHECKING:
    from agentcast.patterns.conversable import ConversableAgent

def _history(agent: ConversableAgent, messages: list[Any] | None, sender: Any) -> list[Msg]:
    """The messages to answer: given (dicts become Msgs), else the history with sender."""
    if messages is None:
        return agent.chat_messages[sender]
    return [to_msg(m, "user", "user") for m in messages]


#: llm_config keys passed on to every model call
GENERATE_KEYS = frozenset({"temperature", "max_tokens", "top_p", "stop", "seed",
                           "response_format", "tool_choice", "presence_penalty",
                           "frequency_penalty"})


def default_is_termination_msg(message: Msg) -> bool:
    """AutoGen's default: the message says exactly "TERMINATE" and nothing else."""
    return content_str(message) == "TERMINATE"


def expand_tool_responses(msg: Msg) -> list[Msg]:
    """A message carrying tool results becomes one result Msg per call (the formatters'
    convention), so every provider can replay them to its model."""
    md = msg._metadata
    responses = md.get(TOOL_RESPONSES) if md else None
    if not responses:
        return [msg]
    return [make_tool_result_msg(str(r["id"]), str(r["name"]), r.get("content"),
                                 is_error=bool(r.get("is_error"))) for r in responses]


def resolve_llm(llm_config: Any, model: Any) -> tuple[Any, dict[str, Any], Any]:
    """(model reference, per-call options, llm_config as stored) from AutoGen's llm_config.

    ``llm_config`` may be False/None (no model), a dict with ``model`` (a config name or
    "provider:model") or ``config_list`` (the first entry; with ``api_key``/``base_url`` it
    becomes an OpenAI-compatible model), a config name, or a model object.
    """
    if model is not None:
        return model, {}, {"model": model}
    if llm_config is None or llm_config is False:
        return None, {}, False
    if not isinstance(llm_config, dict):
        return llm_config, {}, {"model": llm_config}
    options = {k: v for k, v in llm_config.items() if k in GENERATE_KEYS}
    ref = llm_config.get("model")
    entries = llm_config.get("config_list") or []
    entry = entries[0] if entries and isinstance(entries[0], dict) else {}
    if not ref and entry:
        ref = entry.get("model")
        if ref is not None and (entry.get("api_key") or entry.get("base_url")):
            from agentcast.models.registry import build_model

            client_args = {"base_url": entry["base_url"]} if entry.get("base_url") else {}
            ref = build_model({"config_name": f"autogen:{ref}", "model_type": "openai_chat",
                               "model_name": ref, "api_key": entry.get("api_key"),
                               "client_args": client_args})
    if not ref:
        raise ChatConfigError(
            "llm_config needs 'model' (a model config name or 'provider:model') or a "
            "non-empty 'config_list'; pass llm_config=False for an agent without a model",
            field="llm_config")
    return ref, options, dict(llm_config)


def make_code_executor(config: Any) -> CodeExecutor | None:
    """A sandboxed executor from AutoGen's code_execution_config (False: none).

    ``work_dir`` and ``timeout`` are honoured; ``executor`` may be a CodeExecutor. Code always
    runs in agentcast's sandbox (bubblewrap; it refuses to run without it, as AutoGen refuses
    without Docker), whatever ``use_docker`` says: AutoGen's ``use_docker=False`` means "run
    on the host", which agentcast never does silently. The weaker resource-limits mode is
    chosen only by its own name: ``{"sandbox": "rlimits-unsafe"}``.
    """
    if config is None or config is False:
        return None
    if isinstance(config, CodeExecutor):
        return config
    if not isinstance(config, dict):
        raise ChatConfigError("code_execution_config must be a dict or False",
                              field="code_execution_config")
    given = config.get("executor")
    if isinstance(given, CodeExecutor):
        return given
    from agentcast.tools.sandbox import Sandbox

    timeout = config.get("timeout", 60.0)
    mode = config.get("sandbox", "bwrap")
    return CodeExecutor(Sandbox(mode=mode), work_dir=config.get("work_dir"), timeout=timeout)


async def check_termination_and_human_reply(
        agent: ConversableAgent, messages: list[Msg] | None = None, sender: Any = None,
        config: Any = None) -> tuple[bool, Any]:
    """A person's answer, or the end of the chat, per ``human_input_mode``."""
    messages = _history(agent, messages, sender)
    if not messages:
        return False, None
    message = messages[-1]
    who = sender.name if sender is not None else "the sender"
    cap = agent.max_consecutive_auto_reply(sender)
    at_cap = agent.consecutive_auto_reply_counter[sender] >= cap
    terminating = agent.is_termination_msg(message)
    reply = ""
    mode = agent.human_input_mode
    if mode == "ALWAYS":
        reply = await agent.a_get_human_input(
            f"{agent.name}, your answer to {who} (enter: automatic reply, exit: end the "
            "chat): ")
        reply = reply if reply or not terminating else "exit"
    elif mode == "TERMINATE" and (at_cap or terminating):
        reply = await agent.a_get_human_input(
            f"{agent.name}, your answer to {who} (enter or exit: end the chat): "
            if terminating else
            f"{agent.name}, your answer to {who} (enter: automatic reply, exit: end the "
            "chat): ")
        reply = reply if reply or not terminating else "exit"
    elif mode == "NEVER" and (at_cap or terminating):
        reply = "exit"
    if reply == "exit":
        agent.consecutive_auto_reply_counter[sender] = 0
        agent.note_end(f"termination message from {message.name}" if terminating else
                       f"{agent.name} reached max_consecutive_auto_reply={cap}" if at_cap
                       and mode == "NEVER" else f"{agent.name}'s person typed exit")
        return True, None
    if reply or cap == 0:
        agent.consecutive_auto_reply_counter[sender] = 0
        calls = tool_calls_of(message)
        if calls:  # the person answers the tool calls
            return True, {"role": "user", "content": reply, "tool_responses": [
                {"id": c["id"], "name": c["name"], "content": reply} for c in calls]}
        return True, reply
    agent.consecutive_auto_reply_counter[sender] += 1
    return False, None


async def generate_tool_calls_reply(agent: ConversableAgent, messages: list[Msg] | None = None,
                                      sender: Any = None,
                                      config: Any = None) -> tuple[bool, Any]:
    """Run the tool calls of the last message (unknown tools answer with an error)."""
    messages = _history(agent, messages, sender)
    calls = tool_calls_of(messages[-1]) if messages else []
    if not calls:
        return False, None
    return True, await agent.execute_tool_calls(calls)


async def generate_code_execution_reply(agent: ConversableAgent, messages: list[Msg] | None = None,
                                          sender: Any = None,
                                          config: Any = None) -> tuple[bool, Any]:
    """Run the code blocks of the recent messages (``last_n_messages``, default 1)."""
    executor = agent.code_executor
    if executor is None:
        return False, None
    messages = _history(agent, messages, sender)
    cfg = agent.code_execution_config if isinstance(agent.code_execution_config, dict) \
        else {}
    last_n = cfg.get("last_n_messages", 1)
    if last_n != "auto" and (not isinstance(last_n, int) or isinstance(last_n, bool)
                             or last_n < 0):
        raise ChatConfigError(f"last_n_messages must be an int >= 0 or 'auto', got {last_n!r}",
                              field="last_n_messages")
    if last_n == "auto":  # everything since this agent last spoke
        last_n = 0
        for m in reversed(messages):
            if m.role != "user":
                break
            last_n += 1
    for m in list(reversed(messages))[: int(last_n)]:
        try:
            result = await executor.execute_message(m)
        except SandboxError as exc:
            raise SandboxError(
                f"{agent.name} cannot run code isolated: {exc}. Install bubblewrap; only if you "
                "accept resource limits without filesystem and network isolation, pass "
                "code_execution_config={'sandbox': 'rlimits-unsafe'}") from exc
        if result is not None:
            return True, result.text()
    return False, None


async def generate_oai_reply(agent: ConversableAgent, messages: list[Msg] | None = None,
                               sender: Any = None, config: Any = None) -> tuple[bool, Any]:
    """Ask this agent's model (with the tools registered for it); no model: pass."""
    if not agent.has_model():
        return False, None
    messages = _history(agent, messages, sender)
    prompt: list[Msg] = [Msg("system", agent.sys_prompt, "system")] if agent.sys_prompt \
        else []
    prompt += [e for m in messages for e in expand_tool_responses(m)]
    options = dict(agent.llm_options)
    schemas = agent.llm_tools.schemas()
    if schemas:
        options["tools"] = schemas
    response = await agent.call_model(prompt, **options)
    if response.tool_calls:
        return True, make_tool_call_msg(agent.name, response.tool_calls, response.text or "")
    return True, response.text


__all__ = ["GENERATE_KEYS", "check_termination_and_human_reply", "default_is_termination_msg",
           "expand_tool_responses", "generate_code_execution_reply", "generate_oai_reply",
           "generate_tool_calls_reply", "make_code_executor", "resolve_llm"]
