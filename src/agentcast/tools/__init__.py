"""Tools: the Toolkit, schemas from signatures, built-in services, the sandbox, MCP."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentcast._lazy import lazy_exports

if TYPE_CHECKING:
    from agentcast.tools.docstring import parse_docstring as parse_docstring
    from agentcast.tools.jupyter import JupyterSession as JupyterSession
    from agentcast.tools.mcp import MCPClient as MCPClient
    from agentcast.tools.response import ToolResponse as ToolResponse
    from agentcast.tools.response import ToolStatus as ToolStatus
    from agentcast.tools.sandbox import ExecutionResult as ExecutionResult
    from agentcast.tools.sandbox import Sandbox as Sandbox
    from agentcast.tools.sandbox import SandboxLimits as SandboxLimits
    from agentcast.tools.schema import FunctionSpec as FunctionSpec
    from agentcast.tools.schema import function_spec as function_spec
    from agentcast.tools.toolkit import ServiceFactory as ServiceFactory
    from agentcast.tools.toolkit import Tool as Tool
    from agentcast.tools.toolkit import ToolGroup as ToolGroup
    from agentcast.tools.toolkit import Toolkit as Toolkit
    from agentcast.tools.validate import validate_json as validate_json

# public name -> module that defines it (one line each; keep the three lists in step)
_EXPORTS: dict[str, str] = {
    "ExecutionResult": "agentcast.tools.sandbox",
    "FunctionSpec": "agentcast.tools.schema",
    "JupyterSession": "agentcast.tools.jupyter",
    "MCPClient": "agentcast.tools.mcp",
    "Sandbox": "agentcast.tools.sandbox",
    "SandboxLimits": "agentcast.tools.sandbox",
    "ServiceFactory": "agentcast.tools.toolkit",
    "Tool": "agentcast.tools.toolkit",
    "ToolGroup": "agentcast.tools.toolkit",
    "ToolResponse": "agentcast.tools.response",
    "ToolStatus": "agentcast.tools.response",
    "Toolkit": "agentcast.tools.toolkit",
    "function_spec": "agentcast.tools.schema",
    "parse_docstring": "agentcast.tools.docstring",
    "validate_json": "agentcast.tools.validate",
}

__all__ = [
    "ExecutionResult",
    "FunctionSpec",
    "JupyterSession",
    "MCPClient",
    "Sandbox",
    "SandboxLimits",
    "ServiceFactory",
    "Tool",
    "ToolGroup",
    "ToolResponse",
    "ToolStatus",
    "Toolkit",
    "function_spec",
    "parse_docstring",
    "validate_json",
]

__getattr__, __dir__ = lazy_exports("agentcast.tools", globals(), _EXPORTS)
