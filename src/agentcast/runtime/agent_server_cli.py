"""``agentcast agent-server``: run a named agent server in the foreground.

Joins the Ray cluster (``--address`` or RAY_ADDRESS), launches the server, prints one line
saying it is ready, and shuts it down on SIGINT/SIGTERM. Other processes then use
``AgentServerClient(NAME)`` or ``agent.to_dist(host=NAME)``.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name", default="agent-server", help="the server's name")
    parser.add_argument("--address", default=None, help="HEAD:PORT of the Ray cluster")
    parser.add_argument("--resources", default=None,
                        help='custom resources to place it by, JSON: \'{"org_b": 1}\'')
    parser.add_argument("--node", default=None, help="IP or Ray node id to run it on")
    parser.add_argument("--model-configs", default=None,
                        help="JSON/YAML file of model configs loaded in the server")
    parser.add_argument("--keep", action="store_true",
                        help="leave the server running when this command exits")


def run(args: argparse.Namespace) -> int:
    from agentcast.exceptions import AgentcastError
    from agentcast.runtime.agent_server import AgentServer

    resources = None
    if args.resources:
        try:
            resources = json.loads(args.resources)
        except ValueError as exc:
            print(f"agentcast agent-server: --resources is not JSON: {exc}", file=sys.stderr)
            return 2
    configs = None
    stop = threading.Event()
    try:
        if args.model_configs:
            from agentcast.models.registry import read_config_file, validate_model_config

            configs = read_config_file(args.model_configs)
            for i, config in enumerate(configs if isinstance(configs, list) else [configs]):
                validate_model_config(config, i)  # fail here, not inside the server
        server = AgentServer(args.name, address=args.address, resources=resources,
                             node=args.node, model_configs=configs).launch()
    except AgentcastError as exc:
        print(f"agentcast agent-server: {exc}", file=sys.stderr)
        return 1
    for sig in (signal.SIGINT, signal.SIGTERM):  # after Ray's init, which sets its own
        signal.signal(sig, lambda *_: stop.set())
    print(f"agent server {args.name!r} ready", flush=True)
    while not stop.wait(3600):  # until a signal; the wait is re-armed each hour
        pass
    if not args.keep:
        server.shutdown()
    print(f"agent server {args.name!r} stopped", flush=True)
    return 0
