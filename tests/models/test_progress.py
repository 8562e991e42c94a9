"""A spinner with the agent's name and elapsed time while a non-streamed call runs, on a
terminal only; and the model events the studio shows."""

from __future__ import annotations

import io
import time

from rich.console import Console

import agentcast as ac
from agentcast import hooks
from agentcast.agents import base as agents_base
from agentcast.testing import FunctionModel


def slow(messages):
    time.sleep(1.3)
    return "done"


def test_terminal_shows_who_is_thinking_and_for_how_long():
    out = io.StringIO()
    old = agents_base.use_console(Console(file=out, force_terminal=True, width=80))
    agents_base.settings["progress"] = None  # the default: on, because this is a terminal
    try:
        agent = ac.DialogAgent("Ann", "hi", model=FunctionModel(slow, "slow"), verbose=True)
        assert agent(ac.Msg("user", "hi", "user")).content == "done"
    finally:
        agents_base.use_console(old)
    text = out.getvalue()
    assert "Ann" in text and "thinking… 1 s" in text
    assert text.rstrip().endswith("done")  # the spinner went away; the reply was printed


def test_no_spinner_when_not_a_terminal():
    out = io.StringIO()
    old = agents_base.use_console(Console(file=out, force_terminal=False, width=80))
    try:
        agent = ac.DialogAgent("Bo", "hi", model=FunctionModel(slow, "slow"), verbose=True)
        agent(ac.Msg("user", "hi", "user")).content
    finally:
        agents_base.use_console(old)
    assert "thinking" not in out.getvalue()


def test_thinking_events_bracket_each_call():
    events: list[dict] = []
    off = hooks.subscribe(lambda kind, data: events.append(data)
                          if kind == "model_event" else None)
    try:
        agent = ac.DialogAgent("Cy", "hi", model=FunctionModel(lambda m: "ok", "quick"),
                               verbose=False)
        agent(ac.Msg("user", "hi", "user")).content
    finally:
        off()
    assert [(e["event"], e["agent"]) for e in events] == [("thinking", "Cy"),
                                                          ("thinking_done", "Cy")]
    assert events[1]["elapsed"] >= 0
