"""Toolkit: the tools an agent may call, their schemas, and safe, parallel execution.

Every way a call can go wrong (unknown tool, bad arguments, a crash inside the tool, a
timeout) ends as an error ``ToolResponse`` that the model reads and can correct itself from;
nothing is raised into the agent's loop and nothing is silently dropped.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from agentcast import hooks
from agentcast.exceptions import (
    ApprovalPending,
    DivergenceError,
    InFlightToolError,
    ModelFacingError,
    ToolInputError,
)
from agentcast.models.base import ToolCall
from agentcast.tools.response import ToolResponse, ToolStatus
from agentcast.tools.schema import FunctionSpec, function_spec
from agentcast.tools.validate import validate_json

BASIC_GROUP = "basic"


@dataclass
class Tool:
    """One registered tool: what the model sees (schema) and what runs (func)."""

    name: str
    func: Callable[..., Any]
    schema: dict[str, Any]
    group: str = BASIC_GROUP
    preset: dict[str, Any] = field(default_factory=dict)
    spec: FunctionSpec | None = None
    timeout: float | None = None
    # For durable runs: may the call run again after a crash in the middle of it?
    read_only: bool = False  # it changes nothing
    idempotent: bool = False  # running it twice does what running it once does
    # A person approves each exact call first (durable/approvals.py): ttl of a request, and
    # how long a call waits in-process for the decision before the run pauses.
    requires_approval: bool = False
    approval_ttl: float | None = None
    approval_wait: float = 0.0

    @property
    def description(self) -> str:
        desc: str = self.schema["function"].get("description", "")
        return desc

    @property
    def is_async(self) -> bool:
        func = self.func.func if isinstance(self.func, functools.partial) else self.func
        if inspect.iscoroutinefunction(func):
            return True
        return not inspect.isroutine(func) and inspect.iscoroutinefunction(
            type(func).__call__)  # an object with an async __call__

    def validate(self, arguments: dict[str, Any] | str | None) -> dict[str, Any]:
        if self.spec is not None:
            return self.spec.validate(arguments)
        return validate_json(self.name, arguments, self.schema["function"]["parameters"])


@dataclass
class ToolGroup:
    name: str
    description: str = ""
    active: bool = False
    notes: str = ""


class Toolkit:
    """A set of tools, in groups that can be switched on and off.

    The ``basic`` group is always on. ``schemas()`` lists the tools of active groups only, and
    calls to tools of inactive groups are refused, so switching a group off really removes it.
    """

    def __init__(self, tools: Iterable[Callable[..., Any]] = ()) -> None:
        self._tools: dict[str, Tool] = {}
        self._groups: dict[str, ToolGroup] = {BASIC_GROUP: ToolGroup(BASIC_GROUP, active=True)}
        for func in tools:
            self.add(func)

    # --- registration ---------------------------------------------------------------------
    def add(self, func: Callable[..., Any], /, **preset_kwargs: Any) -> Tool:
        """Register ``func``; ``preset_kwargs`` are bound now and hidden from the model."""
        return self.add_tool(func, preset=preset_kwargs)

    def add_tool(
        self,
        func: Callable[..., Any],
        *,
        name: str | None = None,
        description: str | None = None,
        group: str = BASIC_GROUP,
        preset: dict[str, Any] | None = None,
        timeout: float | None = None,
        read_only: bool = False,
        idempotent: bool = False,
        requires_approval: bool = False,
        approval_ttl: float | None = None,
        approval_wait: float = 0.0,
    ) -> Tool:
        """Register ``func`` with options: a name, a description, a group, a timeout; and
        for durable runs whether it is ``read_only`` or ``idempotent`` (either makes it safe
        to run again when a crash interrupted it; otherwise a resumed run stops and asks).
        ``requires_approval``: each exact call waits for a person (``approval_wait`` seconds
        in-process, then the run pauses with ``ApprovalPending``); a request expires after
        ``approval_ttl`` seconds."""
        preset = dict(preset or {})
        spec = function_spec(func, preset, name=name, description=description)
        bound = functools.partial(func, **preset) if preset else func
        tool = Tool(spec.name, bound, spec.schema, group, preset, spec, timeout,
                    read_only=read_only, idempotent=idempotent,
                    requires_approval=requires_approval, approval_ttl=approval_ttl,
                    approval_wait=approval_wait)
        return self._register(tool)

    def add_schema_tool(
        self,
        name: str,
        func: Callable[..., Any],
        parameters: dict[str, Any],
        *,
        description: str = "",
        group: str = BASIC_GROUP,
        timeout: float | None = None,
    ) -> Tool:
        """Register a callable whose JSON schema is known already (e.g. an MCP server's tool)."""
        params = dict(parameters or {})
        params.setdefault("type", "object")
        params.setdefault("properties", {})
        schema = {
            "type": "function",
            "function": {"name": name, "description": description, "parameters": params},
        }
        return self._register(Tool(name, func, schema, group, timeout=timeout))

    def _register(self, tool: Tool) -> Tool:
        if tool.group not in self._groups:
            raise ValueError(
                f"tool group {tool.group!r} does not exist; create it with create_group() first"
            )
        self._tools[tool.name] = tool
        return tool

    def remove(self, name: str) -> None:
        self._tools.pop(name, None)

    # --- groups ---------------------------------------------------------------------------
    def create_group(
        self, name: str, description: str = "", *, active: bool = False, notes: str = ""
    ) -> ToolGroup:
        group = ToolGroup(name, description, active, notes)
        self._groups[name] = group
        return group

    def set_active(self, name: str, active: bool = True) -> None:
        if name not in self._groups:
            raise ValueError(f"no tool group {name!r}; groups: {sorted(self._groups)}")
        if name == BASIC_GROUP and not active:
            raise ValueError("the basic group is always active")
        self._groups[name].active = active

    def activate(self, *names: str) -> None:
        for name in names:
            self.set_active(name, True)

    def deactivate(self, *names: str) -> None:
        for name in names:
            self.set_active(name, False)

    @property
    def groups(self) -> dict[str, ToolGroup]:
        return dict(self._groups)

    def enable_group_switching(self) -> Tool:
        """Let the model switch groups itself with a ``set_tool_groups`` tool, so a large
        toolkit can stay out of the prompt until a task needs part of it."""

        def set_tool_groups(groups: list[str]) -> str:
            """Choose which optional tool groups are active; the others are switched off.

            Args:
                groups: Names of the groups to activate (may be empty).
            """
            unknown = [g for g in groups if g not in self._groups]
            if unknown:
                raise ToolInputError(f"unknown tool group(s) {unknown}; available: "
                                     + ", ".join(self._optional_groups()))
            for name, group in self._groups.items():
                if name != BASIC_GROUP:
                    group.active = name in groups
            return "active tools now: " + ", ".join(self.names())

        return self.add_tool(set_tool_groups)

    def _optional_groups(self) -> list[str]:
        return [f"{g.name} ({g.description})" if g.description else g.name
                for g in self._groups.values() if g.name != BASIC_GROUP]

    # --- what the model sees --------------------------------------------------------------
    def _active(self, tool: Tool) -> bool:
        return self._groups[tool.group].active

    def tools(self, *, include_inactive: bool = False) -> list[Tool]:
        return [t for t in self._tools.values() if include_inactive or self._active(t)]

    def names(self) -> list[str]:
        return [t.name for t in self.tools()]

    def get(self, name: str) -> Tool | None:
        return self._tools.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __len__(self) -> int:
        return len(self._tools)

    def schemas(self) -> list[dict[str, Any]]:
        """OpenAI function schemas of the active tools, for ``model(..., tools=...)``."""
        out = []
        for tool in self.tools():
            schema = tool.schema
            if tool.name == "set_tool_groups" and tool.spec is not None:  # list the groups now
                fn = dict(schema["function"])
                fn["description"] = (fn["description"] + " Groups: "
                                     + "; ".join(self._optional_groups()) + ".")
                schema = {**schema, "function": fn}
            out.append(schema)
        return out

    def describe(self) -> str:
        """The active tools as text, for models without native tool calling."""
        lines = []
        for tool in self.tools():
            params = tool.schema["function"]["parameters"]
            lines.append(
                f"- {tool.name}: {tool.description or '(no description)'}\n"
                f"  arguments (JSON schema): {json.dumps(params, ensure_ascii=False)}"
            )
        notes = [g.notes for g in self._groups.values() if g.active and g.notes]
        return "\n".join(lines + notes)

    # --- calling --------------------------------------------------------------------------
    async def call(self, call: ToolCall, *, agent: str | None = None) -> ToolResponse:
        """Run one tool call; always returns a ToolResponse, errors included."""
        started = time.perf_counter()
        error: BaseException | None = None
        arguments: Any = call.arguments
        try:
            tool = self._tools.get(call.name)
            if tool is None or not self._active(tool):
                raise ToolInputError(
                    f"there is no tool named {call.name!r}. Available tools: "
                    + (", ".join(self.names()) or "none")
                )
            arguments = tool.validate(call.arguments)
            if tool.requires_approval:
                from agentcast.durable.approvals import gated

                response = await gated(
                    tool.name, arguments, agent=agent, ttl=tool.approval_ttl,
                    wait=tool.approval_wait, run=lambda: self._execute(tool, arguments))
            else:
                response = await self._execute(tool, arguments)
        except (DivergenceError, InFlightToolError, ApprovalPending):
            raise  # the durable run must stop here, not tell the model
        except ModelFacingError as exc:
            error = exc
            response = ToolResponse.error(str(exc))
        except asyncio.TimeoutError as exc:
            error = exc
            response = ToolResponse.error(f"tool {call.name!r} timed out")
        except Exception as exc:  # the model reads what went wrong
            error = exc
            response = ToolResponse.error(
                f"tool {call.name!r} failed: {type(exc).__name__}: {exc}"
            )
        if hooks.listeners:
            hooks.emit(
                "tool_call",
                {"name": call.name, "arguments": arguments, "status": response.status.value,
                 "duration": time.perf_counter() - started, "agent": agent,
                 "error": error if error is not None else (
                     None if response.ok else response.content)},
            )
        return response

    async def call_many(
        self, calls: Iterable[ToolCall], *, agent: str | None = None
    ) -> list[ToolResponse]:
        """Run several calls at once (the model asked for them in one turn); order kept."""
        return list(await asyncio.gather(*(self.call(c, agent=agent) for c in calls)))

    async def _execute(self, tool: Tool, arguments: dict[str, Any]) -> ToolResponse:
        durable = hooks.durable
        if durable is None:
            return _as_response(await self._run(tool, arguments))
        # journaled: a finished call is answered from the record
        response: ToolResponse = await durable.tool_call(
            tool.name, arguments, safe_to_repeat=tool.read_only or tool.idempotent,
            run=lambda: self._run_response(tool, arguments))
        return response

    async def _run_response(self, tool: Tool, arguments: dict[str, Any]) -> ToolResponse:
        return _as_response(await self._run(tool, arguments))

    async def _run(self, tool: Tool, arguments: dict[str, Any]) -> Any:
        if tool.is_async:
            awaitable: Awaitable[Any] = tool.func(**arguments)
        else:
            awaitable = asyncio.to_thread(tool.func, **arguments)
        if tool.timeout is not None:
            return await asyncio.wait_for(awaitable, tool.timeout)
        result = await awaitable
        if inspect.isawaitable(result):  # a sync wrapper that returned a coroutine
            result = await result
        return result


def _as_response(result: Any) -> ToolResponse:
    if isinstance(result, ToolResponse):
        return result
    return ToolResponse(ToolStatus.SUCCESS, result)


class ServiceFactory:
    """The paper's interface: bind presets and get (callable, schema) for a model's tools list."""

    @staticmethod
    def get(
        func: Callable[..., Any], **preset_kwargs: Any
    ) -> tuple[Callable[..., Any], dict[str, Any]]:
        spec = function_spec(func, preset_kwargs)
        bound = functools.partial(func, **preset_kwargs) if preset_kwargs else func
        return bound, spec.schema


__all__ = ["BASIC_GROUP", "ServiceFactory", "Tool", "ToolGroup", "Toolkit"]
