"""Budgets hold under concurrency against a real HTTP model server: 100 calls at once (on
one event loop, and from 100 threads), streamed calls, calls without ``max_tokens``.

The server (OpenAITestServer) bills what it received: prompt tokens are its request body's
length / 4, which is more than the monitor's estimate of the messages, as with a real
provider. The budget sits exactly where the old admission (estimate + max_tokens) let calls
pass the limit."""

from __future__ import annotations

import asyncio
import threading

import pytest

from agentcast.exceptions import BudgetExceeded
from agentcast.message import Msg
from agentcast.models.openai_chat import OpenAIChatModel
from agentcast.observe import Budget, start_run
from agentcast.observe.monitor import estimate_tokens
from agentcast.testing import OpenAITestServer

PROMPT = [Msg("user", "word " * 240, role="user")]  # about 300 tokens
MAX_TOKENS = 10
N = 100


@pytest.fixture
def server():
    with OpenAITestServer(default="ok") as srv:
        yield srv


def boundary() -> int:
    """Room for three calls as the old admission counted them (estimate + max_tokens)."""
    return 3 * (estimate_tokens(PROMPT) + MAX_TOKENS)


def model(server, **kw) -> OpenAIChatModel:
    return OpenAIChatModel(model_name="gpt-4o", base_url=server.base_url, api_key="k", **kw)


def billed(server) -> int:
    """What the server billed, from its own records (prompt = body / 4, completion 1)."""
    return sum(max(1, len(r.body) // 4) + 1 for r in server.requests if r.fault is None)


def check(results, server, run, limit):
    refused = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(r, BudgetExceeded) for r in refused), refused[:3]
    admitted = len(results) - len(refused)
    assert 1 <= admitted == len(server.requests)
    assert billed(server) <= limit
    assert run.monitor.usage()["total"]["total_tokens"] == billed(server)
    return admitted


def test_100_concurrent_calls_on_one_loop_never_pass_the_budget(server, tmp_path):
    limit = boundary()
    run = start_run(tmp_path, console=False, save_log=False, save_store=False,
                    budgets=Budget(max_tokens=limit))
    m = model(server)

    async def all_at_once():
        return await asyncio.gather(*[m(PROMPT, max_tokens=MAX_TOKENS) for _ in range(N)],
                                    return_exceptions=True)

    check(asyncio.run(all_at_once()), server, run, limit)
    # later calls, after the reported usage taught the monitor the real prompt size
    for _ in range(5):
        try:
            asyncio.run(m(PROMPT, max_tokens=MAX_TOKENS))
        except BudgetExceeded:
            pass
    assert billed(server) <= limit


def test_100_threads_never_pass_the_budget(server, tmp_path):
    limit = boundary()
    run = start_run(tmp_path, console=False, save_log=False, save_store=False,
                    budgets=Budget(max_tokens=limit))
    results: list = [None] * N
    gate = threading.Barrier(N, timeout=30)

    def worker(i: int) -> None:
        m = model(server)
        gate.wait()
        try:
            results[i] = asyncio.run(m(PROMPT, max_tokens=MAX_TOKENS))
        except BaseException as exc:
            results[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    check(results, server, run, limit)


def test_dollar_budget_under_concurrency(server, tmp_path):
    limit_tokens = boundary()
    # $1 per 1M tokens in and out: the dollar limit is the token boundary in micro-dollars
    run = start_run(tmp_path, console=False, save_log=False, save_store=False,
                    prices={"gpt-4o": (1, 1)}, budgets=Budget(max_cost=limit_tokens / 1e6))
    m = model(server)

    async def all_at_once():
        return await asyncio.gather(*[m(PROMPT, max_tokens=MAX_TOKENS) for _ in range(N)],
                                    return_exceptions=True)

    check(asyncio.run(all_at_once()), server, run, limit_tokens)
    assert run.monitor.usage()["total"]["cost"] <= limit_tokens / 1e6


@pytest.mark.parametrize("how", ["on_chunk", "stream"])
def test_streamed_calls_are_admitted_and_counted(server, tmp_path, how):
    limit = boundary()
    run = start_run(tmp_path, console=False, save_log=False, save_store=False,
                    budgets=Budget(max_tokens=limit))
    m = model(server)

    async def one():
        if how == "on_chunk":
            return await m(PROMPT, max_tokens=MAX_TOKENS, stream=True, on_chunk=lambda c: None)
        return [c async for c in m.stream(PROMPT, max_tokens=MAX_TOKENS, stream=True)]

    async def all_at_once():
        return await asyncio.gather(*[one() for _ in range(N)], return_exceptions=True)

    check(asyncio.run(all_at_once()), server, run, limit)


def test_a_call_without_max_tokens_is_capped_by_what_it_reserved(tmp_path):
    """The server honours max_tokens like a real provider and otherwise answers 200 tokens."""

    def answer(req):
        cap = req.json.get("max_tokens") or 200
        n = min(cap, 200)
        return {"text": "x" * (4 * n), "usage": {"prompt_tokens": len(req.body) // 4,
                                                 "completion_tokens": n}}

    with OpenAITestServer(default=answer) as srv:
        limit = 1000
        run = start_run(tmp_path, console=False, save_log=False, save_store=False,
                        budgets=Budget(max_tokens=limit))
        m = model(srv)

        async def all_at_once():
            return await asyncio.gather(*[m(PROMPT) for _ in range(20)], return_exceptions=True)

        results = asyncio.run(all_at_once())
        assert all(isinstance(r, BudgetExceeded) for r in results if isinstance(r, Exception))
        sent = [r.json.get("max_tokens") for r in srv.requests]
        assert sent and all(isinstance(c, int) and 1 <= c <= 1024 for c in sent)
        assert run.monitor.usage()["total"]["total_tokens"] <= limit


def test_a_call_refused_by_a_later_guard_gives_its_reservation_back(server, tmp_path):
    from agentcast import hooks

    limit = boundary()
    run = start_run(tmp_path, console=False, save_log=False, save_store=False,
                    budgets=Budget(max_tokens=limit))
    m = model(server)

    def no(info):
        raise BudgetExceeded("refused by another guard")

    remove = hooks.add_guard(no)
    for _ in range(10):
        with pytest.raises(BudgetExceeded, match="another guard"):
            asyncio.run(m(PROMPT, max_tokens=MAX_TOKENS))
    remove()
    asyncio.run(m(PROMPT, max_tokens=MAX_TOKENS))  # the budget's room is all still there
    assert len(server.requests) == 1 and run.monitor.usage()["total"]["calls"] == 1
