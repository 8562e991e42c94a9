"""The differential test of the runtime (tests/core/test_differential.py) with about half of
each program's agents moved by ``to_dist()`` onto a real Ray: every read, result and memory
must still equal the sequential reference."""

from __future__ import annotations

import pytest

from agentcast.runtime.ray_backend import AgentHost

from ..core import diffprog
from ..core.test_differential import NEEDS_EXPLICIT_SETTLE, _report

pytestmark = [pytest.mark.ray, pytest.mark.slow, pytest.mark.timeout(240)]


def test_programs_with_distributed_agents_match_the_reference(ray_cluster):
    host = AgentHost("differential-host")
    progs = [diffprog.generate(s, max_ops=16, dist_fraction=0.5) for s in range(5000, 5300)]
    progs += [diffprog.generate(s, max_ops=40, max_delay=0.02, dist_fraction=0.5)
              for s in range(6000, 6030)]
    assert sum(a.dist for p in progs for a in p.agents) > 500

    def run(prog: diffprog.Program):
        return diffprog.run_script(prog, settle=NEEDS_EXPLICIT_SETTLE, host=host)

    failures = []
    for prog in progs:
        try:
            got = run(prog)
        except Exception as exc:  # reported with its seed
            got = exc
        if isinstance(got, BaseException) or got != diffprog.reference(prog):
            failures.append((prog, got))
            if len(failures) >= 3 or diffprog.stuck(got):
                break
    assert not failures, _report("script + Ray", failures, run)
