"""AssistantAgent: a ConversableAgent set up to answer with its model and never ask a person.

AutoGen's defaults: ``human_input_mode="NEVER"``, no code execution, a system message that
asks for code in fenced blocks and for "TERMINATE" when the task is done. Functions
registered with ``register_for_llm`` are offered to its model; it never runs them itself
(split tool use: the executor, usually a UserProxyAgent, does).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from agentcast.message import Msg
from agentcast.models.base import ChatModel
from agentcast.patterns.code import CodeExecutor
from agentcast.patterns.conversable import ConversableAgent, HumanInputMode
from agentcast.patterns.messages import MessageLike

DEFAULT_ASSISTANT_PROMPT = (
    "You are an AI assistant who solves tasks step by step. When code helps, write a whole "
    "program in one ```python (or ```sh) block for the user to run, then read the output "
    "that comes back and fix the code if it failed. Use the functions you are given when "
    "they help. When the task is done, give the answer and reply with TERMINATE."
)
DEFAULT_ASSISTANT_DESCRIPTION = (
    "An all-round AI assistant: writes and explains Python and shell code, reasons step "
    "by step and answers questions."
)


class AssistantAgent(ConversableAgent):
    """A ConversableAgent answering with its model (AutoGen's AssistantAgent defaults)."""

    DEFAULT_SYSTEM_MESSAGE = DEFAULT_ASSISTANT_PROMPT
    DEFAULT_DESCRIPTION = DEFAULT_ASSISTANT_DESCRIPTION

    def __init__(
        self,
        name: str = "assistant",
        system_message: str | None = DEFAULT_ASSISTANT_PROMPT,
        llm_config: dict[str, Any] | Literal[False] | str | ChatModel | None = None,
        is_termination_msg: Callable[[Msg], bool] | None = None,
        max_consecutive_auto_reply: int | None = None,
        human_input_mode: HumanInputMode = "NEVER",
        description: str | None = None,
        *,
        function_map: Mapping[str, Callable[..., Any]] | None = None,
        code_execution_config: dict[str, Any] | Literal[False] | CodeExecutor = False,
        default_auto_reply: MessageLike = "",
        chat_messages: Mapping[Any, Sequence[MessageLike]] | None = None,
        model: str | ChatModel | None = None,
        input_func: Callable[[str], Any] | None = None,
        verbose: bool | None = None,
    ) -> None:
        if description is None and system_message == DEFAULT_ASSISTANT_PROMPT:
            description = DEFAULT_ASSISTANT_DESCRIPTION
        super().__init__(name, system_message, is_termination_msg, max_consecutive_auto_reply,
                         human_input_mode, function_map, code_execution_config, llm_config,
                         default_auto_reply, description, chat_messages, model=model,
                         input_func=input_func, verbose=verbose)


__all__ = ["DEFAULT_ASSISTANT_DESCRIPTION", "DEFAULT_ASSISTANT_PROMPT", "AssistantAgent"]
