"""Sandbox cost: wall ms of one ``run_python("pass")`` (median of 9), per mode, without and
with a workdir to copy in and out (20 files, 1 MB). Not a BENCH.md workload; it shows what
isolation costs per code execution."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time

from _common import emit, median_of

from agentcast.tools.sandbox import Sandbox


def timed(sbx: Sandbox, workdir: str | None) -> float:
    t0 = time.perf_counter()
    result = asyncio.run(sbx.run_python("pass", workdir=workdir))
    assert result.ok, result.summary()
    return (time.perf_counter() - t0) * 1000


def main() -> None:
    wd = tempfile.mkdtemp(prefix="agentcast-bench-")
    try:
        for i in range(20):
            with open(os.path.join(wd, f"f{i}.bin"), "wb") as fh:
                fh.write(os.urandom(50_000))
        modes = [("bwrap", Sandbox())]
        if os.geteuid() == 0 and shutil.which("/usr/bin/python3"):
            modes.append(("rlimits-unsafe",
                          Sandbox(mode="rlimits-unsafe", interpreter="/usr/bin/python3")))
        for name, sbx in modes:
            timed(sbx, None)  # warm-up (probe)
            for label, workdir in (("empty", None), ("workdir_1mb", wd)):
                value, runs = median_of(9, lambda s=sbx, w=workdir: timed(s, w))
                emit(f"sandbox_{name}_{label}", value, "ms", "report only", runs=runs,
                     python=sys.version.split()[0])
    finally:
        shutil.rmtree(wd, ignore_errors=True)


if __name__ == "__main__":
    main()
