"""A workflow mixing an in-process agent and two agents on Ray (one host), for the crash
tests: a hub, a pipeline, a loop with branches and a chain from one Ray agent to the other.
Every model is the test server at URL, where requests are counted.

Environment: RUN_DIR, RUN_ID (resume when set), URL, OUT (final outputs and memories as
JSON), PIDS (the Ray host's pid is written there), KILL_RECORD=n (SIGKILL right after the
n-th call record is stored, before delivery).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2]))  # tests.durable.ray_agents

import agentcast as ac  # noqa: E402
from agentcast.runtime.ray_backend import AgentHost  # noqa: E402
from tests.durable.kill_points import kill_after_record  # noqa: E402
from tests.durable.ray_agents import ServedDialog, Thinker  # noqa: E402

KILL_RECORD = int(os.environ.get("KILL_RECORD", "0"))
kill_after_record(KILL_RECORD)


def main() -> None:
    ac.init(run_dir=os.environ["RUN_DIR"], durable=True, resume=os.environ.get("RUN_ID"),
            logger_level="WARNING", seed=5)
    url = os.environ["URL"]
    host = AgentHost()
    ann = ServedDialog("Ann", url)
    bob = Thinker("Bob", url).to_dist(host=host)  # two model calls a reply
    cyd = ServedDialog("Cyd", url).to_dist(host=host)
    Path(os.environ["PIDS"]).write_text(str(host.pid()))
    with ac.msghub([ann, bob, cyd], announcement=ac.Msg("host", "Plan a trip.", role="user")):
        ann()
        bob()
        cyd()
    x = ac.sequential_pipeline([ann, bob, cyd], ac.Msg("user", "Where to?", role="user"))
    picks = []
    for i in range(3):
        x = bob(x) if len(x.content) % 2 else ann(x)
        picks.append(x.name)
        if i == 1:
            x = cyd(bob(x))  # Ray agent to Ray agent
    out = {a.name: [m.content for m in a.memory.get()] for a in (ann, bob, cyd)}
    out["last"] = x.content
    out["picks"] = picks
    out["bob_state"] = [m["content"] for m in bob.state_dict()["memory"]]
    Path(os.environ["OUT"]).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
