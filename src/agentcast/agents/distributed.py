"""DistributedAgent: the local face of an agent moved into a Ray actor by ``to_dist``.

Why a proxy that *is* an Agent (built through ``Agent.__init__``): pipelines, hubs and
placeholders keep working unchanged. Its mailbox entries go, in order, into the host's
link (:mod:`agentcast.runtime.ray_link`); the Ray plumbing lives in
:mod:`agentcast.runtime.ray_backend`. Ray is optional (extra ``agentcast[ray]``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, cast

from agentcast import hooks
from agentcast.agents.base import Agent
from agentcast.memory.list_memory import ListMemory
from agentcast.runtime.actor import MARK, OBSERVE
from agentcast.runtime.placeholder import Placeholder
from agentcast.runtime.ray_backend import (
    DEFAULT_MAX_RESTARTS,
    DEFAULT_TIMEOUT,
    AgentHost,
    ensure_ray,
    host_named,
    next_agent_id,
)
from agentcast.runtime.ray_host import ADD, METHOD, STATE, dumps_agent
from agentcast.runtime.ray_link import RemotePlaceholder
from agentcast.runtime.remote_methods import remote_callables
from agentcast.runtime.scheduler import get_runtime


class DistributedAgent(Agent):
    """The local face of an agent that runs in an :class:`AgentHost`.

    Same name, same call and observe semantics; ``memory`` and ``state_dict()`` fetch a
    snapshot from the remote agent (after everything already sent to it).
    """

    def __init__(self, agent: Agent, host: AgentHost, *, keep_state: bool = True,
                 timeout: float | None = None) -> None:
        # The model and memory live with the remote agent; the proxy holds neither.
        super().__init__(agent.name, getattr(agent, "sys_prompt", None), use_memory=False,
                         verbose=False)
        self._remote = remote_callables(type(agent))
        self.agent_class = type(agent).__name__
        self.host = host
        self.keep_state = keep_state
        self.timeout = timeout
        self._agent_id = next_agent_id()
        self._blob: bytes | None = dumps_agent(agent)
        self._state_ref: Any = None
        self._link = host.link
        self._link.agents[self._agent_id] = self
        get_runtime().submit(self._link.push, ADD, self, (self._blob, None), None)

    @classmethod
    def attach(cls, host: AgentHost, agent_id: str, name: str, agent_class: type | str,
               *, methods: Mapping[str, bool] | None = None,
               timeout: float | None = None) -> DistributedAgent:
        """A proxy for an agent that already lives in ``host`` (created by another process
        or by the host itself). It has no copy of the agent: a host restart loses it.
        ``methods`` (name -> returns a placeholder) is taken from the class when not given."""
        proxy = cast("DistributedAgent", cls.__new__(cls))
        Agent.__init__(proxy, name, None, use_memory=False, verbose=False)
        if methods is None:
            methods = remote_callables(agent_class) if isinstance(agent_class, type) else {}
        proxy._remote = dict(methods)
        proxy.agent_class = agent_class if isinstance(agent_class, str) else agent_class.__name__
        proxy.host = host
        proxy.keep_state = False
        proxy.timeout = timeout
        proxy._agent_id = agent_id
        proxy._blob = None
        proxy._state_ref = None
        proxy._link = host.link
        proxy._link.agents[agent_id] = proxy
        return proxy

    @property
    def agent_id(self) -> str:
        """The agent's id in its host (what an agent server lists)."""
        return self._agent_id

    # --- custom methods run remotely (AgentScope's @async_func) -------------------------
    def __getattr__(self, name: str) -> Any:
        methods = self.__dict__.get("_remote") or {}
        if name in methods:
            return functools.partial(self.call_method, name)
        raise AttributeError(f"{type(self).__name__} {self.__dict__.get('name', '')!r} "
                             f"({self.__dict__.get('agent_class', '?')}) has no attribute "
                             f"{name!r} that can be reached remotely")

    def call_method(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call a method of the remote agent: ``@async_func`` methods return a placeholder
        at once (``.result()`` gives the value), the others block and return the value.
        Arguments and the value travel pickled; placeholders among the arguments are
        waited for first."""
        methods = self.__dict__.get("_remote") or {}
        if methods and name not in methods:  # unknown class (an attached proxy): host checks
            raise AttributeError(f"{self.agent_class} {self.name!r} has no method {name!r} "
                                 "that can be called remotely (reply/observe: call the agent)")
        marked_async = methods.get(name, False)
        args = tuple(a.result() if isinstance(a, Placeholder) else a for a in args)
        kwargs = {k: v.result() if isinstance(v, Placeholder) else v for k, v in kwargs.items()}
        ph = RemotePlaceholder(self.name, 0)
        ph.producer = self
        get_runtime().submit(self.enqueue, METHOD, (name, args, kwargs), ph)
        return ph if marked_async else ph.result()

    # --- entries go to the host's link, in order -------------------------------------
    def __call__(self, x: Any = None) -> RemotePlaceholder:
        durable = hooks.durable
        if durable is not None:  # journaled by the driver (agentcast.durable.remote)
            ph = durable.remote_call(self, x)
            if ph is not None:
                return cast("RemotePlaceholder", ph)
        self._calls = n = self._calls + 1
        ph = RemotePlaceholder(self.name, n)
        ph.producer = self  # its blocked_on() says "in progress": the host does the work
        get_runtime().submit(self._enqueue_call, x, ph)
        return ph

    def enqueue(self, kind: int, x: Any, ph: Any = None) -> None:
        """Entries go to the host's link, in order (a settle marker becomes a state
        request: it resolves once the remote agent has handled everything before it)."""
        if kind == MARK:
            kind = STATE
        self._link.push(kind, self, x, ph)

    async def reply(self, x: Any = None) -> Any:  # pragma: no cover - never run locally
        raise RuntimeError("a DistributedAgent replies remotely")

    def observe(self, x: Any) -> None:  # wrapped by Actor: callers outside enqueue
        self.enqueue(OBSERVE, x, None)

    def speak(self, msg: Any) -> None:
        """The remote agent speaks in its own process; the proxy stays quiet."""

    # --- state ----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The remote agent's state once everything sent so far has been handled."""
        ph = RemotePlaceholder(self.name, 0)
        ph.producer = self
        get_runtime().submit(self.enqueue, STATE, None, ph)
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
        instead of dragging this process's loop and link along. An agent this process
        moved is first known to be hosted (its ADD has reached the host), so the other side
        can never call it before it arrives."""
        if self._blob is not None and not get_runtime().on_loop_thread():
            self.state_dict()  # a round trip behind the ADD, on the same ordered link
        return (_reconnect, (self.name, self.agent_class, self.host.handle, self._agent_id,
                             self.timeout, self._link.timeout, self.host.max_restarts,
                             dict(self._remote)))


_attached: dict[Any, AgentHost] = {}


def _reconnect(name: str, agent_class: str, handle: Any, agent_id: str, timeout: float | None,
               link_timeout: float, max_restarts: int,
               methods: Mapping[str, bool] | None = None) -> DistributedAgent:
    """The proxy of an agent that is already hosted: no ADD; one link per host per process.

    The process that moved the agent owns it (it re-adds it if the host restarts); proxies
    made here only send it calls and observes, and keep no state snapshots.
    """
    key = getattr(handle, "_actor_id", None) or id(handle)  # Ray's id of the host actor
    host = _attached.get(key)
    if host is None:
        host = AgentHost.attached(handle, timeout=link_timeout, max_restarts=max_restarts)
        _attached[key] = host
    return DistributedAgent.attach(host, agent_id, name, agent_class, methods=methods or {},
                                   timeout=timeout)




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
        host = host_named(host, resources=resources, node=node, max_restarts=max_restarts,
                          timeout=timeout, address=address)
    return DistributedAgent(agent, host, keep_state=keep_state, timeout=timeout)


__all__ = ["DistributedAgent", "to_dist"]
