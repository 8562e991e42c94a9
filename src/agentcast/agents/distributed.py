"""DistributedAgent: the local face of an agent moved into a Ray actor by ``to_dist``.

Why a proxy that *is* an Agent (built through ``Agent.__init__``): pipelines, hubs and
placeholders keep working unchanged. Its mailbox entries go, in order, into the host's
link (:mod:`agentcast.runtime.ray_link`); the Ray plumbing lives in
:mod:`agentcast.runtime.ray_backend`. Ray is optional (extra ``agentcast[ray]``).
"""

from __future__ import annotations

from typing import Any

from agentcast.agents.base import Agent
from agentcast.memory.list_memory import ListMemory
from agentcast.runtime.actor import MARK, OBSERVE
from agentcast.runtime.ray_backend import (
    DEFAULT_MAX_RESTARTS,
    DEFAULT_TIMEOUT,
    AgentHost,
    ensure_ray,
    host_named,
    next_agent_id,
)
from agentcast.runtime.ray_host import ADD, STATE, dumps_agent
from agentcast.runtime.ray_link import RemotePlaceholder
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
        self.agent_class = type(agent).__name__
        self.host = host
        self.keep_state = keep_state
        self.timeout = timeout
        self._agent_id = next_agent_id()
        self._blob = dumps_agent(agent)
        self._state_ref: Any = None
        self._link = host.link
        self._link.agents[self._agent_id] = self
        get_runtime().submit(self._link.push, ADD, self, (self._blob, None), None)

    # --- entries go to the host's link, in order -------------------------------------
    def __call__(self, x: Any = None) -> RemotePlaceholder:
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
