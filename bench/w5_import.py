"""W5: `python -c "import agentcast"` wall ms (median of 5). Also reports loading every
public name, which is what a program using the whole API pays."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ENV = {**os.environ, "PYTHONPATH": os.path.join(HERE, "..", "src")}


def wall_ms(code: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=ENV)
    return (time.perf_counter() - t0) * 1000


if __name__ == "__main__":
    import json

    wall_ms("pass")
    base = statistics.median(wall_ms("pass") for _ in range(5))
    plain = [wall_ms("import agentcast") for _ in range(5)]
    full = [wall_ms("import agentcast as ac\nfor n in ac.__all__: getattr(ac, n)") for _ in range(5)]
    print(json.dumps({
        "workload": "W5", "value": round(statistics.median(plain), 1), "unit": "ms",
        "target": "<= 150", "runs": [round(v, 1) for v in plain],
        "every_public_name_ms": round(statistics.median(full), 1),
        "bare_interpreter_ms": round(base, 1),
    }))
