"""Agent memory."""

from agentcast.memory.list_memory import ListMemory

__all__ = ["ListMemory"]
