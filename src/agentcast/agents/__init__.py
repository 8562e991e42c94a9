"""Built-in agents: each answers the message it is called with.

What lives here and what lives in ``agentcast.patterns``: an agent that only answers what
it is called with (from a pipeline, a MsgHub, a script) lives here. An agent that takes part
in conversations by their rules (one history per peer, reply functions, starting chats: a
``ConversableAgent`` and its subclasses AssistantAgent, UserProxyAgent, GroupChatManager)
lives in ``agentcast.patterns``, next to the chat machinery; this package imports nothing
from there, and any agent here can still join a chat through ``patterns.as_conversable``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentcast._lazy import lazy_exports

if TYPE_CHECKING:
    from agentcast.agents.audio_dialog import AudioDialogAgent as AudioDialogAgent
    from agentcast.agents.base import Agent as Agent
    from agentcast.agents.base import agent_style as agent_style
    from agentcast.agents.base import console as console
    from agentcast.agents.base import use_console as use_console
    from agentcast.agents.dialog import DialogAgent as DialogAgent
    from agentcast.agents.dict_dialog import DictDialogAgent as DictDialogAgent
    from agentcast.agents.dict_dialog import select_keys as select_keys
    from agentcast.agents.distributed import DistributedAgent as DistributedAgent
    from agentcast.agents.distributed import to_dist as to_dist
    from agentcast.agents.programmer import ProgrammerAgent as ProgrammerAgent
    from agentcast.agents.programmer import extract_code as extract_code
    from agentcast.agents.progress import ProgressBoard as ProgressBoard
    from agentcast.agents.progress import progress_wanted as progress_wanted
    from agentcast.agents.react import ReActAgent as ReActAgent
    from agentcast.agents.text_to_image import TextToImageAgent as TextToImageAgent
    from agentcast.agents.text_to_image import store_media as store_media
    from agentcast.agents.user import UserAgent as UserAgent
    from agentcast.agents.user import input_provider as input_provider
    from agentcast.agents.user import is_async_callable as is_async_callable
    from agentcast.agents.user import set_input_provider as set_input_provider
    from agentcast.agents.user import settle as settle

# public name -> module that defines it (one line each; keep the three lists in step)
_EXPORTS: dict[str, str] = {
    "Agent": "agentcast.agents.base",
    "AudioDialogAgent": "agentcast.agents.audio_dialog",
    "DialogAgent": "agentcast.agents.dialog",
    "DictDialogAgent": "agentcast.agents.dict_dialog",
    "ProgrammerAgent": "agentcast.agents.programmer",
    "ReActAgent": "agentcast.agents.react",
    "TextToImageAgent": "agentcast.agents.text_to_image",
    "UserAgent": "agentcast.agents.user",
    "agent_style": "agentcast.agents.base",
    "console": "agentcast.agents.base",
    "extract_code": "agentcast.agents.programmer",
    "select_keys": "agentcast.agents.dict_dialog",
    "set_input_provider": "agentcast.agents.user",
    "store_media": "agentcast.agents.text_to_image",
    "input_provider": "agentcast.agents.user",
    "use_console": "agentcast.agents.base",
    "ProgressBoard": "agentcast.agents.progress",
    "progress_wanted": "agentcast.agents.progress",
    "DistributedAgent": "agentcast.agents.distributed",
    "to_dist": "agentcast.agents.distributed",
    "settle": "agentcast.agents.user",
    "is_async_callable": "agentcast.agents.user",
}

__all__ = [
    "Agent",
    "AudioDialogAgent",
    "DialogAgent",
    "DictDialogAgent",
    "DistributedAgent",
    "ProgrammerAgent",
    "ProgressBoard",
    "ReActAgent",
    "TextToImageAgent",
    "UserAgent",
    "agent_style",
    "console",
    "extract_code",
    "input_provider",
    "is_async_callable",
    "progress_wanted",
    "select_keys",
    "set_input_provider",
    "settle",
    "store_media",
    "to_dist",
    "use_console",
]

__getattr__, __dir__ = lazy_exports("agentcast.agents", globals(), _EXPORTS)
