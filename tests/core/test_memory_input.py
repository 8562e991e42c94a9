"""ListMemory.add takes a Msg or a list of Msgs (placeholders resolved first); anything else
is refused with a clear error, as in AgentScope 0.x ("must be a Msg object"), and nothing is
half-added. It used to recurse until RecursionError on a dict."""

from __future__ import annotations

import pytest

from agentcast import Msg
from agentcast.memory.list_memory import ListMemory


def test_a_dict_is_a_clear_error_not_a_recursion():
    mem = ListMemory()
    with pytest.raises(ValueError, match="cannot add a dict"):
        mem.add({"k": "v"})
    assert mem.get() == []


@pytest.mark.parametrize("bad", ["text", b"bytes", 5, object()])
def test_values_that_are_not_messages_are_refused(bad):
    mem = ListMemory()
    with pytest.raises(ValueError, match="must be a Msg"):
        mem.add(bad)
    assert mem.get() == []


def test_a_list_with_one_bad_item_adds_nothing_and_names_its_position():
    mem = ListMemory([Msg("a", 1)])
    with pytest.raises(ValueError, match="item 1"):
        mem.add([Msg("b", 2), {"name": "c", "content": "x"}])
    with pytest.raises(ValueError, match="item 1"):
        mem.add([Msg("b", 2), ["nested", Msg("d", 4)]])
    assert [m.content for m in mem.get()] == [1]
