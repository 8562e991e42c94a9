"""ListMemory.add takes Msg, a Msg wire dict (as AgentScope 0.x did) or lists of them;
anything else is a typed error naming the bad field, and nothing half-added."""

from __future__ import annotations

import pytest

from agentcast import Msg
from agentcast.exceptions import InvalidMessageError
from agentcast.memory.list_memory import ListMemory


def test_a_dict_that_is_not_a_message_is_a_typed_error_naming_the_field():
    mem = ListMemory()
    with pytest.raises(InvalidMessageError) as err:
        mem.add({"k": "v"})
    assert err.value.field == "k" and "unknown field" in str(err.value)
    assert mem.get() == []


@pytest.mark.parametrize("bad", ["text", b"bytes", 5, object()])
def test_values_that_are_not_messages_are_refused(bad):
    mem = ListMemory()
    with pytest.raises(InvalidMessageError, match="must be a Msg") as err:
        mem.add(bad)
    assert err.value.field == "msg"


def test_a_wire_dict_is_added_as_a_msg():
    mem = ListMemory()
    original = Msg("alice", {"x": [1, 2]}, role="user", url="a.png")
    mem.add(original.to_dict())
    mem.add([{"name": "bob", "content": "hi"}, Msg("carol", 3), None])
    got = mem.get()
    assert [m.name for m in got] == ["alice", "bob", "carol"]
    assert all(isinstance(m, Msg) for m in got)
    assert got[0].id == original.id and got[0].content == {"x": [1, 2]} and got[0].url == "a.png"


def test_a_list_with_one_bad_item_adds_nothing_and_names_its_position():
    mem = ListMemory([Msg("a", 1)])
    with pytest.raises(InvalidMessageError) as err:
        mem.add([Msg("b", 2), {"name": "c", "role": "boss"}])
    assert err.value.field == "role" and "msg[1]" in str(err.value)
    with pytest.raises(InvalidMessageError) as err:
        mem.add([Msg("b", 2), ["nested", Msg("d", 4)]])
    assert err.value.field == "msg[1][0]"
    assert [m.content for m in mem.get()] == [1]
