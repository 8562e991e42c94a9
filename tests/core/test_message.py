"""Msg: fields, access styles, the wire form and its validation."""

import json
import pickle

import pytest

from agentcast import InvalidMessageError, Msg


def test_fields_and_access_styles():
    m = Msg("Alice", "Hello!", url="https://example.org/x.png", mood="happy")
    assert m.name == "Alice" and m["name"] == "Alice"
    assert m.content == "Hello!" and m["content"] == "Hello!"
    assert m.role == "assistant"
    assert m.url == "https://example.org/x.png"
    assert m.metadata == {"mood": "happy"} and m.mood == "happy" and m["mood"] == "happy"
    assert isinstance(m.id, str) and m.id
    assert isinstance(m.timestamp, float)
    m["content"] = "changed"
    assert m.content == "changed"
    with pytest.raises(AttributeError):
        m.nope  # noqa: B018
    with pytest.raises(KeyError):
        m["nope"]


def test_ids_are_unique():
    assert len({Msg("a", i).id for i in range(10000)}) == 10000


@pytest.mark.parametrize("content", ["text", 3, 2.5, None, True, [1, "a"], {"k": [1, {"x": None}]}])
def test_wire_round_trip(content):
    m = Msg("bob", content, role="user", url=["a.png", "https://x/y.wav"], metadata={"k": 1})
    d = m.to_dict()
    assert set(d) == {"id", "name", "content", "role", "url", "metadata", "timestamp"}
    back = Msg.from_json(json.dumps(d))
    assert back.to_dict() == d
    assert back == m
    assert pickle.loads(pickle.dumps(m)).to_dict() == d


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"content": "x"}, "name"),
        ({"name": 3}, "name"),
        ({"name": "a", "role": "wizard"}, "role"),
        ({"name": "a", "url": 5}, "url"),
        ({"name": "a", "url": ["ok", 3]}, "url"),
        ({"name": "a", "metadata": []}, "metadata"),
        ({"name": "a", "content": {1, 2}}, "content"),
        ({"name": "a", "content": {"k": object()}}, "content"),
        ({"name": "a", "id": ""}, "id"),
        ({"name": "a", "timestamp": "yesterday"}, "timestamp"),
        ({"name": "a", "extra": 1}, "extra"),
    ],
)
def test_malformed_wire_dicts_name_the_field(bad, field):
    with pytest.raises(InvalidMessageError) as info:
        Msg.from_dict(bad)
    assert info.value.field == field
    assert repr(field) in str(info.value) or field in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("bad", ["not json", "[1, 2]", "null", b"\xff"])
def test_non_object_wire_forms_are_rejected(bad):
    with pytest.raises(InvalidMessageError):
        Msg.from_json(bad)


def test_bad_role_in_constructor():
    with pytest.raises(InvalidMessageError, match="role"):
        Msg("a", "x", role="robot")


def test_copy_is_deep():
    m = Msg("a", {"list": [1]}, metadata={"d": {"x": 1}})
    c = m.copy()
    c.content["list"].append(2)
    c.metadata["d"]["x"] = 2
    assert m.content == {"list": [1]} and m.metadata == {"d": {"x": 1}}
    assert c.id == m.id


def test_msg_is_small():
    import sys

    assert sys.getsizeof(Msg("a", "b")) <= 96
