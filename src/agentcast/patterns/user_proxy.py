"""UserProxyAgent: a person's stand-in that runs code and tools when it answers on its own.

AutoGen's defaults: ``human_input_mode="ALWAYS"`` (the person is asked every turn; enter
lets the agent answer automatically, "exit" ends the chat), no model, code execution on.
Code runs in agentcast's sandbox (tools/sandbox: separate, confined, bounded processes),
which requires bubblewrap and refuses without it, whatever ``use_docker`` says (agentcast
never runs model code on the host silently); ``{"sandbox": "rlimits-unsafe"}`` names the
weaker mode; ``code_execution_config=False`` turns code execution off. A person is asked
through ``input_func`` (blocking or async) or the process-wide input provider, so a test
script or the studio can answer too; asking runs in a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from agentcast.message import Msg
from agentcast.models.base import ChatModel
from agentcast.patterns.code import CodeExecutor
from agentcast.patterns.conversable import ConversableAgent, HumanInputMode
from agentcast.patterns.messages import MessageLike

DESCRIPTIONS = {
    "ALWAYS": "A person taking part in the chat: answers questions about the task, and runs "
              "the Python or shell code it is given and reports the output.",
    "TERMINATE": "Runs the Python or shell code it is given and reports the output; a person "
                 "steps in when the task looks finished.",
    "NEVER": "A code runner: executes the Python (```python) or shell (```sh) blocks it is "
             "sent and replies with their output, nothing else.",
}


class UserProxyAgent(ConversableAgent):
    """A ConversableAgent standing in for a person (AutoGen's UserProxyAgent defaults)."""

    def __init__(
        self,
        name: str = "user_proxy",
        is_termination_msg: Callable[[Msg], bool] | None = None,
        max_consecutive_auto_reply: int | None = None,
        human_input_mode: HumanInputMode = "ALWAYS",
        function_map: Mapping[str, Callable[..., Any]] | None = None,
        code_execution_config: dict[str, Any] | Literal[False] | CodeExecutor | None = None,
        default_auto_reply: MessageLike = "",
        llm_config: dict[str, Any] | Literal[False] | str | ChatModel | None = False,
        system_message: str | None = "",
        description: str | None = None,
        *,
        chat_messages: Mapping[Any, Sequence[MessageLike]] | None = None,
        model: str | ChatModel | None = None,
        input_func: Callable[[str], Any] | None = None,
        verbose: bool | None = None,
    ) -> None:
        if description is None:
            description = DESCRIPTIONS.get(human_input_mode, "")
        super().__init__(name, system_message, is_termination_msg, max_consecutive_auto_reply,
                         human_input_mode, function_map,
                         {} if code_execution_config is None else code_execution_config,
                         llm_config, default_auto_reply, description, chat_messages,
                         model=model, input_func=input_func, verbose=verbose)


__all__ = ["UserProxyAgent"]
