"""``agentcast runs`` (list recorded runs) and ``agentcast runs show ID`` (a transcript)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
from typing import Any

from agentcast.observe import query


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", default=os.environ.get("AGENTCAST_RUN_DIR", "runs"),
                        help="directory holding the runs (default: ./runs)")
    sub = parser.add_subparsers(dest="runs_command", metavar="ACTION")
    listing = sub.add_parser("list", help="list runs, newest first (the default)")
    show = sub.add_parser("show", help="print the transcript of one run")
    for p in (listing, show):  # --dir also after the action; SUPPRESS keeps the outer value
        p.add_argument("--dir", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    show.add_argument("run_id", help="run id (or a unique prefix of it)")
    show.add_argument("--agent", default=None, help="only what this agent sent or received")
    show.add_argument("--json", action="store_true", help="print messages as JSON lines")


def _when(ts: float | None) -> str:
    if not ts:
        return "-"
    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")


def _text(content: Any) -> str:
    return content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)


def list_command(run_dir: str) -> int:
    runs = query.list_runs(run_dir)
    if not runs:
        print(f"no runs in {run_dir!r}")
        return 0
    rows = [("RUN ID", "NAME", "STARTED", "STATUS", "MSGS", "CALLS", "TOKENS", "COST $")]
    for r in runs:
        u = r["usage"]
        rows.append((r["run_id"], r["name"] or "-", _when(r["started"]), r["status"],
                     str(r["messages"]), str(u["calls"]), str(u["total_tokens"]),
                     f"{u['cost']:.4f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def show_command(run_dir: str, run_id: str, agent: str | None, as_json: bool) -> int:
    try:
        run = query.get_run(run_id, run_dir)
    except KeyError as exc:
        print(f"error: {exc.args[0]}")
        return 1
    rid = run["run_id"]
    msgs = query.messages(rid, agent=agent, run_dir=run_dir)
    if as_json:
        for m in msgs:
            print(json.dumps(m, ensure_ascii=False))
        return 0
    title = f"run {rid}" + (f" ({run['name']})" if run["name"] else "")
    print(f"{title}  started {_when(run['started'])}  ended {_when(run['ended'])}  "
          f"[{run['status']}]")
    print()
    for m in msgs:
        receivers = ", ".join(sorted(m["receivers"])) if m["receivers"] else "-"
        seq = f" {m['seq_id']}" if m["seq_id"] else ""
        when = dt.datetime.fromtimestamp(m["timestamp"] or m["recorded"]).strftime("%H:%M:%S")
        print(f"[{when}]{seq} {m['sender']} -> {receivers}")
        for line in _text(m["content"]).splitlines() or [""]:
            print(f"    {line}")
        url = m["url"]
        for u in (url if isinstance(url, list) else [url] if url else []):
            print(f"    [attachment] {u}")
    errors = [e for e in query.agent_events(rid, run_dir=run_dir) if e["event"] == "reply_error"]
    for e in errors:
        print(f"[error] {e['agent']} {e['detail'].get('seq_id')}: {e['detail'].get('error')}")
    u = run["usage"]
    print()
    print(f"{len(msgs)} messages, {u['calls']} model calls, {u['prompt_tokens']} prompt + "
          f"{u['completion_tokens']} completion tokens, ${u['cost']:.6f}"
          + (f" (+ {u['unpriced_calls']} unpriced calls)" if u["unpriced_calls"] else ""))
    return 0


def run(args: argparse.Namespace) -> int:
    if getattr(args, "runs_command", None) == "show":
        return show_command(args.dir, args.run_id, args.agent, args.json)
    return list_command(args.dir)
