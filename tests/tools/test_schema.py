"""Schema generation is pinned: what the model is told about a tool is part of the API."""

from __future__ import annotations

import enum
from typing import Annotated, Literal, Optional

import pytest
from pydantic import BaseModel

from agentcast.exceptions import ToolInputError
from agentcast.tools import ServiceFactory
from agentcast.tools.docstring import parse_docstring
from agentcast.tools.schema import Hidden, function_spec


class Point(BaseModel):
    x: int
    y: int = 0


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


def search(
    query: str,
    mode: Literal["fast", "slow"] = "fast",
    limit: Optional[int] = None,
    tags: list[str] | None = None,
    weights: dict[str, float] | None = None,
    where: Point | None = None,
    api_key: str = "",
) -> str:
    """Search the catalogue.

    Finds matching items.

    Args:
        query (str): Words to look
            for.
        mode: How hard to try.
        limit: At most this many results.
        tags: Only items with these tags.
        weights: Per-field weights.
        where: A location.
        api_key: Secret.

    Returns:
        The matches.
    """
    return query


def test_google_style_schema_is_pinned():
    _, schema = ServiceFactory.get(search, api_key="k")
    assert schema == {
        "type": "function",
        "function": {
            "name": "search",
            "description": "Search the catalogue.\n\nFinds matching items.",
            "parameters": {
                "type": "object",
                "properties": {
                    "query": {"type": "string", "description": "Words to look for."},
                    "mode": {"type": "string", "enum": ["fast", "slow"], "default": "fast",
                             "description": "How hard to try."},
                    "limit": {"type": "integer", "description": "At most this many results."},
                    "tags": {"type": "array", "items": {"type": "string"},
                             "description": "Only items with these tags."},
                    "weights": {"type": "object", "additionalProperties": {"type": "number"},
                                "description": "Per-field weights."},
                    "where": {"type": "object",
                              "properties": {"x": {"type": "integer"},
                                             "y": {"type": "integer", "default": 0}},
                              "required": ["x"], "description": "A location."},
                },
                "required": ["query"],
            },
        },
    }


def numpy_style(a, b: float = 1.5, *args, **kwargs):
    """Numpy style summary.

    Parameters
    ----------
    a : int
        The first
        one.
    b : float, optional
        The second.

    Returns
    -------
    float
    """


def rest_style(x: int, color: Color, flag: bool = False):
    """reST style.

    :param x: The x.
    :param Color color: A colour,
        continued.
    :param flag: A flag.
    :returns: nothing
    """


def test_numpy_style_and_untyped_arguments():
    params = function_spec(numpy_style).parameters
    assert function_spec(numpy_style).description == "Numpy style summary."
    assert params == {
        "type": "object",
        "properties": {
            "a": {"description": "The first one."},
            "b": {"type": "number", "default": 1.5, "description": "The second."},
        },
        "required": ["a"],
    }


def test_rest_style_and_enum_class():
    spec = function_spec(rest_style)
    assert spec.description == "reST style."
    props = spec.parameters["properties"]
    assert props["x"] == {"type": "integer", "description": "The x."}
    assert props["color"] == {"type": "string", "enum": ["red", "blue"],
                              "description": "A colour, continued."}
    assert props["flag"] == {"type": "boolean", "default": False, "description": "A flag."}
    assert spec.parameters["required"] == ["x", "color"]


def test_docstring_parser_styles():
    assert parse_docstring(None) == ("", {})
    assert parse_docstring("Just a line.") == ("Just a line.", {})
    summary, params = parse_docstring("""Top.

    Keyword Args:
        depth: How deep.
    """)
    assert summary == "Top." and params == {"depth": "How deep."}


def with_hidden(text: str, secret: Annotated[str, Hidden] = "s3cret") -> str:
    """Echo.

    Args:
        text: What to echo.
    """
    return text + secret


def test_hidden_and_preset_arguments_are_not_shown_nor_accepted():
    spec = function_spec(with_hidden)
    assert list(spec.parameters["properties"]) == ["text"]
    with pytest.raises(ToolInputError, match="unknown argument 'secret'"):
        spec.validate({"text": "a", "secret": "stolen"})
    spec2 = function_spec(search, {"api_key": "k", "mode": "slow"})
    assert "api_key" not in spec2.parameters["properties"]
    assert "mode" not in spec2.parameters["properties"]


def test_validation_messages_name_the_problem():
    spec = function_spec(search, {"api_key": "k"})
    assert spec.validate({"query": "q", "limit": "3"}) == {"query": "q", "limit": 3}
    assert spec.validate('{"query": "q"}') == {"query": "q"}
    with pytest.raises(ToolInputError) as err:
        spec.validate({"mode": "medium", "bogus": 1})
    text = str(err.value)
    assert "missing required argument 'query'" in text
    assert "unknown argument 'bogus'" in text
    assert "'mode'" in text and "Expected arguments: query, mode?" in text
    with pytest.raises(ToolInputError, match="not valid JSON"):
        spec.validate("{query")
    with pytest.raises(ToolInputError, match="must be a JSON object"):
        spec.validate("[1]")
    where = spec.validate({"query": "q", "where": {"x": 1}})["where"]
    assert isinstance(where, Point) and where.y == 0


def test_argument_named_like_a_pydantic_attribute():
    def odd(schema: str, json: int = 1) -> str:
        return schema * json

    spec = function_spec(odd)
    assert list(spec.parameters["properties"]) == ["schema", "json"]
    assert spec.validate({"schema": "ab", "json": 2}) == {"schema": "ab", "json": 2}
