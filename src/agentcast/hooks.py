"""A tiny in-process event bus that every layer may emit to.

It imports nothing, so the lowest layers (message, runtime, models) can report what happens
without knowing about the observability layer above them. ``observe`` subscribes.
Emitters guard with ``if hooks.listeners:`` so that the per-message path pays one truth test
when nobody listens.

Event kinds (``kind`` string, ``data`` dict):

- ``"reply"``: an agent produced a message. data: agent, seq_id, msg, input (Msg|list|None),
  started (float), ended (float), error (BaseException|None)
- ``"observe"``: an agent observed a message. data: agent, msg
- ``"model_call"``: data: model (name), config_name, agent (or None), usage (prompt_tokens,
  completion_tokens), latency, retries, error, messages (list[Msg] sent), response,
  reservation (what the guards reserved for the call, settled by the monitor; or None)
- ``"tool_call"``: data: name, arguments, status, duration, agent, error
- ``"agent_event"``: anything else worth recording. data: agent, event, detail
- ``"model_event"``: something a model call should say while or after it runs. data: model,
  config_name, agent (or None), event ("retry", "length_cut", "structured_fallback",
  "thinking", "thinking_done"), detail (str), and per event: error, elapsed

Guards run *before* a model call and may raise (``BudgetExceeded``) to refuse it. A guard
may write into ``info``: ``reservation`` (a handle it wants back in the ``model_call`` event)
and ``max_tokens`` (a completion cap the call did not declare; the model sends it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Listener = Callable[[str, dict[str, Any]], None]
Guard = Callable[[dict[str, Any]], None]

listeners: list[Listener] = []
guards: list[Guard] = []
_undo: dict[int, Guard] = {}  # id(guard) -> what releases its effect when a later one refuses

# The active durable run (agentcast.durable.replay.Durable), or None. Set by ``ac.init(durable=
# True)``; the runtime, ``Agent.call_model`` and ``Toolkit.call`` route through it when set,
# and pay one ``is None`` test when not.
durable: Any = None


def emit(kind: str, data: dict[str, Any]) -> None:
    """Deliver an event to every listener; a failing listener never breaks the run."""
    for listener in tuple(listeners):
        try:
            listener(kind, data)
        except Exception:
            import logging

            logging.getLogger("agentcast.hooks").exception("event listener failed")


def subscribe(listener: Listener) -> Callable[[], None]:
    """Add a listener; returns a function that removes it again."""
    listeners.append(listener)

    def unsubscribe() -> None:
        if listener in listeners:
            listeners.remove(listener)

    return unsubscribe


def add_guard(guard: Guard, *, undo: Guard | None = None) -> Callable[[], None]:
    """Add a pre-call guard; returns a function that removes it again. ``undo(info)`` is
    called when a guard after this one refuses the call (to release what this one
    reserved)."""
    guards.append(guard)
    if undo is not None:
        _undo[id(guard)] = undo

    def remove() -> None:
        if guard in guards:
            guards.remove(guard)
        _undo.pop(id(guard), None)

    return remove


def check_guards(info: dict[str, Any]) -> None:
    """Run every guard; the first that raises refuses the call (the guards that had passed
    it are undone)."""
    passed: list[Guard] = []
    try:
        for guard in tuple(guards):
            guard(info)
            passed.append(guard)
    except BaseException:
        for guard in reversed(passed):
            undo = _undo.get(id(guard))
            if undo is not None:
                try:
                    undo(info)
                except Exception:
                    import logging

                    logging.getLogger("agentcast.hooks").exception("guard undo failed")
        raise
