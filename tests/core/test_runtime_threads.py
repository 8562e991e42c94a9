"""Plain threads that call agents and wait: found by the differential test (test_differential).

Both bugs hung a thread for its whole timeout (forever with the default): ``wait_all`` from a
thread while another thread drove the loop, and several threads making the first use of the
runtime at once (each made a loop of its own, and work went to a loop nobody ran).
"""

from __future__ import annotations

import asyncio
import threading
import time

import agentcast as ac
from agentcast import Msg

from .diffprog import AsyncStep, SyncStep


def test_wait_all_from_a_thread_while_another_thread_drives_the_loop():
    AsyncStep("warm")(Msg("u", 1)).result()
    slow = AsyncStep("slow", delay=0.5)
    t = threading.Thread(target=lambda: slow(Msg("u", 1)).result())  # drives for 0.5 s
    t.start()
    time.sleep(0.1)
    t0 = time.perf_counter()
    assert ac.wait_all(timeout=10)
    assert time.perf_counter() - t0 < 3.0, "wait_all waited for its timeout, not the work"
    t.join(10)
    assert not t.is_alive()


def _first_use_from_threads(n: int) -> dict[int, str]:
    results: dict[int, str] = {}
    barrier = threading.Barrier(n)

    def work(i: int) -> None:
        agent = (SyncStep if i % 2 else AsyncStep)(f"t{i}", k=i, delay=0.002)
        barrier.wait(10)
        for j in range(10):
            agent(Msg("u", j))
            t0 = time.perf_counter()
            if not ac.wait_all(timeout=2):
                results[i] = f"wait_all timed out in round {j} after {time.perf_counter() - t0:.1f} s"
                return
        results[i] = "ok"

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_threads_that_use_the_runtime_first_at_once_share_one_loop():
    import sys

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often: the race shows in a few rounds
    try:
        for _ in range(25):
            async def close_the_loop() -> None:  # afterwards the runtime has no usable loop
                await AsyncStep("async")(Msg("u", 1))

            asyncio.run(close_the_loop())
            assert _first_use_from_threads(8) == {i: "ok" for i in range(8)}
    finally:
        sys.setswitchinterval(interval)
