"""Agents across organisations over A2A: ``serve`` an agent, call others with ``RemoteAgent``.

Why A2A and not Ray here: another organisation's agent is a web service we do not run, so
the wire is the open A2A protocol (JSON-RPC over HTTP, with an agent card). Built on the
``a2a-sdk`` package (extra ``agentcast[a2a]``), imported only when used; nothing in the core
imports this module.

An agentcast message crosses as one A2A message: its text (or JSON data) as a part, and its
agentcast wire form in the message metadata, so two agentcast ends lose nothing while any
other A2A peer still reads plain text.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import uuid
from typing import Any

from agentcast.agents.base import Agent
from agentcast.exceptions import DistributedError, MissingExtraError
from agentcast.message import Msg

CARD_PATH = "/.well-known/agent-card.json"
_META_KEY = "agentcast"


def _require() -> None:
    try:
        import a2a.server  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingExtraError("a2a", "a2a-sdk", "A2A agents") from exc


# --- messages across the wire ----------------------------------------------------------
def to_a2a(msg: Msg | None, role: str = "agent", context_id: str | None = None,
           history: list[Msg] | None = None) -> Any:
    """An A2A ``Message`` for an agentcast message (plus messages it should see first)."""
    from a2a.types.a2a_pb2 import Message, Part, Role
    from google.protobuf import struct_pb2

    parts = []
    for m in history or []:
        parts.append(Part(text=f"{m.name}: {_text(m.content)}"))
    if msg is not None:
        if isinstance(msg.content, (dict, list)):
            parts.append(Part(data=_to_value(msg.content)))
        else:
            parts.append(Part(text=_text(msg.content)))
        urls = msg.url if isinstance(msg.url, list) else [msg.url] if msg.url else []
        parts.extend(Part(url=u) for u in urls)
    meta = struct_pb2.Struct()
    wire = {"msg": msg.to_dict() if msg is not None else None,
            "history": [m.to_dict() for m in history or []]}
    meta.update({_META_KEY: json.dumps(wire, default=str)})
    return Message(message_id=uuid.uuid4().hex, context_id=context_id or "",
                   role=Role.ROLE_USER if role == "user" else Role.ROLE_AGENT,
                   parts=parts, metadata=meta)


def _to_value(content: Any) -> Any:
    from google.protobuf import struct_pb2
    from google.protobuf.json_format import ParseDict

    value = struct_pb2.Value()
    ParseDict(content, value)
    return value


def _text(content: Any) -> str:
    return content if isinstance(content, str) else json.dumps(content, default=str)


def from_a2a(message: Any, default_name: str = "user") -> tuple[Msg, list[Msg]]:
    """The agentcast message (and history) an A2A message carries; plain A2A works too."""
    from google.protobuf.json_format import MessageToDict

    meta = MessageToDict(message.metadata) if message.HasField("metadata") else {}
    raw = meta.get(_META_KEY)
    if isinstance(raw, str):
        try:
            wire = json.loads(raw)
            history = [Msg.from_dict(d) for d in wire.get("history") or []]
            if wire.get("msg") is not None:
                return Msg.from_dict(wire["msg"]), history
        except (ValueError, TypeError, AttributeError):
            pass  # fall back to the parts
    texts: list[str] = []
    data: list[Any] = []
    urls: list[str] = []
    for part in message.parts:
        kind = part.WhichOneof("content")
        if kind == "text":
            texts.append(part.text)
        elif kind == "data":
            data.append(MessageToDict(part.data) if hasattr(part.data, "DESCRIPTOR") else part.data)
        elif kind == "url":
            urls.append(part.url)
    if not texts and not data:
        raise ValueError("the A2A message has no text or data part")
    content: Any = "\n".join(texts) if texts else data[0] if len(data) == 1 else data
    from a2a.types.a2a_pb2 import Role

    role = "user" if message.role == Role.ROLE_USER else "assistant"
    url: Any = urls[0] if len(urls) == 1 else urls or None
    return Msg(default_name, content, role=role, url=url), []


# --- serving ---------------------------------------------------------------------------
def agent_card(agent: Agent, url: str, token: str | None = None, description: str = "") -> Any:
    from a2a.types.a2a_pb2 import (
        AgentCapabilities,
        AgentCard,
        AgentInterface,
        AgentSkill,
        HTTPAuthSecurityScheme,
        SecurityRequirement,
        SecurityScheme,
    )

    card = AgentCard(
        name=agent.name,
        description=description or (agent.sys_prompt or f"agentcast agent {agent.name}"),
        version="1.0.0",
        supported_interfaces=[AgentInterface(url=url, protocol_binding="JSONRPC",
                                             protocol_version="1.0")],
        capabilities=AgentCapabilities(streaming=False),
        default_input_modes=["text/plain", "application/json"],
        default_output_modes=["text/plain", "application/json"],
        skills=[AgentSkill(id="reply", name="reply", description=f"talk to {agent.name}",
                           tags=["agentcast"])],
    )
    if token:
        card.security_schemes["bearer"].CopyFrom(SecurityScheme(
            http_auth_security_scheme=HTTPAuthSecurityScheme(scheme="Bearer")))
        req = SecurityRequirement()
        req.schemes["bearer"].SetInParent()
        card.security_requirements.append(req)
    return card


def build_app(agent: Agent, *, url: str, token: str | None = None) -> Any:
    """The Starlette app serving ``agent``: the agent card and the JSON-RPC endpoint."""
    _require()
    from a2a.server.agent_execution import AgentExecutor
    from a2a.server.request_handlers import DefaultRequestHandler
    from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
    from a2a.server.tasks import InMemoryTaskStore
    from starlette.applications import Starlette
    from starlette.middleware import Middleware

    class Executor(AgentExecutor):  # type: ignore[misc]
        async def execute(self, context: Any, event_queue: Any) -> None:
            from a2a.helpers import new_text_message

            try:
                x, history = from_a2a(context.message)
            except ValueError as exc:
                await event_queue.enqueue_event(new_text_message(
                    f"error: {exc}", context_id=context.context_id))
                return
            # From a plain thread: agentcast's loop may be running elsewhere (our own
            # process can both serve and call), and a plain thread can wait on it either way.
            reply = await asyncio.to_thread(_call_blocking, agent, x, history)
            await event_queue.enqueue_event(_reply_message(reply, context.context_id))

        async def cancel(self, context: Any, event_queue: Any) -> None:
            raise NotImplementedError("agentcast calls cannot be cancelled")

    card = agent_card(agent, url, token)
    handler = DefaultRequestHandler(agent_executor=Executor(), task_store=InMemoryTaskStore(),
                                    agent_card=card)
    routes = create_agent_card_routes(card) + create_jsonrpc_routes(handler, rpc_url="/")
    middleware = [Middleware(_BearerAuth, token=token)] if token else []
    return Starlette(routes=routes, middleware=middleware)


def _call_blocking(agent: Agent, x: Msg, history: list[Msg]) -> Msg | None:
    for m in history:
        agent.observe(m)
    return agent(x).result()


def _reply_message(reply: Msg | None, context_id: str) -> Any:
    return to_a2a(reply if reply is not None else Msg("agent", ""), "agent", context_id)


class _BearerAuth:
    """Rejects requests without ``Authorization: Bearer <token>`` (the card stays public)."""

    def __init__(self, app: Any, token: str) -> None:
        self.app, self.token = app, token

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("path") != CARD_PATH:
            import hmac

            headers = dict(scope.get("headers") or [])
            got = headers.get(b"authorization", b"").decode("latin-1")
            if not hmac.compare_digest(got, f"Bearer {self.token}"):
                from starlette.responses import JSONResponse

                response = JSONResponse({"error": "missing or wrong bearer token"},
                                        status_code=401,
                                        headers={"WWW-Authenticate": "Bearer"})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class A2AServer:
    """A running server (from ``serve(..., block=False)``): ``url``, ``stop()``."""

    def __init__(self, server: Any, thread: threading.Thread, url: str) -> None:
        self._server, self._thread, self.url = server, thread, url

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)


def serve(agent: Agent, port: int = 8000, host: str = "127.0.0.1", token: str | None = None,
          *, block: bool = True, public_url: str | None = None) -> A2AServer | None:
    """Expose ``agent`` as an A2A server (agent card at ``/.well-known/agent-card.json``).

    Binds 127.0.0.1 unless told otherwise; with ``token`` every call needs
    ``Authorization: Bearer <token>``. ``block=False`` serves from a background thread.
    """
    _require()
    import uvicorn

    url = public_url or f"http://{host}:{port}/"
    app = build_app(agent, url=url, token=token)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    if block:
        server.run()
        return None
    thread = threading.Thread(target=server.run, name=f"a2a-{agent.name}", daemon=True)
    thread.start()
    import time

    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    if not server.started:
        raise DistributedError(f"the A2A server for {agent.name!r} did not start on {url}",
                               agent=agent.name)
    return A2AServer(server, thread, url)


# --- calling -------------------------------------------------------------------------
class RemoteAgent(Agent):
    """Any A2A agent, as an agentcast agent: placeholders, pipelines, msghub all work.

    What the agent observes (in a hub) is sent along with its next call, so the remote
    side hears the conversation it missed.
    """

    def __init__(self, url: str, token: str | None = None, *, name: str | None = None,
                 timeout: float = 300.0) -> None:
        _require()
        self.url = url if url.endswith("/") else url + "/"
        self.token = token
        self.timeout = timeout
        self.card = self._fetch_card()
        super().__init__(name or self.card.get("name") or "remote")
        self.context_id = uuid.uuid4().hex
        self._unsent: list[Msg] = []
        self._clients: dict[int, Any] = {}

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def _fetch_card(self) -> dict[str, Any]:
        import httpx

        try:
            resp = httpx.get(self.url.rstrip("/") + CARD_PATH, headers=self._headers(),
                             timeout=30)
            resp.raise_for_status()
            card = resp.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise DistributedError(f"cannot read the agent card at {self.url}: {exc}") from exc
        if not isinstance(card, dict):
            raise DistributedError(f"the agent card at {self.url} is not a JSON object")
        return card

    def observe(self, x: Any) -> None:
        super().observe(x)
        msgs = x if isinstance(x, list) else [x]
        self._unsent.extend(m for m in msgs if isinstance(m, Msg))

    async def _client(self) -> Any:
        loop = asyncio.get_running_loop()
        client = self._clients.get(id(loop))
        if client is None:
            import httpx
            from a2a.client import ClientConfig, create_client

            http = httpx.AsyncClient(headers=self._headers(), timeout=self.timeout)
            client = await create_client(self.url, client_config=ClientConfig(
                streaming=False, httpx_client=http))
            self._clients = {id(loop): client}
        return client

    async def reply(self, x: Msg | list[Msg] | None = None) -> Msg:
        from a2a.types.a2a_pb2 import SendMessageRequest

        inputs = x if isinstance(x, list) else [x] if x is not None else []
        history, self._unsent = self._unsent, []
        last = inputs[-1] if inputs else Msg("user", "", role="user")
        history.extend(inputs[:-1])
        if self.memory is not None:
            self.memory.add(inputs)
        request = SendMessageRequest(message=to_a2a(last, "user", self.context_id, history))
        try:
            client = await self._client()
            answer: Msg | None = None
            async for event in client.send_message(request):
                answer = _answer(event, self.name) or answer
        except DistributedError:
            raise
        except Exception as exc:
            raise DistributedError(f"A2A call to {self.name!r} at {self.url} failed: {exc}",
                                   agent=self.name) from exc
        if answer is None:
            raise DistributedError(f"A2A agent {self.name!r} sent no message", agent=self.name)
        if self.memory is not None:
            self.memory.add(answer)
        return answer


def _answer(event: Any, name: str) -> Msg | None:
    """The reply in a send_message event: a message, or a finished task's last words."""
    message = None
    if event.HasField("message"):
        message = event.message
    elif event.HasField("task"):
        from a2a.types.a2a_pb2 import TaskState

        task = event.task
        state = task.status.state
        if state in (TaskState.TASK_STATE_FAILED, TaskState.TASK_STATE_CANCELED,
                     TaskState.TASK_STATE_REJECTED):
            text = ""
            if task.status.HasField("message"):
                text = "; ".join(p.text for p in task.status.message.parts if p.text)
            raise DistributedError(
                f"A2A agent {name!r}: task ended in {TaskState.Name(state)}: {text}", agent=name)
        if task.status.HasField("message"):
            message = task.status.message
        elif task.artifacts:
            texts = [p.text for a in task.artifacts for p in a.parts if p.text]
            return Msg(name, "\n".join(texts))
        elif task.history:
            message = task.history[-1]
    if message is None:
        return None
    msg, _ = from_a2a(message, name)
    if msg.name in ("user", "agent", ""):
        msg.name = name
    msg.role = "assistant"
    return msg


# --- `agentcast serve app.py:agent` -----------------------------------------------------
def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", help="FILE.py:NAME or module:NAME of an agent (or a "
                                       "function returning one)")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default local)")
    parser.add_argument("--token", default=None, help="require this bearer token")


def load_target(target: str) -> Agent:
    """``app.py:agent`` or ``package.module:agent`` (an Agent, or a callable making one)."""
    import importlib
    import importlib.util
    import sys
    from pathlib import Path

    where, sep, attr = target.rpartition(":")
    if not sep or not where or not attr:
        raise SystemExit(f"agentcast serve: expected FILE.py:NAME, got {target!r}")
    if where.endswith(".py"):
        path = Path(where).resolve()
        if not path.is_file():
            raise SystemExit(f"agentcast serve: no such file {where}")
        sys.path.insert(0, str(path.parent))
        spec = importlib.util.spec_from_file_location(path.stem, path)
        if spec is None or spec.loader is None:
            raise SystemExit(f"agentcast serve: cannot load {where}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module
        spec.loader.exec_module(module)
    else:
        module = importlib.import_module(where)
    obj = getattr(module, attr, None)
    if obj is not None and not isinstance(obj, Agent) and callable(obj):
        obj = obj()
    if not isinstance(obj, Agent):
        raise SystemExit(f"agentcast serve: {target} is not an agentcast Agent")
    return obj


def run(args: argparse.Namespace) -> int:
    agent = load_target(args.target)
    print(f"serving {agent.name!r} over A2A on http://{args.host}:{args.port}/", flush=True)
    serve(agent, port=args.port, host=args.host, token=args.token)
    return 0


__all__ = ["A2AServer", "RemoteAgent", "agent_card", "build_app", "from_a2a", "serve", "to_a2a"]
