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

from agentcast.exceptions import DistributedError, MissingExtraError
from agentcast.message import _PREFIX
from agentcast.runtime.actor import CALL
from agentcast.runtime.ray_host import AgentHostActor
from agentcast.runtime.ray_link import LINKS, Link
from agentcast.runtime.ray_net import (
    LOOPBACK_IP,
    binds_loopback_only,
    check_loopback,
    host_of,
    loopback_only,
    private_token_file,
)
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
    """Join ``address`` (or ``RAY_ADDRESS``), or start a small local Ray, once per process.

    The local Ray listens on 127.0.0.1 only (checked; see :mod:`agentcast.runtime.ray_net`)
    and keeps Ray's default token authentication.
    """
    ray = import_ray()
    if not ray.is_initialized():
        address = address or _settings["address"] or os.environ.get("RAY_ADDRESS") or None
        common: dict[str, Any] = {"log_to_driver": False, "namespace": "agentcast",
                                  "configure_logging": False}
        if address:
            if binds_loopback_only(host_of(address)):  # a one-machine head (127.0.0.1)
                with loopback_only(ray):
                    ray.init(address=address, **common)
            else:
                ray.init(address=address, **common)
        else:
            with loopback_only(ray):  # one machine: listen on 127.0.0.1 only
                ray.init(
                    address="local",  # a new local instance, not a stale one found on disk
                    num_cpus=os.cpu_count() or 2,
                    include_dashboard=False,
                    object_store_memory=int(os.environ.get("AGENTCAST_RAY_STORE",
                                                           512 * 2**20)),
                    _node_ip_address=LOOPBACK_IP,
                    **common,
                )
            check_loopback(ray)
            private_token_file(os.environ)
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


def host_actor_class() -> Any:
    if not _host_cls:
        ray = import_ray()
        _host_cls.append(ray.remote(AgentHostActor))
    return _host_cls[0]


def node_strategy(ray: Any, node: str) -> Any:
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
            options["scheduling_strategy"] = node_strategy(ray, node)
        if name:
            options.update(name=name, get_if_exists=True)
        self.name = name or ""
        self.max_restarts = max_restarts
        self.handle = host_actor_class().options(**options).remote(self.name)
        self.link = Link(self.handle, timeout=timeout, max_restarts=max_restarts)

    @classmethod
    def attached(cls, handle: Any, *, timeout: float = DEFAULT_TIMEOUT,
                 max_restarts: int = DEFAULT_MAX_RESTARTS) -> AgentHost:
        """A host known by its Ray actor handle (a proxy unpickled in another process): a
        link of this process's own to it, nothing started."""
        host = cls.__new__(cls)
        host.name, host.max_restarts, host.handle = "", max_restarts, handle
        host.link = Link(handle, timeout=timeout, max_restarts=max_restarts)
        return host

    @classmethod
    def connect(cls, name: str, *, address: str | None = None, timeout: float = DEFAULT_TIMEOUT,
                max_restarts: int = DEFAULT_MAX_RESTARTS) -> AgentHost:
        """The running host called ``name`` (e.g. an :class:`AgentServer`), never a new one:
        a missing host raises DistributedError saying how to start it."""
        ray = ensure_ray(address)
        try:
            handle = ray.get_actor(name, namespace="agentcast")
        except ValueError as exc:
            raise DistributedError(
                f"no agent server named {name!r} in the Ray cluster "
                f"{address or _settings['address'] or os.environ.get('RAY_ADDRESS') or '(local)'}"
                f": start one with `agentcast agent-server --name {name}`", agent=name) from exc
        host = cls.__new__(cls)
        host.name, host.max_restarts, host.handle = name, max_restarts, handle
        host.link = Link(handle, timeout=timeout, max_restarts=max_restarts)
        return host

    def add(self, agent: Any, **kwargs: Any) -> Any:
        """Host ``agent`` here: the same as ``agent.to_dist(host=self)``."""
        return agent.to_dist(host=self, **kwargs)

    def pid(self, timeout: float = 120.0) -> int:
        """The host's process id (blocking; for tests and tools)."""
        return int(import_ray().get(self.handle.pid.remote(), timeout=timeout))

    def node_id(self, timeout: float = 120.0) -> str:
        return str(import_ray().get(self.handle.node_id.remote(), timeout=timeout))

    def kill(self, no_restart: bool = True) -> None:
        import_ray().kill(self.handle, no_restart=no_restart)

    def __repr__(self) -> str:
        return f"AgentHost({self.name or 'anonymous'}, {len(self.link.agents)} agents)"


def host_named(name: str, **options: Any) -> AgentHost:
    """The process's :class:`AgentHost` called ``name``, created on first use."""
    named = _hosts.get(name)
    if named is None:
        named = _hosts[name] = AgentHost(name, **options)
    return named


def next_agent_id() -> str:
    """A process-unique id for a distributed agent."""
    return f"{_PREFIX}:{next(_ids)}"


def __getattr__(name: str) -> Any:
    # Moved to agentcast.agents.distributed (the proxy is an agent); kept importable here.
    if name in ("DistributedAgent", "to_dist"):
        from agentcast.agents import distributed

        return getattr(distributed, name)
    raise AttributeError(f"module 'agentcast.runtime.ray_backend' has no attribute {name!r}")


__all__ = ["CALL", "DEFAULT_MAX_RESTARTS", "DEFAULT_TIMEOUT", "AgentHost", "configure",
           "ensure_ray", "host_named", "next_agent_id"]
