"""``agentcast resume RUN_ID script.py [args...]``: run the script again, resuming that run.

The script's own ``ac.init(durable=True, ...)`` picks the run id up from the environment, so
the same file works for the first run and for every resume.
"""

from __future__ import annotations

import argparse
import os
import runpy
import sys
from pathlib import Path

from agentcast.durable.session import RESUME_ENV


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("run_id", help="the durable run to resume (see `agentcast runs`)")
    p.add_argument("script", help="the program that made the run")
    p.add_argument("args", nargs=argparse.REMAINDER, help="the script's own arguments")


def run(args: argparse.Namespace) -> int:
    script = Path(args.script)
    if not script.is_file():
        print(f"agentcast resume: no such script: {script}", file=sys.stderr)
        return 2
    os.environ[RESUME_ENV] = args.run_id
    sys.argv = [str(script), *args.args]
    sys.path.insert(0, str(script.resolve().parent))
    runpy.run_path(str(script), run_name="__main__")
    return 0
