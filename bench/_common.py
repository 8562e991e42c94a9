"""Shared helpers for the benchmark scripts: RSS, JSON-lines output, repeated runs."""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
os.environ.setdefault("AGENTCAST_QUIET", "1")


def rss_kb() -> int:
    """Current resident set size of this process in KB."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit(workload: str, value: float, unit: str, target: str, **extra: Any) -> None:
    row = {"workload": workload, "value": round(value, 4), "unit": unit, "target": target, **extra}
    print(json.dumps(row), flush=True)


def median_of(runs: int, fn: Callable[[], float]) -> tuple[float, list[float]]:
    values = [fn() for _ in range(runs)]
    return statistics.median(values), [round(v, 4) for v in values]
