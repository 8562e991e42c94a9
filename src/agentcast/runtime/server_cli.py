"""``agentcast server``: join this machine to a Ray cluster and host agents on it.

A thin wrapper over ``ray start --block`` (the paper's agent server): the process stays in
the foreground, keeps the PID it was started with, and stops its Ray node when terminated.
Agents are then placed here with ``to_dist(resources={...})`` or ``to_dist(node=IP)``.

A head listens on 127.0.0.1 only unless ``--node-ip-address`` names another address; a node
that listens on the network runs with Ray's token authentication, and is refused with
``RAY_AUTH_MODE=disabled`` (see :mod:`agentcast.runtime.ray_net` and docs/security.md).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping

from agentcast.exceptions import InsecureServerError
from agentcast.runtime.ray_net import (
    AUTH_MODE,
    LOOPBACK_IP,
    auth_env,
    binds_loopback_only,
    ensure_token,
    host_of,
    local_env,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--address", help="HEAD:PORT of the cluster to join")
    parser.add_argument("--head", action="store_true",
                        help="start a new cluster here instead of joining one")
    parser.add_argument("--port", type=int, default=6379, help="GCS port when --head")
    parser.add_argument("--resources", default=None,
                        help='custom resources of this machine, JSON: \'{"org_b": 1}\'')
    parser.add_argument("--node-ip-address", default=None,
                        help="the IP others reach us at (default 127.0.0.1 for a head: this "
                             "machine only; any other address listens on all interfaces and "
                             "needs Ray token authentication)")
    parser.add_argument("--num-cpus", type=int, default=None)
    parser.add_argument("--dry-run", action="store_true", help="print the ray command only")


def node_ip(args: argparse.Namespace) -> str | None:
    """The node IP to give Ray: as asked; else 127.0.0.1 for a head (this machine only);
    else None (Ray picks this machine's address, for joining a network cluster)."""
    if args.node_ip_address:
        return str(args.node_ip_address)
    return LOOPBACK_IP if args.head else None


def environment(args: argparse.Namespace, environ: Mapping[str, str]) -> dict[str, str]:
    """The environment ``ray start`` runs in: loopback switch and token authentication."""
    ip = node_ip(args)
    env = dict(environ)
    if ip is not None and binds_loopback_only(ip):
        env.update(local_env())
    env.update(auth_env(ip or "this machine's address", environ, head=bool(args.head)))
    return env


def command(args: argparse.Namespace) -> list[str]:
    """The ``ray start`` command line this server runs."""
    if not args.head and not args.address:
        raise SystemExit("agentcast server: give --address HEAD:PORT, or --head")
    if not args.head and binds_loopback_only(host_of(args.address)):
        raise SystemExit(
            "agentcast server: a head on 127.0.0.1 is a one-machine cluster and Ray adds no "
            "nodes to it; start the head with --node-ip-address ADDRESS (it then listens on "
            "all interfaces, with Ray token authentication) and join that address")
    cmd = [sys.executable, "-m", "ray.scripts.scripts", "start", "--block",
           "--disable-usage-stats"]
    if args.head:
        cmd += ["--head", f"--port={args.port}", "--include-dashboard=false"]
    else:
        cmd += [f"--address={args.address}"]
    if args.resources:
        try:
            resources = json.loads(args.resources)
        except ValueError as exc:
            raise SystemExit(f"agentcast server: --resources is not JSON: {exc}") from exc
        if not isinstance(resources, dict):
            raise SystemExit("agentcast server: --resources must be a JSON object")
        cmd += [f"--resources={json.dumps(resources)}"]
    ip = node_ip(args)
    if ip:
        cmd += [f"--node-ip-address={ip}"]
    if args.num_cpus is not None:
        cmd += [f"--num-cpus={args.num_cpus}"]
    return cmd


def run(args: argparse.Namespace) -> int:
    cmd = command(args)
    try:
        env = environment(args, os.environ)
    except InsecureServerError as exc:
        print(f"agentcast server: {exc}", file=sys.stderr)
        return 2
    if args.dry_run:
        extra = {k: v for k, v in env.items() if os.environ.get(k) != v}
        print(" ".join([*(f"{k}={v}" for k, v in sorted(extra.items())), *cmd]))
        return 0
    try:
        import ray  # noqa: F401 - fail early with the extra's name
    except ImportError:
        from agentcast.exceptions import MissingExtraError

        print(MissingExtraError("ray", "ray", "agentcast server"), file=sys.stderr)
        return 1
    ip = node_ip(args) or "this machine's address (all interfaces)"
    if env.get(AUTH_MODE) == "token" and args.head:
        try:
            ensure_token(env)
        except InsecureServerError as exc:
            print(f"agentcast server: {exc}", file=sys.stderr)
            return 2
    where = "this machine only" if binds_loopback_only(ip) else "all interfaces"
    print(f"agentcast server: Ray node on {ip} ({where}); {AUTH_MODE}={env.get(AUTH_MODE)}",
          flush=True)
    sys.stdout.flush()
    os.execve(cmd[0], cmd, env)  # keep our PID: stopping it stops the node
    return 0  # pragma: no cover - exec does not return
