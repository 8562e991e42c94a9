"""The ``agentcast`` command. Each subcommand lives in its own module and loads lazily.

Subcommand modules expose ``add_arguments(parser)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "runs": ("agentcast.observe.cli", "list recorded runs; `runs show ID` prints a transcript"),
    "server": ("agentcast.runtime.server_cli", "join a Ray cluster and host agents here"),
    "agent-server": ("agentcast.runtime.agent_server_cli",
                     "run a named agent server others create agents on (AgentScope's launcher)"),
    "serve": ("agentcast.a2a", "serve an agent over A2A: `serve app.py:agent --port 8000`"),
    "studio": ("agentcast.studio.cli", "web UI over recorded and running runs (extra: studio)"),
    "approvals": ("agentcast.durable.approvals_cli", "list, approve or deny tool calls that "
                  "wait for a person"),
    "resume": ("agentcast.durable.cli", "re-run a script against a durable run's record: "
               "`resume RUN_ID script.py [args]`"),
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="agentcast", description="agentcast command line")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    argv = list(sys.argv[1:] if argv is None else argv)
    wanted = argv[0] if argv and not argv[0].startswith("-") else None
    for name, (module_name, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        if name == wanted:  # import only the subcommand being run
            module = importlib.import_module(module_name)
            module.add_arguments(p)
            p.set_defaults(_module=module)
    args = parser.parse_args(argv)
    if not getattr(args, "_module", None):
        parser.print_help()
        return 0 if args.command is None else 2
    return int(args._module.run(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
