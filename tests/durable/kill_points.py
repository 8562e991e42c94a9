"""Kill points for the crash tests' workflows: the process dies by SIGKILL right after the
n-th agent call record is stored, before anyone sees that call's result."""

from __future__ import annotations

import os
import signal
from typing import Any

from agentcast.durable.journal import Journal


def kill_after_record(n: int) -> None:
    """From now on, SIGKILL this process just after the ``n``-th call record (0: never)."""
    if not n:
        return
    original = Journal.write_call  # what every agent call's record goes through
    stored = [0]

    def record_then_die(self: Journal, *rec: Any) -> None:
        original(self, *rec)
        stored[0] += 1
        if stored[0] == n:
            os.kill(os.getpid(), signal.SIGKILL)

    Journal.write_call = record_then_die  # type: ignore[method-assign]
