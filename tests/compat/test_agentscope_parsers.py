"""AgentScope 0.x's reply parsers (agentscope.parsers), written against agentcast."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field

import agentcast as ac
from agentcast.exceptions import ReplyFormatError, TagNotFoundError
from agentcast.models import ModelResponse
from agentcast.models.parsers import (
    DictFilterMixin,
    MarkdownCodeBlockParser,
    MarkdownJsonDictParser,
    MarkdownJsonObjectParser,
    MultiTaggedContentParser,
    TaggedContent,
)
from agentcast.testing import ScriptedModel

GT = {"speak": "Hello, world!", "thought": "xxx", "end_discussion": True}
DICT_REPLY = '```json\n{"speak": "Hello, world!", "thought": "xxx", "end_discussion": true}\n```'
HINT = '{"speak": "what you speak", "thought": "what you thought", "end_discussion": true/false}'
TAGGED_REPLY = "[SPEAK]Hello, world![/SPEAK]\n[THOUGHT]xxx[/THOUGHT]\n[END_DISCUSSION]true[/END_DISCUSSION]"


def _tagged_parser(**kw):
    return MultiTaggedContentParser(
        TaggedContent("speak", tag_begin="[SPEAK]", content_hint="what you speak",
                      tag_end="[/SPEAK]"),
        TaggedContent("thought", tag_begin="[THOUGHT]", content_hint="what you thought",
                      tag_end="[/THOUGHT]"),
        TaggedContent("end_discussion", tag_begin="[END_DISCUSSION]", content_hint="true/false",
                      tag_end="[/END_DISCUSSION]", parse_json=True),
        keys_to_memory=["speak", "thought"], keys_to_content="speak",
        keys_to_metadata=["end_discussion"], **kw)


def test_markdown_json_dict_parser_instruction_parse_and_filters():
    """AgentScope 0.x: the dict parser's format_instruction wraps the hint in a ```json fence,
    parse() fills response.parsed, to_memory/to_content/to_metadata filter it."""
    parser = MarkdownJsonDictParser(content_hint=HINT, keys_to_memory=["speak", "thought"],
                                    keys_to_content="speak", keys_to_metadata=["end_discussion"])
    assert parser.format_instruction == (
        "Respond a JSON dictionary in a markdown's fenced code block as follows:\n"
        f"```json\n{HINT}\n```")
    res = parser.parse(ModelResponse(text=DICT_REPLY))
    assert isinstance(res, ModelResponse) and res.parsed == GT
    assert parser.to_memory(res.parsed) == {"speak": "Hello, world!", "thought": "xxx"}
    assert parser.to_content(res.parsed) == "Hello, world!"
    assert parser.to_metadata(res.parsed) == {"end_discussion": True}


def test_markdown_json_dict_parser_with_a_pydantic_schema():
    """AgentScope 0.x: a pydantic content_hint puts its schema in the instruction and coerces
    the reply ("true" -> True)."""

    class Schema(BaseModel):
        speak: str = Field(description="what you speak")
        thought: str = Field(description="what you thought")
        end_discussion: bool = Field(description="whether the discussion reached an agreement or not")

    parser = MarkdownJsonDictParser(content_hint=Schema)
    assert parser.format_instruction.startswith(
        "Respond a JSON dictionary in a markdown's fenced code block as follows:\n"
        "```json\n{a_JSON_dictionary}\n```\nThe generated JSON dictionary MUST follow this "
        "schema: \n{'properties': {'speak': {'description': 'what you speak'")
    text = '```json\n{"speak": "Hello, world!", "thought": "xxx", "end_discussion": "true"}\n```'
    assert parser.parse(ModelResponse(text=text)).parsed == GT
    with pytest.raises(ReplyFormatError, match="end_discussion"):
        parser.parse(ModelResponse(text='```json\n{"speak": "a", "thought": "b"}\n```'))


def test_required_keys_and_non_dict_replies():
    """AgentScope 0.x: a missing required key raises RequiredFieldNotFoundError; a JSON value
    that is not a dict raises JsonTypeError (both ReplyFormatError here)."""
    parser = MarkdownJsonDictParser(required_keys=["speak", "finish"])
    with pytest.raises(ReplyFormatError, match="'finish'"):
        parser.parse(ModelResponse(text=DICT_REPLY))
    with pytest.raises(ReplyFormatError, match="dictionary"):
        parser.parse(ModelResponse(text="```json\n[1, 2]\n```"))


def test_json_object_parser_lists_floats_and_missing_fences():
    """AgentScope 0.x: MarkdownJsonObjectParser parses any JSON value and adds back a fence
    tag the model forgot."""
    parser = MarkdownJsonObjectParser(content_hint="{Your generated list of numbers}")
    assert parser.format_instruction == (
        "You should respond a json object in a json fenced code block as follows:\n"
        "```json\n{Your generated list of numbers}\n```")
    assert parser.parse(ModelResponse(text="```json\n[1,2,3]\n```")).parsed == [1, 2, 3]
    assert MarkdownJsonObjectParser().parse(ModelResponse(text="```json\n3.14\n```")).parsed == 3.14
    assert parser.parse(ModelResponse(text='{"a": 1}')).parsed == {"a": 1}
    with pytest.raises(ReplyFormatError, match="must be JSON"):
        parser.parse(ModelResponse(text="```json\n{oops\n```"))


def test_markdown_code_block_parser():
    """AgentScope 0.x: the code block parser's instruction and the text between the fences."""
    parser = MarkdownCodeBlockParser(language_name="python")
    assert parser.format_instruction == (
        "You should generate python code in a python fenced code block as follows: \n"
        "```python\n${your_python_code}\n```")
    res = parser.parse(ModelResponse(text='```python\nprint("Hello, world!")\n```'))
    assert res.parsed == '\nprint("Hello, world!")\n'
    hinted = MarkdownCodeBlockParser(language_name="python", content_hint="abc")
    assert hinted.format_instruction.endswith("```python\nabc\n```")
    with pytest.raises(TagNotFoundError) as err:
        parser.parse(ModelResponse(text="no code here"))
    assert err.value.missing_begin_tag and err.value.missing_end_tag


def test_multi_tagged_content_parser():
    """AgentScope 0.x: the tagged parser's instruction names the JSON fields, parse gives the
    dict, the filters route it."""
    parser = _tagged_parser()
    assert parser.format_instruction == (
        "Respond with specific tags as outlined below, and the content between "
        "[END_DISCUSSION] and [/END_DISCUSSION] MUST be a JSON object:\n"
        "[SPEAK]what you speak[/SPEAK]\n[THOUGHT]what you thought[/THOUGHT]\n"
        "[END_DISCUSSION]true/false[/END_DISCUSSION]")
    res = parser.parse(ModelResponse(text=TAGGED_REPLY))
    assert res.parsed == GT
    assert parser.to_content(res.parsed) == "Hello, world!"
    assert parser.to_metadata(res.parsed) == {"end_discussion": True}
    with pytest.raises(TagNotFoundError, match=r"\[/THOUGHT\]"):
        parser.parse(ModelResponse(text="[SPEAK]hi[/SPEAK][THOUGHT]x"))
    lenient = _tagged_parser(keys_allow_missing=["thought"])
    assert lenient.parse(ModelResponse(
        text="[SPEAK]hi[/SPEAK][END_DISCUSSION]false[/END_DISCUSSION]")).parsed == {
        "speak": "hi", "end_discussion": False}


def test_dict_filter_defaults():
    """AgentScope 0.x: True returns the whole dict, False returns None."""
    mixin = DictFilterMixin(keys_to_memory=True, keys_to_content=True, keys_to_metadata=False)
    assert mixin.to_memory(GT) == GT and mixin.to_content(GT) == GT
    assert mixin.to_metadata(GT) is None
    with pytest.raises(ReplyFormatError):
        DictFilterMixin(keys_to_content=["nope"]).to_content(GT)
    assert DictFilterMixin(keys_to_content=["nope", "speak"]).to_content(
        GT, allow_missing=True) == {"speak": "Hello, world!"}


def test_parser_drives_a_dict_dialog_agent_and_reasks_on_a_bad_reply():
    """AgentScope 0.x: DictDialogAgent.set_parser(parser) puts format_instruction in the
    prompt, and the reply's content/metadata/memory come from the parser's filters."""
    model = ScriptedModel(["[SPEAK]forgot the rest", TAGGED_REPLY])
    agent = ac.DictDialogAgent("Alice", "You are Alice.", model=model)
    agent.set_parser(_tagged_parser())
    reply = agent(ac.Msg("host", "Discuss.", role="user"))
    assert reply.content == "Hello, world!"
    assert reply.metadata == {"end_discussion": True}
    first_prompt = " ".join(str(m.content) for m in model.calls[0]["messages"])
    assert "[SPEAK]what you speak[/SPEAK]" in first_prompt
    second_prompt = " ".join(str(m.content) for m in model.calls[1]["messages"])
    assert "[/SPEAK]" in second_prompt and "missing tag" in second_prompt  # the re-ask
    assert agent.memory.get()[-1].content == {"speak": "Hello, world!", "thought": "xxx"}


def test_parser_is_a_parse_func():
    """agentcast: a parser passed as parse_func fills response.parsed in a model call."""
    model = ScriptedModel([DICT_REPLY])
    parser = MarkdownJsonDictParser(required_keys=["speak"])
    import asyncio

    res = asyncio.run(model([ac.Msg("u", parser.format_instruction, role="user")],
                            parse_func=parser))
    assert res.parsed == GT
