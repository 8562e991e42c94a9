"""``to_dist``: move agents into Ray actors behind local proxies that are ordinary agents.

Why a proxy that *is* an Agent: pipelines, hubs and placeholders keep working unchanged.
The proxy does not run a mailbox of its own; its mailbox entries go, in order, into a
per-host :class:`~agentcast.runtime.ray_link.Link`, which ships them in batches (one Ray call
per host per loop tick) to an :class:`AgentHost`. Placeholders returned by a proxy remember
the Ray object reference of their batch, so when one is given to another distributed agent
it travels as that reference and the value goes from actor to actor.

Ray is optional (extra ``agentcast[ray]``) and imported only here, on first use.
"""

from __future__ import annotations

import atexit
import itertools
import os
from typing import Any

from agentcast.agents.base import Agent
from agentcast.exceptions import MissingExtraError
from agentcast.memory.list_memory import ListMemory
from agentcast.message import _PREFIX
from agentcast.runtime.actor import CALL, OBSERVE
from agentcast.runtime.ray_host import ADD, STATE, AgentHostActor, dumps_agent
from agentcast.runtime.ray_link import LINKS, Link, RemotePlaceholder
from agentcast.runtime.scheduler import get_runtime

DEFAULT_TIMEOUT = 600.0
DEFAULT_MAX_RESTARTS = 3

_settings: dict[str, Any] = {"address": None}
_hosts: dict[str, AgentHost] = {}
_host_cls: list[Any] = []
_ids = itertools.count(1)
_exit_hook = [False]
_runtime = get_runtime()


def configure(address: str | None = None) -> None:
    """Remember the cluster to join (``ac.init(ray_address=...)``); nothing starts yet."""
    _settings["address"] = address


def import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingExtraError("ray", "ray", "distributed agents") from exc
    return ray


def ensure_ray(address: str | None = None) -> Any:
    """Join ``address`` (or ``RAY_ADDRESS``), or start a small local Ray, once per process."""
    ray = import_ray()
    if not ray.is_initialized():
        address = address or _settings["address"] or os.environ.get("RAY_ADDRESS") or None
        common: dict[str, Any] = {"log_to_driver": False, "namespace": "agentcast",
                                  "configure_logging": False}
        if address:
            ray.init(address=address, **common)
        else:
            ray.init(
                address="local",  # a new local instance, not a stale one found on disk
                num_cpus=os.cpu_count() or 2,
                include_dashboard=False,
                object_store_memory=int(os.environ.get("AGENTCAST_RAY_STORE", 512 * 2**20)),
                **common,
            )
    if not _exit_hook[0]:
        # Registered after ray.init so that it runs before Ray's own exit hook: pending
        # remote calls and deliveries finish while Ray is still there.
        _exit_hook[0] = True
        atexit.register(_at_exit)
    return ray


def _at_exit() -> None:
    ray = import_ray()
    if not ray.is_initialized():  # shut down already: fail what is left instead of waiting
        for link in list(LINKS):
            _runtime.submit(link.abandon, "Ray was shut down before these calls finished")
    _runtime.shutdown()


def _actor_class() -> Any:
    if not _host_cls:
        ray = import_ray()
        _host_cls.append(ray.remote(AgentHostActor))
    return _host_cls[0]


def _node_strategy(ray: Any, node: str) -> Any:
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    node_id = node
    for info in ray.nodes():
        if info.get("Alive") and node in (info.get("NodeManagerAddress"),
                                          info.get("NodeManagerHostname")):
            node_id = info["NodeID"]
            break
    return NodeAffinitySchedulingStrategy(node_id=node_id, soft=False)


class AgentHost:
    """A Ray actor that hosts many agents (the paper's agent server); one process.

    ``AgentHost(resources={"org_b": 1})`` or ``node="10.0.0.7"`` (an IP or a Ray node id)
    places it; ``name=`` makes it a named actor others can share. ``host.add(agent)`` is
    ``agent.to_dist(host=host)``.
    """

    def __init__(
        self,
        name: str | None = None,
        *,
        resources: dict[str, float] | None = None,
        node: str | None = None,
        num_cpus: float = 0,
        max_restarts: int = DEFAULT_MAX_RESTARTS,
        timeout: float = DEFAULT_TIMEOUT,
        address: str | None = None,
    ) -> None:
        ray = ensure_ray(address)
        options: dict[str, Any] = {"num_cpus": num_cpus, "max_restarts": max_restarts,
                                   "max_task_retries": 0, "max_concurrency": 10_000}
        if resources:
            options["resources"] = dict(resources)
        if node:
            options["scheduling_strategy"] = _node_strategy(ray, node)
        if name:
            options.update(name=name, get_if_exists=True)
        self.name = name or ""
        self.max_restarts = max_restarts
        self.handle = _actor_class().options(**options).remote(self.name)
        self.link = Link(self.handle, timeout=timeout, max_restarts=max_restarts)

    def add(self, agent: Agent, **kwargs: Any) -> DistributedAgent:
        return to_dist(agent, host=self, **kwargs)

    def pid(self, timeout: float = 120.0) -> int:
        """The host's process id (blocking; for tests and tools)."""
        return int(import_ray().get(self.handle.pid.remote(), timeout=timeout))

    def node_id(self, timeout: float = 120.0) -> str:
        return str(import_ray().get(self.handle.node_id.remote(), timeout=timeout))

    def kill(self, no_restart: bool = True) -> None:
        import_ray().kill(self.handle, no_restart=no_restart)

    def __repr__(self) -> str:
        return f"AgentHost({self.name or 'anonymous'}, {len(self.link.agents)} agents)"


class DistributedAgent(Agent):
    """The local face of an agent that runs in an :class:`AgentHost`.

    Same name, same call and observe semantics; ``memory`` and ``state_dict()`` fetch a
    snapshot from the remote agent (after everything already sent to it).
    """

    def __init__(self, agent: Agent, host: AgentHost, *, keep_state: bool = True,
                 timeout: float | None = None) -> None:
        self.name = agent.name
        self.sys_prompt = getattr(agent, "sys_prompt", None)
        self.verbose = False
        self._model_ref = getattr(agent, "_model_ref", None)  # the model runs remotely
        self._model = None
        self.agent_class = type(agent).__name__
        self.host = host
        self.keep_state = keep_state
        self.timeout = timeout
        self._agent_id = f"{_PREFIX}:{next(_ids)}"
        self._blob: bytes | None = dumps_agent(agent)  # None: reconnected, not owned
        self._state_ref: Any = None
        self._link = host.link
        self._link.agents[self._agent_id] = self
        _runtime.submit(self._link.push, ADD, self, (self._blob, None), None)

    # --- entries go to the host's link, in order -------------------------------------
    def __call__(self, x: Any = None) -> RemotePlaceholder:
        self._calls = n = self._calls + 1
        ph = RemotePlaceholder(self.name, n)
        _runtime.submit(self._enqueue_call, x, ph)
        return ph

    def _push(self, kind: int, x: Any, ph: Any) -> None:
        self._link.push(kind, self, x, ph)

    async def reply(self, x: Any = None) -> Any:  # pragma: no cover - never run locally
        raise RuntimeError("a DistributedAgent replies remotely")

    def observe(self, x: Any) -> None:  # wrapped by Actor: callers outside enqueue
        self._push(OBSERVE, x, None)

    def speak(self, msg: Any) -> None:
        """The remote agent speaks in its own process; the proxy stays quiet."""

    # --- state ----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The remote agent's state once everything sent so far has been handled."""
        ph = RemotePlaceholder(self.name, 0)
        _runtime.submit(self._push, STATE, None, ph)
        value = ph.result()
        return dict(value) if isinstance(value, dict) else {}

    def load_state_dict(self, state: dict[str, Any]) -> None:  # pragma: no cover - rare
        raise NotImplementedError("load state into the agent before to_dist()")

    @property  # type: ignore[override]
    def memory(self) -> ListMemory | None:
        """A snapshot of the remote agent's memory (a copy: changes stay local)."""
        data = self.state_dict().get("memory")
        if data is None:
            return None
        mem = ListMemory()
        mem.load(data)
        return mem

    @memory.setter
    def memory(self, value: Any) -> None:
        if value is not None:
            raise AttributeError("a DistributedAgent's memory lives in its host")

    def __repr__(self) -> str:
        return f"DistributedAgent({self.name!r}, {self.agent_class})"

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled (say, as an attribute of another agent moved by ``to_dist``) as a handle:
        on the other side it reconnects to the same remote agent through a link of its own,
        instead of dragging this process's loop and link along."""
        return (_reconnect, (self.name, self.agent_class, self.host.handle, self._agent_id,
                             self.timeout, self._link.timeout, self.host.max_restarts))


_attached: dict[Any, AgentHost] = {}


def _reconnect(name: str, agent_class: str, handle: Any, agent_id: str, timeout: float | None,
               link_timeout: float, max_restarts: int) -> DistributedAgent:
    """The proxy of an agent that is already hosted: no ADD; one link per host per process.

    The process that moved the agent owns it (it re-adds it if the host restarts); proxies
    made here only send it calls and observes, and keep no state snapshots.
    """
    key = getattr(handle, "_actor_id", None) or id(handle)  # Ray's id of the host actor
    host = _attached.get(key)
    if host is None:
        host = AgentHost.__new__(AgentHost)
        host.name, host.max_restarts, host.handle = "", max_restarts, handle
        host.link = Link(handle, timeout=link_timeout, max_restarts=max_restarts)
        _attached[key] = host
    proxy = DistributedAgent.__new__(DistributedAgent)
    proxy.name, proxy.sys_prompt, proxy.verbose = name, None, False
    proxy._model_ref, proxy._model = None, None
    proxy.agent_class, proxy.host, proxy.keep_state, proxy.timeout = agent_class, host, False, timeout
    proxy._agent_id, proxy._blob, proxy._state_ref = agent_id, None, None
    proxy._link = host.link
    host.link.agents[agent_id] = proxy
    return proxy


def to_dist(
    agent: Agent,
    address: str | None = None,
    resources: dict[str, float] | None = None,
    node: str | None = None,
    host: AgentHost | str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_restarts: int = DEFAULT_MAX_RESTARTS,
    keep_state: bool = True,
) -> DistributedAgent:
    """Move ``agent`` into a Ray actor and return its proxy (see the module docstring).

    Without ``host`` the agent gets a host process of its own, placed by ``resources`` or
    ``node``; ``host=`` an :class:`AgentHost` (or the name of one, created on first use
    with these placement options) puts many agents in one process. ``timeout`` bounds each
    call; a host that dies is restarted up to ``max_restarts`` times with its agents' last
    state, and the calls it had in flight are retried once. ``keep_state=False`` skips the
    per-call state snapshot (for very many agents that need no recovery).
    """
    if isinstance(agent, DistributedAgent):
        return agent
    ensure_ray(address)
    if host is None:
        host = AgentHost(resources=resources, node=node, max_restarts=max_restarts,
                         timeout=timeout, address=address)
    elif isinstance(host, str):
        named = _hosts.get(host)
        if named is None:
            named = _hosts[host] = AgentHost(host, resources=resources, node=node,
                                             max_restarts=max_restarts, timeout=timeout,
                                             address=address)
        host = named
    return DistributedAgent(agent, host, keep_state=keep_state, timeout=timeout)


__all__ = ["CALL", "AgentHost", "DistributedAgent", "configure", "ensure_ray", "to_dist"]
