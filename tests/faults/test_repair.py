"""Rule-resolvable errors: messy output becomes JSON with no further model call."""

from __future__ import annotations

import pytest

from agentcast.exceptions import ReplyFormatError
from agentcast.models import repair
from agentcast.models.parsing import JsonDictParser, parse_json
from agentcast.testing.scripted import ScriptedModel

from .helpers import ask, run

WANT = {"a": 1, "b": "x"}

MALFORMED = {
    "code_fence": '```json\n{"a": 1, "b": "x"}\n```',
    "fence_with_prose": 'Let me think.\n```\n{"a": 1, "b": "x"}\n```\nThat is all.',
    "prose_around": 'Sure! Here is the answer: {"a": 1, "b": "x"} Hope that helps.',
    "single_quotes": "{'a': 1, 'b': 'x'}",
    "trailing_commas": '{"a": 1, "b": "x",}',
    "python_literals": "{'a': 1, 'b': 'x', 'c': True, 'd': None, 'e': False}",
    "unquoted_keys": '{a: 1, b: "x"}',
    "missing_closing_brackets": '{"a": 1, "b": "x", "c": {"d": [1, 2',
    "comments": '{\n  // the count\n  "a": 1, /* inline */ "b": "x"  # python style\n}',
    "smart_quotes": "{\u201ca\u201d: 1, \u201cb\u201d: \u201cx\u201d}",
    "missing_comma": '{"a": 1\n "b": "x"}',
    "unquoted_value": '{"a": 1, "b": x}',
    "unescaped_inner_quotes": '{"a": 1, "b": "x", "q": "he said "hi" to me"}',
    "apostrophe_in_single_quotes": "{'a': 1, 'b': 'x', 'q': 'it's fine'}",
    "double_encoded": '"{\\"a\\": 1, \\"b\\": \\"x\\"}"',
    "cut_off_string": '{"a": 1, "b": "x", "c": "unfinish',
    "raw_newline_in_string": '{"a": 1, "b": "x", "c": "line1\nline2"}',
    "xml_wrapped": "<json>{\"a\": 1, \"b\": \"x\"}</json>",
    "plus_and_leading_dot_numbers": '{"a": +1, "b": "x", "c": .5}',
    "ellipsis_in_array": '{"a": 1, "b": "x", "c": [1, 2, ...]}',
    "equals_instead_of_colon": "{a=1, b='x'}",
}


@pytest.fixture(params=[False, True], ids=["own-rules", "with-json-repair"])
def json_repair_switch(request, monkeypatch):
    if request.param:
        pytest.importorskip("json_repair")
    monkeypatch.setattr(repair, "use_json_repair", request.param)
    return request.param


def test_at_least_15_cases():
    assert len(MALFORMED) >= 15


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_repaired_with_one_model_call(name, json_repair_switch):
    model = ScriptedModel([MALFORMED[name]])
    resp = run(model(ask(), parse_func=JsonDictParser(["a", "b"]), max_retries=3))
    assert len(model.calls) == 1  # repaired by rules, never re-asked
    assert resp.reasks == 0
    assert {k: resp.parsed[k] for k in WANT} == WANT


def test_repaired_values_are_right():
    r = repair.repair_json
    assert r(MALFORMED["python_literals"]) == {**WANT, "c": True, "d": None, "e": False}
    assert r(MALFORMED["missing_closing_brackets"])["c"] == {"d": [1, 2]}
    assert r(MALFORMED["unescaped_inner_quotes"])["q"] == 'he said "hi" to me'
    assert r(MALFORMED["apostrophe_in_single_quotes"])["q"] == "it's fine"
    assert r(MALFORMED["raw_newline_in_string"])["c"] == "line1\nline2"
    assert r(MALFORMED["plus_and_leading_dot_numbers"])["c"] == 0.5
    assert r(MALFORMED["ellipsis_in_array"])["c"] == [1, 2]


def test_valid_json_takes_the_fast_path():
    assert repair.repair_json('  {"a": [1, 2, {"b": null}]}  ') == {"a": [1, 2, {"b": None}]}
    assert repair.repair_json("[1, 2]") == [1, 2]


def test_expect_picks_the_right_kind():
    text = 'Options [1, 2] then the answer {"a": 1}'
    assert repair.repair_json(text, expect=dict) == {"a": 1}
    assert repair.repair_json(text, expect=list) == [1, 2]


@pytest.mark.parametrize("text", ["I do not know.", "", "{: :: ]"])
def test_no_json_is_a_model_facing_error(text, json_repair_switch):
    with pytest.raises(ReplyFormatError, match="JSON"):
        repair.repair_json(text, expect=dict)


def test_parse_json_helper():
    model = ScriptedModel(["```\n[1, 2, 3,]\n```"])
    assert run(model(ask(), parse_func=parse_json)).parsed == [1, 2, 3]
