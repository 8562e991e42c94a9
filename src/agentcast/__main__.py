"""``python -m agentcast ...``: the ``agentcast`` command, for environments without its script
on PATH (a venv not activated, a notebook's ``!python -m agentcast resume RUN_ID``)."""

from agentcast.cli import main

raise SystemExit(main())
