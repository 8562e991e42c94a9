"""A standalone agent server other processes create agents on, list and delete: the
paper's agent server (AgentScope 0.x's ``RpcAgentServerLauncher`` and ``RpcAgentClient``),
on the Ray backend.

Why a named, detached Ray actor: it outlives the process that launched it, any driver in
the cluster reaches it by name, and the agents in it are ordinary agentcast actors on its
loop (the ordering rules of DESIGN.md hold there). ``agentcast agent-server --name NAME``
runs one in the foreground; in code::

    server = AgentServer("srv").launch()             # or AgentServer(...) as a context
    client = AgentServerClient("srv")                # in any process of the cluster
    bob = client.create_agent(DialogAgent("Bob", model="my-config"))
    client.get_agent_list()                          # [{"agent_id": ..., "name": "Bob", ...}]
    same = client.agent(bob.agent_id)                # a handle from another process
    client.delete_agent(bob.agent_id); server.shutdown()

``agent.to_dist(host="srv")`` also places an agent there (AgentScope's
``to_dist(host=, port=)``).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from agentcast.agents.base import Agent
from agentcast.agents.distributed import DistributedAgent, to_dist
from agentcast.exceptions import ConfigError, DistributedError
from agentcast.runtime.ray_backend import (
    DEFAULT_MAX_RESTARTS,
    DEFAULT_TIMEOUT,
    AgentHost,
    ensure_ray,
    host_actor_class,
)

DEFAULT_NAME = "agent-server"
CALL_TIMEOUT = 60.0  # seconds a management call (list, delete, info) may take


class AgentServer:
    """Launches (and shuts down) a named agent server in the Ray cluster at ``address``.

    ``resources``/``node``/``num_cpus`` place it like :class:`AgentHost`; ``model_configs``
    are loaded in the server process, so agents created there can name them. ``launch`` on a
    name that is already running attaches to that server instead of starting a second one.
    """

    def __init__(self, name: str = DEFAULT_NAME, *, address: str | None = None,
                 resources: dict[str, float] | None = None, node: str | None = None,
                 num_cpus: float = 0, max_restarts: int = DEFAULT_MAX_RESTARTS,
                 model_configs: Any = None) -> None:
        if not isinstance(name, str) or not name:
            raise ConfigError("AgentServer: name must be a non-empty string", field="name")
        self.name = name
        self.address = address
        self.resources = dict(resources or {})
        self.node = node
        self.num_cpus = num_cpus
        self.max_restarts = max_restarts
        self.model_configs = model_configs
        self.handle: Any = None

    def launch(self, timeout: float = CALL_TIMEOUT) -> AgentServer:
        """Start the server (or attach to the running one of that name); returns self once
        it answers."""
        ray = ensure_ray(self.address)
        options: dict[str, Any] = {
            "name": self.name, "namespace": "agentcast", "lifetime": "detached",
            "get_if_exists": True, "num_cpus": self.num_cpus,
            "max_restarts": self.max_restarts, "max_task_retries": 0,
            "max_concurrency": 10_000}
        if self.resources:
            options["resources"] = self.resources
        if self.node:
            from agentcast.runtime.ray_backend import node_strategy

            options["scheduling_strategy"] = node_strategy(ray, self.node)
        self.handle = host_actor_class().options(**options).remote(self.name)
        ray.get(self.handle.ping.remote(), timeout=timeout)
        if self.model_configs is not None:
            ray.get(self.handle.load_model_configs.remote(self.model_configs), timeout=timeout)
        return self

    def client(self, **kwargs: Any) -> AgentServerClient:
        return AgentServerClient(self.name, address=self.address, **kwargs)

    def shutdown(self, timeout: float = CALL_TIMEOUT) -> None:
        """Stop the server process (its agents go with it) and wait until its name is free."""
        if self.handle is None:
            return
        stop_server(ensure_ray(self.address), self.handle, self.name, timeout)
        self.handle = None

    def __enter__(self) -> AgentServer:
        return self.launch()

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.shutdown()

    def __repr__(self) -> str:
        return f"AgentServer({self.name!r}, {'running' if self.handle else 'stopped'})"


class AgentServerClient:
    """Talks to a running :class:`AgentServer` by name, from any process of the cluster.

    Raises :class:`~agentcast.exceptions.DistributedError` when no server of that name runs.
    ``timeout`` bounds each management call; ``call_timeout`` each agent call.
    """

    def __init__(self, name: str = DEFAULT_NAME, *, address: str | None = None,
                 timeout: float = CALL_TIMEOUT, call_timeout: float = DEFAULT_TIMEOUT) -> None:
        self.name = name
        self.address = address
        self.timeout = timeout
        self.host = AgentHost.connect(name, address=address, timeout=call_timeout)
        self._ray = ensure_ray(address)

    def _get(self, ref: Any, what: str) -> Any:
        ray = self._ray
        try:
            return ray.get(ref, timeout=self.timeout)
        except ray.exceptions.GetTimeoutError as exc:
            raise DistributedError(f"agent server {self.name!r} did not answer {what} within "
                                   f"{self.timeout:g} s", agent=self.name) from exc
        except ray.exceptions.RayActorError as exc:
            raise DistributedError(f"agent server {self.name!r} is gone ({what}): {exc}",
                                   agent=self.name) from exc

    def is_alive(self) -> bool:
        try:
            self._get(self.host.handle.ping.remote(), "a ping")
        except DistributedError:
            return False
        return True

    def create_agent(self, agent: Agent | Mapping[str, Any], agent_id: str | None = None
                     ) -> DistributedAgent:
        """Put an agent on the server and return its proxy.

        ``agent`` is an Agent (sent as it is, like ``to_dist``), or AgentScope's config form
        ``{"class_name": ..., "args": [...], "kwargs": {...}}`` where ``class_name`` is a
        public agentcast agent class, ``"module:Class"``, or a class object; the server
        builds that agent itself (so it may use model configs only the server has).
        """
        if isinstance(agent, Agent):
            if agent_id is not None:
                raise ConfigError("agent_id is assigned by to_dist for an Agent object; give "
                                  "it only with the config form", field="agent_id")
            return to_dist(agent, host=self.host)
        if not isinstance(agent, Mapping) or "class_name" not in agent:
            raise ConfigError("create_agent takes an Agent or {'class_name': ..., 'args': "
                              "[...], 'kwargs': {...}}", field="class_name")
        cls = _agent_class(agent["class_name"])
        args, kwargs = tuple(agent.get("args") or ()), dict(agent.get("kwargs") or {})
        from agentcast.runtime.ray_host import dumps_agent

        agent_id = agent_id or uuid.uuid4().hex
        info = self._get(self.host.handle.create_agent.remote(
            agent_id, dumps_agent(cls), args, kwargs), f"create_agent({cls.__name__})")
        return DistributedAgent.attach(self.host, agent_id, info["name"], cls)

    def agent(self, agent_id: str) -> DistributedAgent:
        """A proxy for an agent on the server (created by any process)."""
        for info in self.get_agent_list():
            if info["agent_id"] == agent_id:
                return DistributedAgent.attach(self.host, agent_id, info["name"], info["type"],
                                               methods=info.get("methods"))
        raise DistributedError(f"agent server {self.name!r} hosts no agent {agent_id!r}",
                               agent=agent_id)

    def get_agent_list(self) -> list[dict[str, Any]]:
        """``[{"agent_id", "name", "type", "sys_prompt", "model"}, ...]``."""
        return list(self._get(self.host.handle.agent_list.remote(), "get_agent_list"))

    def get_agent_memory(self, agent_id: str) -> list[dict[str, Any]] | None:
        """The agent's memory as wire dicts, after what was sent to it so far."""
        return self._get(self.host.handle.memory_of.remote(agent_id),  # type: ignore[no-any-return]
                         f"get_agent_memory({agent_id!r})")

    def delete_agent(self, agent_id: str) -> bool:
        """Remove one agent; False if the server did not host it."""
        return bool(self._get(self.host.handle.remove_agents.remote([agent_id]),
                              f"delete_agent({agent_id!r})"))

    def delete_all_agent(self) -> bool:
        """Remove every agent on the server (AgentScope's name)."""
        self._get(self.host.handle.remove_agents.remote(None), "delete_all_agent")
        return True

    def get_server_info(self) -> dict[str, Any]:
        """``{"pid", "id", "agents", "cpu" (seconds), "mem" (peak MB)}``."""
        return dict(self._get(self.host.handle.server_info.remote(), "get_server_info"))

    def set_model_configs(self, configs: Any) -> list[str]:
        """Load model configs in the server process; returns the names it loaded."""
        return list(self._get(self.host.handle.load_model_configs.remote(configs),
                              "set_model_configs"))

    def stop(self) -> None:
        """Shut the server down (AgentScope's ``client.stop()``)."""
        stop_server(self._ray, self.host.handle, self.name, self.timeout)

    def __repr__(self) -> str:
        return f"AgentServerClient({self.name!r})"


def stop_server(ray: Any, handle: Any, name: str, timeout: float) -> None:
    """Kill a server actor and wait (bounded) until Ray has released its name."""
    ray.kill(handle, no_restart=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            ray.get_actor(name, namespace="agentcast")
        except ValueError:
            return
        time.sleep(0.1)
    raise DistributedError(f"agent server {name!r} was killed but its name is still taken "
                           f"after {timeout:g} s", agent=name)


def _agent_class(ref: Any) -> type:
    """A class object, a public agentcast agent name, or "module:Class"."""
    import importlib

    cls: Any = ref
    if isinstance(ref, str) and ":" in ref:
        module, _, attr = ref.partition(":")
        try:
            cls = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as exc:
            raise ConfigError(f"create_agent: cannot import {ref!r}: {exc}",
                              field="class_name") from exc
    elif isinstance(ref, str):
        import agentcast

        cls = getattr(agentcast, ref, None) if ref in agentcast.__all__ else None
    if isinstance(cls, type) and issubclass(cls, Agent):
        return cls
    raise ConfigError(f"create_agent: class_name {ref!r} is not an agent class (give a public "
                      "agentcast agent name, 'module:Class' or the class)", field="class_name")


__all__ = ["AgentServer", "AgentServerClient", "stop_server"]
