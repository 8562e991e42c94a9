"""MCP client: connect to Model Context Protocol servers and use their tools in a Toolkit.

The connection lives on its own event loop in a background thread. MCP's transports are
anyio task groups that must be entered and left by the same task, while agents call tools
from whatever loop and task their actor runs on; a dedicated loop serves both, and the
client works the same from async code, plain scripts, and agents on other threads.

Works with the official ``mcp`` package (extra ``mcp``), 1.x and 2.x.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import sys
import threading
from collections.abc import Coroutine
from typing import Any, TextIO, TypeVar

from agentcast.exceptions import MissingExtraError, ToolExecutionError
from agentcast.tools.response import ToolResponse

T = TypeVar("T")


def _mcp() -> Any:
    try:
        import mcp
    except ImportError as exc:
        raise MissingExtraError("mcp", "mcp", "MCP servers") from exc
    return mcp


def _field(obj: Any, *names: str, default: Any = None) -> Any:
    """Read a field under its 2.x (snake_case) or 1.x (camelCase) name."""
    for name in names:
        if hasattr(obj, name):
            return getattr(obj, name)
    return default


def _stderr() -> TextIO:
    """The server's stderr goes to ours when that is a real file (not under pytest capture)."""
    try:
        sys.stderr.fileno()
        return sys.stderr
    except (AttributeError, OSError, ValueError):
        return open(os.devnull, "w")  # lives as long as the server


class MCPClient:
    """One MCP server connection: ``stdio`` (a subprocess) or streamable ``http`` (a URL).

    >>> client = await MCPClient.stdio("time", sys.executable, ["-m", "mcp_server_time"]).connect()
    >>> await client.add_to_toolkit(toolkit)
    """

    def __init__(
        self,
        name: str,
        *,
        command: str | None = None,
        args: list[str] | None = None,
        env: dict[str, str] | None = None,
        cwd: str | None = None,
        url: str | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 60.0,
        errlog: TextIO | None = None,
    ) -> None:
        if (command is None) == (url is None):
            raise ValueError("an MCPClient needs exactly one of command= (stdio) or url= (http)")
        self.name = name
        self.command, self.args, self.env, self.cwd = command, list(args or []), env, cwd
        self.url, self.headers = url, dict(headers or {})
        self.timeout = timeout
        self.errlog = errlog
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._session: Any = None
        self._closing: asyncio.Event | None = None
        self._done: concurrent.futures.Future[None] | None = None

    @classmethod
    def stdio(cls, name: str, command: str, args: list[str] | None = None, **kw: Any) -> MCPClient:
        return cls(name, command=command, args=args, **kw)

    @classmethod
    def http(cls, name: str, url: str, **kw: Any) -> MCPClient:
        return cls(name, url=url, **kw)

    # --- the background loop --------------------------------------------------------------
    def _submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        if self._loop is None:
            coro.close()
            raise ToolExecutionError(f"MCP server {self.name!r} is not connected")
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    async def _on_loop(self, coro: Coroutine[Any, Any, T]) -> T:
        return await asyncio.wrap_future(self._submit(coro))

    def _transport(self) -> Any:
        _mcp()
        if self.command is not None:
            from mcp import StdioServerParameters
            from mcp.client.stdio import stdio_client

            params = StdioServerParameters(command=self.command, args=self.args, env=self.env,
                                           cwd=self.cwd)
            return stdio_client(params, errlog=self.errlog or _stderr())
        import mcp.client.streamable_http as sh

        if hasattr(sh, "streamable_http_client"):  # mcp 2.x
            http_client = None
            if self.headers:
                from mcp.shared._httpx_utils import create_mcp_http_client

                http_client = create_mcp_http_client(headers=self.headers)
            return sh.streamable_http_client(str(self.url), http_client=http_client)
        legacy: Any = vars(sh)["streamablehttp_client"]  # mcp 1.x
        return legacy(self.url, headers=self.headers or None)

    async def _serve(self, ready: asyncio.Future[None]) -> None:
        from mcp import ClientSession

        try:
            async with contextlib.AsyncExitStack() as stack:
                streams = await stack.enter_async_context(self._transport())
                session = await stack.enter_async_context(ClientSession(streams[0], streams[1]))
                await session.initialize()
                self._session = session
                ready.set_result(None)
                assert self._closing is not None
                await self._closing.wait()
        except BaseException as exc:  # reported to whoever waits on connect
            if not ready.done():
                ready.set_exception(exc)
        finally:
            self._session = None

    async def _start(self) -> None:
        loop = asyncio.get_running_loop()
        self._closing = asyncio.Event()
        ready: asyncio.Future[None] = loop.create_future()
        task = loop.create_task(self._serve(ready))
        self._task = task
        await asyncio.wait_for(ready, self.timeout)

    # --- lifecycle ------------------------------------------------------------------------
    async def connect(self) -> MCPClient:
        """Start the server connection (idempotent); raises if the server cannot be reached."""
        await asyncio.wrap_future(self._connect_future())
        return self

    def connect_sync(self) -> MCPClient:
        self._connect_future().result()
        return self

    def _connect_future(self) -> concurrent.futures.Future[None]:
        _mcp()
        if self._session is not None and self._loop is not None:
            done: concurrent.futures.Future[None] = concurrent.futures.Future()
            done.set_result(None)
            return done
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._loop.run_forever,
                                            name=f"mcp-{self.name}", daemon=True)
            self._thread.start()
        fut = self._submit(self._start())

        def stop_if_failed(f: concurrent.futures.Future[None]) -> None:
            if f.cancelled() or f.exception() is not None:
                self._stop_loop()

        fut.add_done_callback(stop_if_failed)
        return fut

    async def _stop(self) -> None:
        if self._closing is not None:
            self._closing.set()
        task = getattr(self, "_task", None)
        if task is not None:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(task, 10)

    def _stop_loop(self) -> None:
        loop, thread = self._loop, self._thread
        self._loop = self._thread = None
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)
        if thread is not None and thread is not threading.current_thread():
            thread.join(5)
        if loop is not None and not loop.is_running():
            loop.close()

    async def close(self) -> None:
        """Close the session and stop the server process (stdio) or end the HTTP session."""
        if self._loop is None:
            return
        with contextlib.suppress(Exception):
            await self._on_loop(self._stop())
        await asyncio.to_thread(self._stop_loop)

    def close_sync(self) -> None:
        if self._loop is None:
            return
        with contextlib.suppress(Exception):
            self._submit(self._stop()).result(15)
        self._stop_loop()

    async def __aenter__(self) -> MCPClient:
        return await self.connect()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- tools ----------------------------------------------------------------------------
    async def list_tools(self) -> list[dict[str, Any]]:
        """The server's tools as {name, description, parameters (JSON schema)}."""
        result = await self._on_loop(self._list_tools())
        return result

    async def _list_tools(self) -> list[dict[str, Any]]:
        if self._session is None:
            raise ToolExecutionError(f"MCP server {self.name!r} is not connected")
        result = await self._session.list_tools()
        return [{"name": t.name, "description": t.description or "",
                 "parameters": dict(_field(t, "input_schema", "inputSchema", default={}) or {})}
                for t in result.tools]

    async def call_tool(self, name: str, arguments: dict[str, Any] | None = None) -> ToolResponse:
        """Call a tool on the server; its errors come back as error ToolResponses."""
        return await self._on_loop(self._call(name, arguments or {}))

    async def _call(self, name: str, arguments: dict[str, Any]) -> ToolResponse:
        if self._session is None:
            raise ToolExecutionError(f"MCP server {self.name!r} is not connected")
        result = await asyncio.wait_for(self._session.call_tool(name, arguments), self.timeout)
        parts: list[Any] = []
        urls: list[str] = []
        for item in _field(result, "content", default=[]) or []:
            kind = _field(item, "type", default="")
            if kind == "text":
                parts.append(item.text)
            elif kind in ("image", "audio"):
                mime = _field(item, "mime_type", "mimeType", default="application/octet-stream")
                urls.append(f"data:{mime};base64,{item.data}")
            elif kind == "resource_link":
                urls.append(str(_field(item, "uri", default="")))
            else:
                parts.append(item.model_dump(mode="json", exclude_none=True)
                             if hasattr(item, "model_dump") else str(item))
        structured = _field(result, "structured_content", "structuredContent")
        content: Any = "\n".join(p if isinstance(p, str) else str(p) for p in parts)
        if not parts and structured is not None:
            content = structured
        if _field(result, "is_error", "isError", default=False):
            return ToolResponse.error(content or f"MCP tool {name!r} failed", server=self.name)
        return ToolResponse.success(content, urls=urls or None, server=self.name,
                                    structured=structured)

    async def add_to_toolkit(
        self,
        toolkit: Any,
        *,
        group: str = "basic",
        prefix: str = "",
        include: list[str] | None = None,
    ) -> list[str]:
        """Register the server's tools (schemas from the server) on ``toolkit``."""
        await self.connect()
        names = []
        for tool in await self.list_tools():
            if include is not None and tool["name"] not in include:
                continue
            remote = tool["name"]

            async def call(_remote: str = remote, **kwargs: Any) -> ToolResponse:
                return await self.call_tool(_remote, kwargs)

            local = prefix + remote
            toolkit.add_schema_tool(local, call, tool["parameters"],
                                    description=tool["description"], group=group)
            names.append(local)
        return names


__all__ = ["MCPClient"]
