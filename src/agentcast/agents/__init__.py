"""Built-in agents."""

from agentcast.agents.base import Agent
from agentcast.agents.dialog import DialogAgent
from agentcast.agents.user import UserAgent

__all__ = ["Agent", "DialogAgent", "UserAgent"]
