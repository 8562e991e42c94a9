"""Built-in agents: each answers the message it is called with.

What lives here and what lives in ``agentcast.patterns``: an agent that only answers what
it is called with (from a pipeline, a MsgHub, a script) lives here. An agent that takes part
in conversations by their rules (one history per peer, reply functions, starting chats: a
``ConversableAgent`` and its subclasses AssistantAgent, UserProxyAgent, GroupChatManager)
lives in ``agentcast.patterns``, next to the chat machinery; this package imports nothing
from there, and any agent here can still join a chat through ``patterns.as_conversable``.
"""

from agentcast.agents.base import Agent
from agentcast.agents.dialog import DialogAgent
from agentcast.agents.user import UserAgent

__all__ = ["Agent", "DialogAgent", "UserAgent"]
