"""AgentScope 0.x's memory and model-config behaviours, written against agentcast."""

from __future__ import annotations

import json
import warnings

import pytest

import agentcast as ac
from agentcast.exceptions import AgentcastWarning
from agentcast.memory import ListMemory
from agentcast.models import registry


def _msgs() -> list[ac.Msg]:
    return [ac.Msg("user", "Hello", role="user"),
            ac.Msg("agent", "Hello! How can I help you?", role="assistant"),
            ac.Msg("user", "Translate the following sentence", role="assistant")]


def test_delete_of_a_missing_index_warns_and_keeps_the_rest():
    """AgentScope 0.x: memory.delete(100) logs 'Skip delete operation for the invalid index
    [100]' and deletes nothing; valid positions in the same call are still deleted."""
    mem = ListMemory()
    m1, m2, m3 = _msgs()
    mem.add([m1, m2, m3])
    mem.delete(0)
    assert mem.get() == [m2, m3]
    with pytest.warns(AgentcastWarning, match=r"\[100\]"):
        mem.delete(100)
    assert mem.get() == [m2, m3]
    with pytest.warns(AgentcastWarning, match=r"\[-1, 7\]"):
        mem.delete([1, 7, -1])  # AgentScope: negative positions are invalid too
    assert mem.get() == [m2]


def test_adding_something_that_is_not_a_msg_raises():
    """AgentScope 0.x: memory.add({"invalid_key": ...}) raises "Cannot add <class 'dict'> to
    memory, must be a Msg object." (agentcast used to recurse until RecursionError)."""
    mem = ListMemory(_msgs()[:1])
    with pytest.raises(ValueError, match="cannot add a dict"):
        mem.add({"invalid_key": "invalid_value"})
    with pytest.raises(ValueError, match="item 1"):
        mem.add([_msgs()[1], "text"])
    with pytest.raises(ValueError, match="cannot add a str"):
        mem.add("text")  # type: ignore[arg-type]
    assert mem.size() == 1  # nothing half-added


def test_get_memory_is_get():
    """AgentScope 0.x: TemporaryMemory.get_memory(recent_n, filter_func)."""
    mem = ListMemory(_msgs())
    assert mem.get_memory() == mem.get()
    assert mem.get_memory(recent_n=1) == _msgs()[2:] or mem.get_memory(1)[0].content == (
        "Translate the following sentence")
    assert [m.name for m in mem.get_memory(filter_func=lambda i, m: m.role == "user")] == [
        "user"]


def test_delete_of_valid_indices_does_not_warn():
    """AgentScope 0.x: a valid delete is silent."""
    mem = ListMemory(_msgs())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mem.delete([0, 2])
    assert [m.content for m in mem.get()] == ["Hello! How can I help you?"]


def test_load_accepts_msg_objects_and_appends_by_default():
    """AgentScope 0.x: memory.load([msg, msg]) and memory.load(msg) load Msg objects;
    overwrite defaults to False (append)."""
    mem = ListMemory()
    user, agent, third = _msgs()
    mem.load([user, agent])
    assert mem.get() == [user, agent]
    mem.load(third)
    assert mem.get() == [user, agent, third]
    mem.load([third], overwrite=True)
    assert mem.get() == [third]


def test_load_accepts_a_file_and_a_json_string(tmp_path):
    """AgentScope 0.x: load(str) reads the file if it is one, else parses the string."""
    mem = ListMemory(_msgs()[:2])
    path = tmp_path / "mem.json"
    mem.export(path)
    other = ListMemory()
    other.load(str(path))
    assert [m.to_dict() for m in other.get()] == mem.export()
    again = ListMemory()
    again.load(json.dumps(mem.export()))
    assert [m.content for m in again.get()] == ["Hello", "Hello! How can I help you?"]


def test_load_of_bad_items_raises_and_loads_nothing():
    """AgentScope 0.x: a list with a non-Msg unit raises a TypeError-like error; agentcast
    raises ValueError naming the item and leaves the memory as it was."""
    mem = ListMemory(_msgs()[:1])
    with pytest.raises(ValueError, match="item 1"):
        mem.load([_msgs()[1], 42])
    with pytest.raises(ValueError, match="neither a file nor JSON"):
        mem.load("not json and not a file")
    assert mem.size() == 1


@pytest.fixture
def clean_configs():
    registry.clear_model_configs()
    yield
    registry.clear_model_configs()


def test_duplicate_config_name_warns_and_keeps_the_first(clean_configs):
    """AgentScope 0.x: loading a config whose config_name is loaded already logs
    'Config name [gpt-4] already exists.' and keeps the first config."""
    first = {"config_name": "gpt-4", "model_type": "scripted", "replies": ["first"]}
    second = {"config_name": "gpt-4", "model_type": "scripted", "replies": ["second"]}
    assert registry.load_model_configs([first]) == ["gpt-4"]
    with pytest.warns(AgentcastWarning, match="'gpt-4' is already loaded"):
        assert registry.load_model_configs(second) == []
    agent = ac.DialogAgent("a", model="gpt-4")
    assert agent(ac.Msg("u", "hi")).content == "first"


def test_duplicate_inside_one_list_and_through_init(clean_configs):
    """AgentScope 0.x: duplicates within one list are skipped the same way, also via init."""
    cfgs = [{"config_name": "m", "model_type": "scripted", "replies": ["one"]},
            {"config_name": "m", "model_type": "scripted", "replies": ["two"]}]
    with pytest.warns(AgentcastWarning):
        ac.init(model_configs=cfgs, run_dir=None)
    assert ac.DialogAgent("a", model="m")(ac.Msg("u", "x")).content == "one"


def test_overwrite_and_clear_existing_replace_without_warning(clean_configs):
    """agentcast's named ways to replace a config (AgentScope: clear_existing=True)."""
    registry.load_model_configs({"config_name": "m", "model_type": "scripted", "replies": ["a"]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        registry.load_model_configs({"config_name": "m", "model_type": "scripted",
                                     "replies": ["b"]}, overwrite=True)
        assert ac.DialogAgent("x", model="m")(ac.Msg("u", "x")).content == "b"
        registry.load_model_configs({"config_name": "m", "model_type": "scripted",
                                     "replies": ["c"]}, clear_existing=True)
        assert ac.DialogAgent("y", model="m")(ac.Msg("u", "x")).content == "c"
