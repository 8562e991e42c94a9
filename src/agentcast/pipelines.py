"""Pipelines: control flow over agents, in functional and class forms.

Every form hands back a placeholder at once. Forms that only chain calls (sequential,
fanout) enqueue straight into the agents' mailboxes; forms that branch or loop on a
message's value run as a small coroutine on the loop, so the caller never blocks.
An operator is an agent, a pipeline, any callable ``op(x) -> Msg | placeholder``, or a
list of those (run in sequence).
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Union

from agentcast import hooks
from agentcast.message import Msg
from agentcast.runtime.placeholder import Placeholder
from agentcast.runtime.scheduler import get_runtime

Operator = Union[Callable[[Any], Any], Sequence[Any]]
log = logging.getLogger("agentcast.pipelines")

DEFAULT_MAX_LOOP = 1000  # while-loops are capped: nothing runs unbounded


_ids = itertools.count(1)


def _trace_start(name: str) -> tuple[str, float] | None:
    """Report a pipeline step's start (for tracing) when anybody listens."""
    if not hooks.listeners:
        return None
    pid, started = f"{name}#{next(_ids)}", time.time()
    hooks.emit("pipeline", {"phase": "start", "id": pid, "name": name, "started": started})
    return pid, started


def _trace_end(trace: tuple[str, float] | None, name: str, result: Any) -> Any:
    """Report the step's end once its (last) result is there; returns ``result``."""
    if trace is None:
        return result
    pid, started = trace
    last = result[-1] if isinstance(result, list) and result else result

    def end(p: Placeholder | None) -> None:
        hooks.emit("pipeline", {"phase": "end", "id": pid, "name": name, "started": started,
                                "ended": time.time(),
                                "error": p._exc if p is not None else None})

    if isinstance(last, Placeholder):
        get_runtime().submit(last.add_done_callback, end)
    else:
        end(None)
    return result


def _call(operator: Operator, x: Any) -> Any:
    if isinstance(operator, (list, tuple)):
        for op in operator:
            x = _call(op, x)
        return x
    return operator(x)  # type: ignore[operator]


async def _value(x: Any) -> Any:
    if isinstance(x, Placeholder):
        return await x
    return x


def _copy_of(x: Any) -> Any:
    """A deep copy of the input, taken when the input is there (without blocking)."""
    if x is None:
        return None
    if isinstance(x, Placeholder):
        copy = Placeholder(x._owner, x._n, x.producer)
        get_runtime().submit(
            x.add_done_callback,
            lambda p: copy.set_exception(p._exc) if p._exc is not None
            else copy.set_result(p._value.copy() if p._value is not None else None),
        )
        return copy
    if isinstance(x, Msg):
        return x.copy()
    if isinstance(x, list):
        return [_copy_of(v) for v in x]
    import copy as _copy

    return _copy.deepcopy(x)


# --- functional forms -------------------------------------------------------------------
def sequential_pipeline(operators: Sequence[Operator], x: Any = None) -> Msg | None:
    """Feed x through each operator in turn; returns the last placeholder at once."""
    trace = _trace_start("sequential_pipeline")
    for op in operators:
        x = _call(op, x)
    return _trace_end(trace, "sequential_pipeline", x)


def fanout_pipeline(operators: Sequence[Operator], x: Any = None) -> list[Any]:
    """Give each operator its own deep copy of x; results in operator order."""
    trace = _trace_start("fanout_pipeline")
    return _trace_end(trace, "fanout_pipeline", [_call(op, _copy_of(x)) for op in operators])


def if_else_pipeline(
    condition_func: Callable[[Any], bool],
    if_body: Operator,
    else_body: Operator | None = None,
    x: Any = None,
) -> Placeholder:
    """Run ``if_body`` when ``condition_func(x)`` holds, else ``else_body`` (or pass x)."""

    async def run() -> Any:
        value = await _value(x)
        if condition_func(value):
            return await _value(_call(if_body, value))
        if else_body is not None:
            return await _value(_call(else_body, value))
        return value

    trace = _trace_start("if_else_pipeline")
    return _trace_end(trace, "if_else_pipeline", get_runtime().spawn(run(), "if_else_pipeline"))


def switch_pipeline(
    condition_func: Callable[[Any], Any],
    cases: Mapping[Any, Operator],
    default: Operator | None = None,
    x: Any = None,
) -> Placeholder:
    """Run the case whose key ``condition_func(x)`` returns (else ``default``, else pass x)."""

    async def run() -> Any:
        value = await _value(x)
        key = condition_func(value)
        if key in cases:
            return await _value(_call(cases[key], value))
        if default is not None:
            return await _value(_call(default, value))
        return value

    trace = _trace_start("switch_pipeline")
    return _trace_end(trace, "switch_pipeline", get_runtime().spawn(run(), "switch_pipeline"))


def for_loop_pipeline(
    body: Operator,
    max_loop: int,
    break_func: Callable[[Any], bool] = lambda x: False,
    x: Any = None,
) -> Placeholder:
    """Run ``body`` up to ``max_loop`` times; ``break_func`` is checked after each run."""
    if max_loop < 0:
        raise ValueError("max_loop must be >= 0")

    async def run() -> Any:
        value = await _value(x)
        for _ in range(max_loop):
            value = await _value(_call(body, value))
            if break_func(value):
                break
        return value

    trace = _trace_start("for_loop_pipeline")
    return _trace_end(trace, "for_loop_pipeline", get_runtime().spawn(run(), "for_loop_pipeline"))


def while_loop_pipeline(
    body: Operator,
    condition_func: Callable[[int, Any], bool] = lambda i, x: False,
    x: Any = None,
    *,
    max_loop: int = DEFAULT_MAX_LOOP,
) -> Placeholder:
    """Run ``body`` while ``condition_func(i, x)`` holds, at most ``max_loop`` times."""

    async def run() -> Any:
        value = await _value(x)
        i = 0
        while condition_func(i, value):
            if i >= max_loop:
                log.warning("while_loop_pipeline stopped at its cap of %d rounds", max_loop)
                break
            value = await _value(_call(body, value))
            i += 1
        return value

    trace = _trace_start("while_loop_pipeline")
    return _trace_end(trace, "while_loop_pipeline", get_runtime().spawn(run(), "while_loop_pipeline"))


# --- class forms ------------------------------------------------------------------------
class PipelineBase:
    """A pipeline object is an operator: call it with x."""

    def __call__(self, x: Any = None) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError


class SequentialPipeline(PipelineBase):
    def __init__(self, operators: Sequence[Operator]) -> None:
        self.operators = list(operators)

    def __call__(self, x: Any = None) -> Any:
        return sequential_pipeline(self.operators, x)


class FanoutPipeline(PipelineBase):
    def __init__(self, operators: Sequence[Operator]) -> None:
        self.operators = list(operators)

    def __call__(self, x: Any = None) -> list[Any]:  # type: ignore[override]
        return fanout_pipeline(self.operators, x)


class IfElsePipeline(PipelineBase):
    def __init__(self, condition_func: Callable[[Any], bool], if_body: Operator,
                 else_body: Operator | None = None) -> None:
        self.condition_func, self.if_body, self.else_body = condition_func, if_body, else_body

    def __call__(self, x: Any = None) -> Placeholder:
        return if_else_pipeline(self.condition_func, self.if_body, self.else_body, x)


class SwitchPipeline(PipelineBase):
    def __init__(self, condition_func: Callable[[Any], Any], cases: Mapping[Any, Operator],
                 default: Operator | None = None) -> None:
        self.condition_func, self.cases, self.default = condition_func, dict(cases), default

    def __call__(self, x: Any = None) -> Placeholder:
        return switch_pipeline(self.condition_func, self.cases, self.default, x)


class ForLoopPipeline(PipelineBase):
    def __init__(self, body: Operator, max_loop: int,
                 break_func: Callable[[Any], bool] = lambda x: False) -> None:
        self.body, self.max_loop, self.break_func = body, max_loop, break_func

    def __call__(self, x: Any = None) -> Placeholder:
        return for_loop_pipeline(self.body, self.max_loop, self.break_func, x)


class WhileLoopPipeline(PipelineBase):
    def __init__(self, body: Operator,
                 condition_func: Callable[[int, Any], bool] = lambda i, x: False,
                 *, max_loop: int = DEFAULT_MAX_LOOP) -> None:
        self.body, self.condition_func, self.max_loop = body, condition_func, max_loop

    def __call__(self, x: Any = None) -> Placeholder:
        return while_loop_pipeline(self.body, self.condition_func, x, max_loop=self.max_loop)


__all__ = [
    "FanoutPipeline", "ForLoopPipeline", "IfElsePipeline", "PipelineBase", "SequentialPipeline",
    "SwitchPipeline", "WhileLoopPipeline", "fanout_pipeline", "for_loop_pipeline",
    "if_else_pipeline", "sequential_pipeline", "switch_pipeline", "while_loop_pipeline",
]
