"""W9: the cost of durable runs. W1 (5 instant agents, 10,000 hops) and W7 (10,000 agents,
one simulated 1 s model call each, all in flight) with ``ac.init(run_dir=...)`` and with
``ac.init(run_dir=..., durable=True)``, each in a fresh process, alternating; plus the store bytes per recorded call, message content excluded.
Prints one JSON line per workload."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from _common import emit

HERE = os.path.dirname(os.path.abspath(__file__))


def w1(durable: bool, run_dir: str) -> float:
    import agentcast as ac

    ac.init(run_dir=run_dir, durable=durable, logger_level="WARNING")

    class Inc(ac.Agent):
        async def reply(self, x: ac.Msg) -> ac.Msg:
            return ac.Msg(self.name, x.content + 1)

    agents = [Inc(f"a{i}") for i in range(5)]
    for i in range(50):
        ac.sequential_pipeline(agents, ac.Msg("user", i)).content
    t0 = time.perf_counter()
    for i in range(2000):
        assert ac.sequential_pipeline(agents, ac.Msg("user", i)).content == i + 5
    return (time.perf_counter() - t0) / 10_000 * 1e6


def w7(durable: bool, run_dir: str) -> float:
    import agentcast as ac
    from agentcast.testing import FunctionModel

    ac.init(run_dir=run_dir, durable=durable, logger_level="WARNING")
    model = FunctionModel(lambda msgs: "done", latency=1.0)
    agents = [ac.DialogAgent(f"d{i}", model=model) for i in range(10_000)]
    x = ac.Msg("user", "go", role="user")
    t0 = time.perf_counter()
    outs = [a(x) for a in agents]
    assert all(o.content == "done" for o in outs)
    return time.perf_counter() - t0


def bytes_per_call(run_dir: str) -> float:
    """Journal bytes per recorded agent call, less the message content it carries."""
    import marshal

    from agentcast.durable.journal import Journal

    def content(m: object) -> int:  # a message in the journal's compact form
        return len(marshal.dumps(m[3])) if isinstance(m, tuple) and m[:1] == ("m",) else 0

    (run_id,) = os.listdir(run_dir)
    total = calls = 0
    for size, rec in Journal.read_records(os.path.join(run_dir, run_id, "journal.log")):
        total += size
        if rec[0] == "c":
            calls += 1
            total -= content(rec[5])  # the reply's content is content, not overhead
            for added in rec[6].get("add", ()):
                total -= content(added)
            total -= content(rec[6].get("input"))  # a script's input, recorded with its call
        elif rec[0] == "s" and rec[3] == "model" and rec[7]:
            total -= len(marshal.dumps(rec[7].get("text", "")))
    return total / max(1, calls)


def child(which: str, durable: bool) -> None:
    run_dir = tempfile.mkdtemp(prefix="w9-")
    value = (w1 if which == "W1" else w7)(durable, run_dir)
    extra = bytes_per_call(run_dir) if durable else None
    print(json.dumps({"value": value, "bytes": extra}))


def main() -> None:
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 3
    for which, unit in (("W1", "us/hop"), ("W7", "s")):
        off: list[float] = []
        on: list[float] = []
        sizes: list[float] = []
        for _ in range(runs):
            for durable, into in ((False, off), (True, on)):
                out = subprocess.run(
                    [sys.executable, __file__, "--child", which, str(int(durable))],
                    capture_output=True, text=True, check=True, cwd=HERE,
                    env={**os.environ, "AGENTCAST_QUIET": "1"})
                row = json.loads(out.stdout.strip().splitlines()[-1])
                into.append(row["value"])
                if row["bytes"] is not None:
                    sizes.append(row["bytes"])
        m_off, m_on = statistics.median(off), statistics.median(on)
        emit(f"W9-{which}", (m_on / m_off - 1) * 100, "% slower", "<= 20% (W7)",
             off=round(m_off, 4), on=round(m_on, 4), unit_of_runs=unit,
             store_bytes_per_call=round(statistics.median(sizes), 1))


if __name__ == "__main__":
    if "--child" in sys.argv:
        i = sys.argv.index("--child")
        child(sys.argv[i + 1], sys.argv[i + 2] == "1")
    else:
        main()
