"""JSON schema (OpenAI function format) from a Python function, and argument validation.

The schema comes from one place, a pydantic model built from the signature, so that what the
model is told and what is checked before the call can never disagree.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, get_args, get_origin, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from agentcast.exceptions import ToolInputError
from agentcast.tools.docstring import parse_docstring

_SKIP_KINDS = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


class _HiddenMarker:
    """``Annotated[T, Hidden]``: set by the developer (preset or default), never by the model.

    Used for settings a model must not choose: API keys, directories, sandboxes, databases.
    """

    def __repr__(self) -> str:
        return "Hidden"


Hidden = _HiddenMarker()


def _annotated_description(annotation: Any) -> str | None:
    """``Annotated[T, "what it is"]``: the first string in the metadata describes the
    parameter to the model (AutoGen's convention), when the docstring says nothing."""
    if get_origin(annotation) is not Annotated:
        return None
    return next((m for m in get_args(annotation)[1:] if isinstance(m, str)), None)


def _is_hidden(annotation: Any) -> bool:
    return get_origin(annotation) is Annotated and any(
        isinstance(m, _HiddenMarker) for m in get_args(annotation)[1:]
    )


@dataclass
class FunctionSpec:
    """A function's schema plus what is needed to check and map arguments from the model."""

    name: str
    description: str
    schema: dict[str, Any]  # {"type": "function", "function": {...}}
    model: type[BaseModel]
    fields: dict[str, str]  # internal field name -> parameter name
    accepts_kwargs: bool

    @property
    def parameters(self) -> dict[str, Any]:
        params: dict[str, Any] = self.schema["function"]["parameters"]
        return params

    def validate(self, arguments: dict[str, Any] | str | None) -> dict[str, Any]:
        """Check arguments against the schema; raise ToolInputError that the model can read."""
        if arguments is None or arguments == "":
            arguments = {}
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments)
            except ValueError as exc:
                raise ToolInputError(
                    f"arguments for {self.name!r} are not valid JSON ({exc}); send a JSON object"
                ) from exc
        if not isinstance(arguments, dict):
            raise ToolInputError(
                f"arguments for {self.name!r} must be a JSON object, got {type(arguments).__name__}"
            )
        try:
            obj = self.model.model_validate(arguments)
        except ValidationError as exc:
            raise ToolInputError(_explain(self.name, exc, self.parameters)) from exc
        return {self.fields[f]: getattr(obj, f) for f in obj.model_fields_set}


def _explain(name: str, exc: ValidationError, params: dict[str, Any]) -> str:
    problems = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(arguments)"
        if err["type"] == "extra_forbidden":
            problems.append(f"unknown argument {loc!r}")
        elif err["type"] == "missing":
            problems.append(f"missing required argument {loc!r}")
        else:
            problems.append(f"argument {loc!r}: {err['msg']}")
    expected = ", ".join(
        f"{k}{'' if k in params.get('required', []) else '?'}" for k in params.get("properties", {})
    )
    return f"invalid arguments for tool {name!r}: " + "; ".join(problems) + (
        f". Expected arguments: {expected}" if expected else ". It takes no arguments"
    )


def function_spec(
    func: Callable[..., Any],
    preset: dict[str, Any] | None = None,
    *,
    name: str | None = None,
    description: str | None = None,
) -> FunctionSpec:
    """Build the schema and validator of ``func``; preset arguments are hidden from the model."""
    preset = preset or {}
    target = func
    sig = inspect.signature(target)
    try:
        hints = get_type_hints(target, include_extras=True)
    except Exception:  # unresolvable annotations: fall back to raw ones
        hints = {}
    summary, arg_docs = parse_docstring(inspect.getdoc(target))
    fields: dict[str, Any] = {}
    mapping: dict[str, str] = {}
    accepts_kwargs = False
    for index, (pname, param) in enumerate(sig.parameters.items()):
        if param.kind == inspect.Parameter.VAR_KEYWORD:
            accepts_kwargs = True
        if param.kind in _SKIP_KINDS or pname in preset or pname in ("self", "cls"):
            continue
        ann = hints.get(pname, param.annotation)
        if _is_hidden(ann):
            continue
        if ann is inspect.Parameter.empty:
            ann = Any
        default = ... if param.default is inspect.Parameter.empty else param.default
        fname = f"p{index}"
        about = arg_docs.get(pname) or _annotated_description(ann) or None
        fields[fname] = (ann, Field(default, alias=pname, description=about))
        mapping[fname] = pname
    tool_name = str(name or getattr(func, "__name__", type(func).__name__))
    model = create_model(  # type: ignore[call-overload]
        f"{tool_name}_args",
        __config__=ConfigDict(extra="forbid", arbitrary_types_allowed=True),
        **fields,
    )
    raw = model.model_json_schema(by_alias=True)
    params = _clean(raw, raw.get("$defs", {}))
    params.pop("$defs", None)
    params.pop("title", None)
    params.pop("additionalProperties", None)
    params.setdefault("properties", {})
    params["type"] = "object"
    for pname, prop in list(params["properties"].items()):
        params["properties"][pname] = _simplify_optional(prop)
    if "required" in params:
        params["required"] = list(params["required"])
    else:
        params["required"] = []
    desc = description if description is not None else summary
    schema = {
        "type": "function",
        "function": {"name": tool_name, "description": desc, "parameters": params},
    }
    return FunctionSpec(tool_name, desc, schema, model, mapping, accepts_kwargs)


def _clean(node: Any, defs: dict[str, Any], depth: int = 0) -> Any:
    """Inline $refs and drop pydantic's titles: models read plain, self-contained schemas."""
    if depth > 50:
        return {}
    if isinstance(node, list):
        return [_clean(n, defs, depth + 1) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = defs.get(node["$ref"].rsplit("/", 1)[-1], {})
        merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return _clean(merged, defs, depth + 1)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "title" and isinstance(value, str):
            continue
        if key == "$defs":
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {k: _clean(v, defs, depth + 1) for k, v in value.items()}
        else:
            out[key] = _clean(value, defs, depth + 1)
    return out


def _simplify_optional(prop: dict[str, Any]) -> dict[str, Any]:
    """``Optional[X] = None`` becomes X (not required): simpler for models, same meaning."""
    options = prop.get("anyOf")
    if isinstance(options, list) and prop.get("default", 0) is None:
        rest = [o for o in options if o != {"type": "null"}]
        if len(rest) == 1 and len(rest) < len(options):
            out = {k: v for k, v in prop.items() if k not in ("anyOf", "default")}
            return {**rest[0], **out}
    return prop


__all__ = ["FunctionSpec", "Hidden", "function_spec"]
