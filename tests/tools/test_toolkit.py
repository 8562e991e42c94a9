"""Toolkit: registration, groups, uniform results, errors the model reads, parallel calls."""

from __future__ import annotations

import asyncio
import time

import pytest

from agentcast import hooks
from agentcast.exceptions import ToolExecutionError
from agentcast.models.base import ToolCall
from agentcast.tools import ServiceFactory, Toolkit, ToolResponse, ToolStatus


def add(a: int, b: int) -> int:
    """Add two numbers.

    Args:
        a: First.
        b: Second.
    """
    return a + b


async def slow_echo(text: str, delay: float = 0.3) -> str:
    """Echo after a delay."""
    await asyncio.sleep(delay)
    return text


def blocking_sleep(seconds: float) -> str:
    """Sleep in a thread."""
    time.sleep(seconds)
    return "slept"


def broken(x: int) -> int:
    """Always fails."""
    raise ValueError(f"cannot handle {x}")


def refuses(x: int) -> int:
    """Fails the way tools should: with a model-facing error."""
    raise ToolExecutionError("x must be even")


def weather(city: str, api_key: str) -> str:
    """Weather for a city."""
    return f"{city}: sunny ({api_key[:2]}..)"


def call(name, args=None, id="c1"):
    return ToolCall(id, name, {} if args is None else args)


async def test_sync_async_and_results():
    tk = Toolkit([add])
    tk.add(slow_echo)
    r = await tk.call(call("add", {"a": 2, "b": 3}))
    assert r == ToolResponse(ToolStatus.SUCCESS, 5)
    r = await tk.call(call("slow_echo", {"text": "hi", "delay": 0}))
    assert r.ok and r.content == "hi"
    assert [s["function"]["name"] for s in tk.schemas()] == ["add", "slow_echo"]


async def test_preset_arguments_are_bound_and_hidden():
    tk = Toolkit()
    tk.add(weather, api_key="secret-key")
    assert "api_key" not in tk.schemas()[0]["function"]["parameters"]["properties"]
    r = await tk.call(call("weather", {"city": "Oslo"}))
    assert r.content == "Oslo: sunny (se..)"
    r = await tk.call(call("weather", {"city": "Oslo", "api_key": "x"}))
    assert not r.ok and "unknown argument 'api_key'" in r.content
    func, schema = ServiceFactory.get(weather, api_key="k2")
    assert func(city="Rome") == "Rome: sunny (k2..)"
    assert schema["function"]["parameters"]["required"] == ["city"]


async def test_every_failure_is_an_error_response():
    tk = Toolkit([add, broken, refuses])
    unknown = await tk.call(call("sub", {"a": 1}))
    assert unknown.status == ToolStatus.ERROR
    assert "no tool named 'sub'" in unknown.content and "add" in unknown.content
    bad = await tk.call(call("add", {"a": "one"}))
    assert not bad.ok and "argument 'a'" in bad.content and "missing required argument 'b'" in bad.content
    bad_json = await tk.call(ToolCall("c", "add", '{"a": 1, "b": '))
    assert not bad_json.ok and "not valid JSON" in bad_json.content
    crash = await tk.call(call("broken", {"x": 3}))
    assert not crash.ok and crash.content == "tool 'broken' failed: ValueError: cannot handle 3"
    polite = await tk.call(call("refuses", {"x": 3}))
    assert not polite.ok and polite.content == "x must be even"
    assert polite.text() == "Error: x must be even"


async def test_groups_switch_tools_on_and_off():
    tk = Toolkit([add])
    tk.create_group("slow", "slow tools")
    tk.add_tool(slow_echo, group="slow")
    assert tk.names() == ["add"]
    r = await tk.call(call("slow_echo", {"text": "x", "delay": 0}))
    assert not r.ok and "no tool named" in r.content
    tk.activate("slow")
    assert tk.names() == ["add", "slow_echo"]
    assert (await tk.call(call("slow_echo", {"text": "x", "delay": 0}))).ok
    tk.deactivate("slow")
    assert len(tk.schemas()) == 1
    with pytest.raises(ValueError):
        tk.deactivate("basic")
    with pytest.raises(ValueError):
        tk.add_tool(add, group="missing")


async def test_calls_run_in_parallel():
    tk = Toolkit([slow_echo, blocking_sleep])
    started = time.perf_counter()
    results = await tk.call_many([
        call("slow_echo", {"text": "a"}, "1"), call("slow_echo", {"text": "b"}, "2"),
        call("blocking_sleep", {"seconds": 0.3}, "3"), call("blocking_sleep", {"seconds": 0.3}, "4"),
    ])
    elapsed = time.perf_counter() - started
    assert [r.content for r in results] == ["a", "b", "slept", "slept"]
    assert elapsed < 1.0  # four 0.3 s calls, sequentially 1.2 s


async def test_timeout_becomes_an_error():
    tk = Toolkit()
    tk.add_tool(slow_echo, timeout=0.05)
    r = await tk.call(call("slow_echo", {"text": "x", "delay": 5}))
    assert not r.ok and "timed out" in r.content


async def test_tool_call_events_are_emitted():
    events = []
    unsubscribe = hooks.subscribe(lambda kind, data: events.append((kind, data)))
    try:
        tk = Toolkit([add, broken])
        await tk.call(call("add", {"a": 1, "b": 2}), agent="alice")
        await tk.call(call("broken", {"x": 1}))
    finally:
        unsubscribe()
    kinds = [e for e in events if e[0] == "tool_call"]
    assert len(kinds) == 2
    ok, bad = kinds[0][1], kinds[1][1]
    assert ok["name"] == "add" and ok["arguments"] == {"a": 1, "b": 2}
    assert ok["status"] == "success" and ok["agent"] == "alice" and ok["error"] is None
    assert ok["duration"] >= 0
    assert bad["status"] == "error" and isinstance(bad["error"], ValueError)


async def test_schema_tool_validation():
    tk = Toolkit()

    async def remote(**kwargs):
        return kwargs

    tk.add_schema_tool("remote", remote, {
        "type": "object", "properties": {"n": {"type": "integer"},
                                         "unit": {"type": "string", "enum": ["s", "m"]}},
        "required": ["n"]}, description="A remote tool")
    assert (await tk.call(call("remote", {"n": 2, "unit": "s"}))).content == {"n": 2, "unit": "s"}
    r = await tk.call(call("remote", {"n": "2", "unit": "h", "x": 1}))
    assert not r.ok
    for part in ("'n' should be of type integer", "'unit' must be one of", "unknown argument 'x'"):
        assert part in r.content
    assert "Expected arguments" in (await tk.call(call("remote", {}))).content
    assert "remote" in tk.describe()


async def test_the_model_can_switch_groups():
    tk = Toolkit([add])
    tk.create_group("echo", "echo things")
    tk.add_tool(slow_echo, group="echo")
    tk.enable_group_switching()
    switch = [s for s in tk.schemas() if s["function"]["name"] == "set_tool_groups"][0]
    assert "echo (echo things)" in switch["function"]["description"]
    r = await tk.call(call("set_tool_groups", {"groups": ["echo"]}))
    assert r.ok and "slow_echo" in r.content and "slow_echo" in tk.names()
    r = await tk.call(call("set_tool_groups", {"groups": ["nope"]}))
    assert not r.ok and "unknown tool group" in r.content
    await tk.call(call("set_tool_groups", {"groups": []}))
    assert tk.names() == ["add", "set_tool_groups"]
