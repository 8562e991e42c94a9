"""Tools: the Toolkit, schemas from signatures, built-in services, the sandbox, MCP."""

from agentcast.tools.response import ToolResponse, ToolStatus
from agentcast.tools.toolkit import ServiceFactory, Tool, ToolGroup, Toolkit

__all__ = ["ServiceFactory", "Tool", "ToolGroup", "ToolResponse", "ToolStatus", "Toolkit"]
