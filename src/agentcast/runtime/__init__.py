"""agentcast.runtime"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentcast._lazy import lazy_exports

if TYPE_CHECKING:
    from agentcast.agents.distributed import DistributedAgent as DistributedAgent
    from agentcast.agents.distributed import to_dist as to_dist
    from agentcast.runtime.actor import Actor as Actor
    from agentcast.runtime.actor import gather as gather
    from agentcast.runtime.actor import runtime_status as runtime_status
    from agentcast.runtime.actor import stuck_agents as stuck_agents
    from agentcast.runtime.actor import wait_all as wait_all
    from agentcast.runtime.actor import wait_all_async as wait_all_async
    from agentcast.runtime.agent_server import AgentServer as AgentServer
    from agentcast.runtime.agent_server import AgentServerClient as AgentServerClient
    from agentcast.runtime.agent_server import stop_server as stop_server
    from agentcast.runtime.agent_server_cli import add_arguments as add_arguments
    from agentcast.runtime.agent_server_cli import run as run
    from agentcast.runtime.eager import start_task as start_task
    from agentcast.runtime.placeholder import Placeholder as Placeholder
    from agentcast.runtime.placeholder import resolved as resolved
    from agentcast.runtime.placeholder import run_callbacks as run_callbacks
    from agentcast.runtime.ray_backend import AgentHost as AgentHost
    from agentcast.runtime.ray_backend import configure as configure
    from agentcast.runtime.ray_backend import ensure_ray as ensure_ray
    from agentcast.runtime.ray_backend import host_actor_class as host_actor_class
    from agentcast.runtime.ray_backend import host_named as host_named
    from agentcast.runtime.ray_backend import import_ray as import_ray
    from agentcast.runtime.ray_backend import next_agent_id as next_agent_id
    from agentcast.runtime.ray_backend import node_strategy as node_strategy
    from agentcast.runtime.ray_host import AgentHostActor as AgentHostActor
    from agentcast.runtime.ray_host import Answer as Answer
    from agentcast.runtime.ray_host import Envelope as Envelope
    from agentcast.runtime.ray_host import RefInput as RefInput
    from agentcast.runtime.ray_host import dumps_agent as dumps_agent
    from agentcast.runtime.ray_host import unwire_error as unwire_error
    from agentcast.runtime.ray_host import wire_error as wire_error
    from agentcast.runtime.ray_link import BadReply as BadReply
    from agentcast.runtime.ray_link import Link as Link
    from agentcast.runtime.ray_link import RemotePlaceholder as RemotePlaceholder
    from agentcast.runtime.ray_link import decode_results as decode_results
    from agentcast.runtime.ray_net import auth_env as auth_env
    from agentcast.runtime.ray_net import binds_loopback_only as binds_loopback_only
    from agentcast.runtime.ray_net import check_loopback as check_loopback
    from agentcast.runtime.ray_net import ensure_token as ensure_token
    from agentcast.runtime.ray_net import host_of as host_of
    from agentcast.runtime.ray_net import local_env as local_env
    from agentcast.runtime.ray_net import loopback_only as loopback_only
    from agentcast.runtime.ray_net import private_token_file as private_token_file
    from agentcast.runtime.ray_net import token_available as token_available
    from agentcast.runtime.remote_methods import async_func as async_func
    from agentcast.runtime.remote_methods import remote_callables as remote_callables
    from agentcast.runtime.remote_methods import sync_func as sync_func
    from agentcast.runtime.scheduler import Runtime as Runtime
    from agentcast.runtime.scheduler import get_runtime as get_runtime
    from agentcast.runtime.scheduler import hopeless as hopeless
    from agentcast.runtime.scheduler import tune_gc as tune_gc

# public name -> module that defines it (one line each; keep the three lists in step)
_EXPORTS: dict[str, str] = {
    "Actor": "agentcast.runtime.actor",
    "AgentHost": "agentcast.runtime.ray_backend",
    "AgentHostActor": "agentcast.runtime.ray_host",
    "AgentServer": "agentcast.runtime.agent_server",
    "AgentServerClient": "agentcast.runtime.agent_server",
    "DistributedAgent": "agentcast.agents.distributed",
    "Link": "agentcast.runtime.ray_link",
    "RefInput": "agentcast.runtime.ray_host",
    "RemotePlaceholder": "agentcast.runtime.ray_link",
    "Runtime": "agentcast.runtime.scheduler",
    "add_arguments": "agentcast.runtime.agent_server_cli",
    "async_func": "agentcast.runtime.remote_methods",
    "configure": "agentcast.runtime.ray_backend",
    "dumps_agent": "agentcast.runtime.ray_host",
    "ensure_ray": "agentcast.runtime.ray_backend",
    "gather": "agentcast.runtime.actor",
    "get_runtime": "agentcast.runtime.scheduler",
    "host_actor_class": "agentcast.runtime.ray_backend",
    "import_ray": "agentcast.runtime.ray_backend",
    "node_strategy": "agentcast.runtime.ray_backend",
    "remote_callables": "agentcast.runtime.remote_methods",
    "run": "agentcast.runtime.agent_server_cli",
    "start_task": "agentcast.runtime.eager",
    "sync_func": "agentcast.runtime.remote_methods",
    "to_dist": "agentcast.agents.distributed",
    "tune_gc": "agentcast.runtime.scheduler",
    "unwire_error": "agentcast.runtime.ray_host",
    "wait_all": "agentcast.runtime.actor",
    "wait_all_async": "agentcast.runtime.actor",
    "wire_error": "agentcast.runtime.ray_host",
    "stop_server": "agentcast.runtime.agent_server",
    "local_env": "agentcast.runtime.ray_net",
    "host_of": "agentcast.runtime.ray_net",
    "binds_loopback_only": "agentcast.runtime.ray_net",
    "token_available": "agentcast.runtime.ray_net",
    "auth_env": "agentcast.runtime.ray_net",
    "ensure_token": "agentcast.runtime.ray_net",
    "private_token_file": "agentcast.runtime.ray_net",
    "loopback_only": "agentcast.runtime.ray_net",
    "check_loopback": "agentcast.runtime.ray_net",
    "runtime_status": "agentcast.runtime.actor",
    "run_callbacks": "agentcast.runtime.placeholder",
    "Placeholder": "agentcast.runtime.placeholder",
    "resolved": "agentcast.runtime.placeholder",
    "host_named": "agentcast.runtime.ray_backend",
    "next_agent_id": "agentcast.runtime.ray_backend",
    "stuck_agents": "agentcast.runtime.actor",
    "BadReply": "agentcast.runtime.ray_link",
    "decode_results": "agentcast.runtime.ray_link",
    "hopeless": "agentcast.runtime.scheduler",
    "Envelope": "agentcast.runtime.ray_host",
    "Answer": "agentcast.runtime.ray_host",
}

__all__ = [
    "Actor",
    "AgentHost",
    "AgentHostActor",
    "AgentServer",
    "AgentServerClient",
    "Answer",
    "BadReply",
    "DistributedAgent",
    "Envelope",
    "Link",
    "Placeholder",
    "RefInput",
    "RemotePlaceholder",
    "Runtime",
    "add_arguments",
    "async_func",
    "auth_env",
    "binds_loopback_only",
    "check_loopback",
    "configure",
    "decode_results",
    "dumps_agent",
    "ensure_ray",
    "ensure_token",
    "gather",
    "get_runtime",
    "hopeless",
    "host_actor_class",
    "host_named",
    "host_of",
    "import_ray",
    "local_env",
    "loopback_only",
    "next_agent_id",
    "node_strategy",
    "private_token_file",
    "remote_callables",
    "resolved",
    "run",
    "run_callbacks",
    "runtime_status",
    "start_task",
    "stop_server",
    "stuck_agents",
    "sync_func",
    "to_dist",
    "token_available",
    "tune_gc",
    "unwire_error",
    "wait_all",
    "wait_all_async",
    "wire_error",
]

__getattr__, __dir__ = lazy_exports("agentcast.runtime", globals(), _EXPORTS)
