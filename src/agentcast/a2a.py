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
import sys
import threading
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

from agentcast.agents.base import Agent
from agentcast.exceptions import (
    ConfigError,
    DistributedError,
    InvalidMessageError,
    MissingExtraError,
)
from agentcast.message import Msg
from agentcast.netguard import NO_TOKEN, Guard, display_host, resolve_token, token_url

TOKEN_ENV = "AGENTCAST_A2A_TOKEN"
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
    """The agentcast message (and history) an A2A message carries; plain A2A works too.

    A message that carries an agentcast wire form must carry a valid one: a malformed form
    raises :class:`InvalidMessageError` naming the field (``metadata.agentcast.msg.role``),
    rather than being quietly replaced by the text parts.
    """
    from google.protobuf.json_format import MessageToDict

    meta = MessageToDict(message.metadata) if message.HasField("metadata") else {}
    if _META_KEY in meta:
        found = _from_wire(meta[_META_KEY])
        if found is not None:
            return found
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


def _from_wire(raw: Any) -> tuple[Msg, list[Msg]] | None:
    """The message and history in an agentcast wire form; None when it has no message."""
    field = f"metadata.{_META_KEY}"
    if not isinstance(raw, str):
        raise InvalidMessageError(f"{field}: expected a JSON string, got {type(raw).__name__}",
                                  field=field)
    try:
        wire = json.loads(raw)
    except ValueError as exc:
        raise InvalidMessageError(f"{field}: not valid JSON ({exc})", field=field) from exc
    if not isinstance(wire, dict):
        raise InvalidMessageError(f"{field}: expected an object, got {type(wire).__name__}",
                                  field=field)
    unknown = sorted(set(wire) - {"msg", "history"})
    if unknown:
        raise InvalidMessageError(f"{field}: unknown key(s) {unknown}; allowed: msg, history",
                                  field=f"{field}.{unknown[0]}")
    items = wire.get("history")
    if items is None:
        items = []
    if not isinstance(items, list):
        raise InvalidMessageError(f"{field}.history: expected a list, got "
                                  f"{type(items).__name__}", field=f"{field}.history")
    history = [_msg_from(d, f"{field}.history[{i}]") for i, d in enumerate(items)]
    if wire.get("msg") is None:
        return None
    return _msg_from(wire["msg"], f"{field}.msg"), history


def _msg_from(data: Any, where: str) -> Msg:
    try:
        return Msg.from_dict(data)
    except InvalidMessageError as exc:
        path = f"{where}.{exc.field}" if exc.field else where
        raise InvalidMessageError(f"{path}: {exc}", field=path) from exc


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
        # Not the system prompt: the card is public, the prompt may not be.
        description=description or f"agentcast agent {agent.name}",
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


def build_app(agent: Agent, *, url: str, token: str | None, bound: str = "127.0.0.1",
              allowed_hosts: tuple[str, ...] = ()) -> Any:
    """The Starlette app serving ``agent``: the agent card and the JSON-RPC endpoint.

    Every request passes the Host and Origin checks; every request but the (public) agent
    card needs ``Authorization: Bearer <token>`` unless ``token`` is None.
    """
    _require()
    from a2a.server.agent_execution import AgentExecutor
    from a2a.server.request_handlers import DefaultRequestHandler
    from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
    from a2a.server.tasks import InMemoryTaskStore
    from a2a.utils.errors import InvalidParamsError
    from starlette.applications import Starlette
    from starlette.middleware import Middleware

    class Executor(AgentExecutor):  # type: ignore[misc]
        async def execute(self, context: Any, event_queue: Any) -> None:
            try:
                x, history = from_a2a(context.message)
            except ValueError as exc:  # InvalidMessageError included: it names the field
                data = {"field": getattr(exc, "field", None)}
                raise InvalidParamsError(f"invalid message: {exc}", data=data) from exc
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
    middleware = [Middleware(Guard, bound=bound, token=token, allowed_hosts=allowed_hosts,
                             public_paths=(CARD_PATH,))]
    return Starlette(routes=routes, middleware=middleware)


def _call_blocking(agent: Agent, x: Msg, history: list[Msg]) -> Msg | None:
    for m in history:
        agent.observe(m)
    return agent(x).result()


def _reply_message(reply: Msg | None, context_id: str) -> Any:
    return to_a2a(reply if reply is not None else Msg("agent", ""), "agent", context_id)


class A2AServer:
    """A running server (from ``serve(..., block=False)``): ``url``, ``token``, ``stop()``.

    ``token_url`` is the address with ``?token=``, which :class:`RemoteAgent` accepts.
    """

    def __init__(self, server: Any, thread: threading.Thread, url: str,
                 token: str | None = None) -> None:
        self._server, self._thread, self.url, self.token = server, thread, url, token

    @property
    def token_url(self) -> str:
        return token_url(self.url, self.token)

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)


def serve(agent: Agent, port: int = 8000, host: str = "127.0.0.1", token: str | None = None,
          *, auth: str | None = None, allowed_hosts: tuple[str, ...] | list[str] = (),
          block: bool = True, public_url: str | None = None,
          announce: bool = True) -> A2AServer | None:
    """Expose ``agent`` as an A2A server (agent card at ``/.well-known/agent-card.json``).

    Binds 127.0.0.1 unless told otherwise. Every call needs ``Authorization: Bearer
    <token>``: ``token`` (or ``$AGENTCAST_A2A_TOKEN``), else one generated for this start
    and printed once (to stderr) as ``http://HOST:PORT/?token=...``. No token only with
    ``auth="none-loopback-only"``, and only on loopback. ``allowed_hosts`` adds Host names
    the server answers to (e.g. behind a reverse proxy). ``block=False`` serves from a
    background thread and returns an :class:`A2AServer`. ``announce=False`` prints nothing
    (read ``token_url`` from the returned server instead).
    """
    _require()
    import uvicorn

    secret, generated = resolve_token(host, token, auth, env_var=TOKEN_ENV)
    base = f"http://{display_host(host)}:{port}/"
    url = public_url or base
    if public_url:
        allowed_hosts = (*allowed_hosts, urlsplit(public_url).hostname or "")
    app = build_app(agent, url=url, token=secret, bound=host, allowed_hosts=tuple(allowed_hosts))
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    if announce:
        shown = token_url(base, secret) if generated else base
        print(f"A2A agent {agent.name!r} on {shown}", file=sys.stderr, flush=True)
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
    return A2AServer(server, thread, url, secret)


# --- calling -------------------------------------------------------------------------
class RemoteAgent(Agent):
    """Any A2A agent, as an agentcast agent: placeholders, pipelines, msghub all work.

    What the agent observes (in a hub) is sent along with its next call, so the remote
    side hears the conversation it missed.
    """

    def __init__(self, url: str, token: str | None = None, *, name: str | None = None,
                 timeout: float = 300.0) -> None:
        """``token``: the server's bearer token (or give ``url`` with ``?token=``)."""
        _require()
        parts = urlsplit(url)
        in_url = next(iter(parse_qs(parts.query).get("token", [])), None)
        if in_url is not None:  # the ready-to-open address ``serve`` printed
            if token is not None and token != in_url:
                raise ConfigError("RemoteAgent: the url's ?token= and token= differ",
                                  field="token")
            token = in_url
            url = parts._replace(query="").geturl()
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
    parser.add_argument("--token", default=None,
                        help=f"require this bearer token (default: ${TOKEN_ENV}, else one "
                             "generated and printed at start)")
    parser.add_argument("--no-token", action="store_true",
                        help=f"serve without a token (auth={NO_TOKEN!r}; loopback only)")
    parser.add_argument("--allow-host", action="append", default=[],
                        help="another Host name to answer to (e.g. behind a reverse proxy)")


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
    from agentcast.exceptions import UsageError

    agent = load_target(args.target)
    try:
        serve(agent, port=args.port, host=args.host, token=args.token,
              auth=NO_TOKEN if args.no_token else None, allowed_hosts=args.allow_host)
    except UsageError as exc:
        print(f"agentcast serve: {exc}", file=sys.stderr)
        return 2
    return 0


__all__ = ["A2AServer", "RemoteAgent", "agent_card", "build_app", "from_a2a", "serve", "to_a2a"]
