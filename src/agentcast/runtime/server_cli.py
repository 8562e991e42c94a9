"""``agentcast server``: join this machine to a Ray cluster and host agents on it.

A thin wrapper over ``ray start --block`` (the paper's agent server): the process stays in
the foreground, keeps the PID it was started with, and stops its Ray node when terminated.
Agents are then placed here with ``to_dist(resources={...})`` or ``to_dist(node=IP)``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--address", help="HEAD:PORT of the cluster to join")
    parser.add_argument("--head", action="store_true",
                        help="start a new cluster here instead of joining one")
    parser.add_argument("--port", type=int, default=6379, help="GCS port when --head")
    parser.add_argument("--resources", default=None,
                        help='custom resources of this machine, JSON: \'{"org_b": 1}\'')
    parser.add_argument("--node-ip-address", default=None, help="the IP others reach us at")
    parser.add_argument("--num-cpus", type=int, default=None)
    parser.add_argument("--dry-run", action="store_true", help="print the ray command only")


def command(args: argparse.Namespace) -> list[str]:
    """The ``ray start`` command line this server runs."""
    if not args.head and not args.address:
        raise SystemExit("agentcast server: give --address HEAD:PORT, or --head")
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
    if args.node_ip_address:
        cmd += [f"--node-ip-address={args.node_ip_address}"]
    if args.num_cpus is not None:
        cmd += [f"--num-cpus={args.num_cpus}"]
    return cmd


def run(args: argparse.Namespace) -> int:
    cmd = command(args)
    if args.dry_run:
        print(" ".join(cmd))
        return 0
    try:
        import ray  # noqa: F401 - fail early with the extra's name
    except ImportError:
        from agentcast.exceptions import MissingExtraError

        print(MissingExtraError("ray", "ray", "agentcast server"), file=sys.stderr)
        return 1
    sys.stdout.flush()
    os.execv(cmd[0], cmd)  # keep our PID: stopping it stops the node
    return 0  # pragma: no cover - exec does not return
