"""A small JSON-schema check for tools whose schema came from elsewhere (MCP servers).

It covers what models get wrong in practice (unknown or missing arguments, wrong types,
values outside an enum); the remote side still validates fully.
"""

from __future__ import annotations

import json
from typing import Any

from agentcast.exceptions import ToolInputError

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "null": (type(None),),
}


def _type_ok(value: Any, expected: Any) -> bool:
    names = expected if isinstance(expected, list) else [expected]
    for name in names:
        types = _TYPES.get(name)
        if types is None:
            return True
        if isinstance(value, bool) and name in ("integer", "number"):
            continue
        if isinstance(value, types):
            return True
    return False


def validate_json(name: str, arguments: Any, schema: dict[str, Any]) -> dict[str, Any]:
    """Return the arguments as a dict, or raise ToolInputError naming every problem."""
    if arguments is None or arguments == "":
        arguments = {}
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except ValueError as exc:
            raise ToolInputError(f"arguments for {name!r} are not valid JSON ({exc})") from exc
    if not isinstance(arguments, dict):
        raise ToolInputError(f"arguments for {name!r} must be a JSON object")
    props: dict[str, Any] = schema.get("properties") or {}
    problems = []
    for key in schema.get("required") or []:
        if key not in arguments:
            problems.append(f"missing required argument {key!r}")
    if schema.get("additionalProperties") is False or props:
        for key in arguments:
            if key not in props and schema.get("additionalProperties") is not True:
                problems.append(f"unknown argument {key!r}")
    for key, value in arguments.items():
        prop = props.get(key)
        if not isinstance(prop, dict):
            continue
        if "type" in prop and not _type_ok(value, prop["type"]):
            problems.append(f"argument {key!r} should be of type {prop['type']}")
        if "enum" in prop and value not in prop["enum"]:
            problems.append(f"argument {key!r} must be one of {prop['enum']}")
    if problems:
        raise ToolInputError(
            f"invalid arguments for tool {name!r}: " + "; ".join(problems)
            + ". Expected arguments: " + ", ".join(props)
        )
    return arguments


__all__ = ["validate_json"]
