"""``agentcast approvals``: list, approve and deny the tool calls that wait for a person."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os

from agentcast.durable import approvals


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dir", default=os.environ.get("AGENTCAST_RUN_DIR", "runs"),
                   help="directory holding the runs (default: ./runs)")
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    ls = sub.add_parser("list", help="requests, newest last (the default: pending ones)")
    ls.add_argument("--all", action="store_true", help="every request, decided ones too")
    for name in ("approve", "deny"):
        d = sub.add_parser(name, help=f"{name} a request by its id")
        d.add_argument("request_id")
        d.add_argument("--reason", default="")
        d.add_argument("--by", default="")
    for q in sub.choices.values():
        q.add_argument("--dir", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    from agentcast.exceptions import ApprovalError

    action = args.action or "list"
    if action == "list":
        show_all = getattr(args, "all", False)
        rows = approvals.list_requests(args.dir, None if show_all else "pending")
        if not rows:
            print("no approval requests" if show_all else "no pending approval requests")
            return 0
        for r in rows:
            when = dt.datetime.fromtimestamp(r["requested"]).strftime("%Y-%m-%d %H:%M:%S")
            print(f"{r['id']}  {r['status']:<9} {when}  run {r['run_id']}  {r['agent'] or '-'}"
                  f" -> {r['tool']}({r['arguments']})  args sha {r['args_hash']}")
        return 0
    try:
        row = approvals.decide(args.request_id, action == "approve", run_dir=args.dir,
                               by=args.by or getpass.getuser(), reason=args.reason)
    except (KeyError, ApprovalError) as exc:
        print(f"error: {exc.args[0]}")
        return 1
    print(f"{row['id']}: {row['status']} ({row['tool']} {row['arguments']})")
    return 0
