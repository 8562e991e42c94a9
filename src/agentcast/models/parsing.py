"""Model-resolvable errors: parse the reply, and when that fails, show the model the error.

``await model(msgs, parse_func=f, fault_handler=h, max_retries=n)`` (the paper's interface)
or ``await model(msgs, structured_model=MyPydanticModel)``:

1. the reply is parsed (``parse_func(response)``; its result lands in ``response.parsed``);
   JSON parsers repair messy output by rules first, without a model call (models/repair.py);
2. on failure the model is asked again with its bad reply and the error appended, up to
   ``max_retries`` times (re-asks, so ``max_retries + 1`` requests at most);
3. then ``fault_handler(response)`` (or ``fault_handler(response, error)``) supplies the
   result, or :class:`~agentcast.exceptions.ResponseParseError` is raised.

Structured output is asked for in the model's ``structured_output`` mode (the config's, else
the strongest its class supports): ``json_schema`` (``response_format`` in the OpenAI form is
passed to ``_stream``), ``json_object`` (JSON mode plus the schema in the prompt) or
``prompt`` (the schema in the prompt only). When the server refuses the mode
(:class:`~agentcast.exceptions.UnsupportedRequestError` naming ``response_format``), the call
falls back once to the next weaker mode and the model remembers it, so later calls do not
ask again. Validation happens in every case.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from agentcast.exceptions import (
    ConfigError,
    ReplyFormatError,
    ResponseParseError,
    UnsupportedRequestError,
)
from agentcast.message import Msg
from agentcast.models.base import STRUCTURED_MODES, ModelResponse, Usage, model_event
from agentcast.models.repair import repair_json

if TYPE_CHECKING:
    from agentcast.models.base import ChatModelBase

log = logging.getLogger("agentcast.models")

ParseFunc = Callable[[ModelResponse], Any]
FaultHandler = Callable[..., Any]
Request = Callable[[Sequence[Msg], dict[str, Any]], Awaitable[ModelResponse]]

DEFAULT_PARSE_RETRIES = 2  # three requests in all, as the paper's default


def parse_json(response: ModelResponse) -> Any:
    """The JSON value in the reply, repaired by rules if needed."""
    return repair_json(response.text)


class JsonDictParser:
    """Parse a JSON object, check required keys or validate it against a pydantic model.

    ``instruction`` is the prompt text that tells the model the expected format.
    """

    def __init__(self, required_keys: Iterable[str] = (), schema: type[Any] | None = None,
                 *, allow_extra_keys: bool = True) -> None:
        self.required_keys = list(required_keys)
        self.schema = schema
        self.allow_extra_keys = allow_extra_keys

    def __call__(self, response: ModelResponse) -> Any:
        data = repair_json(response.text, expect=dict)
        if self.schema is not None:
            try:
                return self.schema.model_validate(data)
            except Exception as exc:
                if type(exc).__name__ == "ValidationError":
                    raise ReplyFormatError(describe_validation_error(exc)) from exc
                raise
        missing = [k for k in self.required_keys if k not in data]
        if missing:
            raise ReplyFormatError(
                f"the JSON object lacks the required key(s) {', '.join(map(repr, missing))}; "
                f"it must have the keys {', '.join(map(repr, self.required_keys))}"
            )
        if not self.allow_extra_keys:
            extra = [k for k in data if k not in self.required_keys]
            if extra:
                raise ReplyFormatError(f"unexpected key(s) {', '.join(map(repr, extra))}")
        return data

    @property
    def instruction(self) -> str:
        if self.schema is not None:
            return schema_instruction(self.schema)
        keys = ", ".join(f'"{k}": ...' for k in self.required_keys)
        return (
            "Respond with one JSON object and nothing else (no prose, no code fences), "
            f"with these keys: {{{keys}}}"
        )


def schema_instruction(schema: type[Any]) -> str:
    """The prompt-based path: the JSON schema spelled out for the model."""
    text = json.dumps(schema.model_json_schema(), ensure_ascii=False)
    return (
        "Respond with one JSON object and nothing else (no prose, no code fences) that "
        f"conforms to this JSON schema:\n{text}"
    )


def describe_validation_error(exc: Any) -> str:
    """pydantic's errors as short lines a model can act on."""
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ())) or "(root)"
        got = err.get("input")
        got_text = json.dumps(got, default=str)[:80] if got is not None else "nothing"
        lines.append(f"- {where}: {err.get('msg', 'invalid')} (got {got_text})")
    return "the JSON object does not fit the schema:\n" + "\n".join(lines)


def prepare_structured(
    model: ChatModelBase, messages: Sequence[Msg], schema: type[Any], kwargs: dict[str, Any]
) -> tuple[list[Msg], dict[str, Any]]:
    """Ask for the schema natively when the provider can, in the prompt otherwise."""
    msgs = list(messages)
    if "response_format" in kwargs:
        return msgs, kwargs  # the caller chose
    mode = model.structured_output
    if mode == "json_schema":
        kwargs = {**kwargs, "response_format": {
            "type": "json_schema",
            "json_schema": {"name": schema.__name__, "schema": schema.model_json_schema(),
                            "strict": False},
        }}
        return msgs, kwargs
    if mode == "json_object":
        kwargs = {**kwargs, "response_format": {"type": "json_object"}}
    msgs.append(Msg("system", schema_instruction(schema), role="user"))
    return msgs, kwargs


def reask_messages(base: Sequence[Msg], bad: ModelResponse, error: BaseException,
                   instruction: str | None, speaker: str | None = None) -> list[Msg]:
    """The original request plus the bad reply and what was wrong with it (only the latest
    failure, so re-asking does not grow the prompt without bound)."""
    note = f"Your previous reply could not be used: {error_text(error)}\nReply again, fixed."
    if instruction:
        note += f" {instruction}"
    return [*base, Msg(speaker or "assistant", bad.text, role="assistant"),
            Msg("system", note, role="user")]


def error_text(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) <= 2000 else text[:2000] + " ..."


async def call_parsed(
    model: ChatModelBase,
    messages: Sequence[Msg],
    request: Request,
    kwargs: dict[str, Any],
    *,
    parse_func: ParseFunc | None,
    structured_model: type[Any] | None,
    fault_handler: FaultHandler | None,
    max_retries: int | None,
    agent: str | None = None,
) -> ModelResponse:
    """Request, parse, re-ask with the error; bounded by ``max_retries`` re-asks. The bad
    reply is shown back as ``agent``'s own turn."""
    if parse_func is not None and structured_model is not None:
        raise ConfigError("pass parse_func or structured_model, not both", field="parse_func")
    retries = DEFAULT_PARSE_RETRIES if max_retries is None else max_retries
    if retries < 0:
        raise ConfigError("max_retries must be >= 0", field="max_retries")
    instruction: str | None = getattr(parse_func, "instruction", None)
    base = list(messages)
    if structured_model is not None:
        parser = JsonDictParser(schema=structured_model)
        parse: ParseFunc = parser
        plain = base
        base, kwargs = prepare_structured(model, plain, structured_model, kwargs)
        instruction = None if "json_schema" == _format_type(kwargs) else parser.instruction
    else:
        assert parse_func is not None
        parse = parse_func
    msgs = base
    errors: list[BaseException] = []
    transport_retries = 0
    prompt = completion = 0
    estimated = False
    response = ModelResponse(model=model.model_name)
    lowered = False
    for attempt in range(retries + 1):
        try:
            response = await request(msgs, kwargs)
        except UnsupportedRequestError as exc:
            current = _format_type(kwargs)
            if lowered or exc.feature != "response_format" or current is None:
                raise
            # The server has no such mode: once, ask in the next weaker one, and remember.
            lowered = True
            weaker = "json_object" if current == "json_schema" else "prompt"
            _lower(model, weaker, exc)
            kwargs = {k: v for k, v in kwargs.items() if k != "response_format"}
            if structured_model is not None:
                base, kwargs = prepare_structured(model, plain, structured_model, kwargs)
                instruction = parser.instruction
            elif weaker == "json_object":
                kwargs["response_format"] = {"type": "json_object"}
            msgs = base
            response = await request(msgs, kwargs)
        transport_retries += response.retries
        prompt += response.usage.prompt_tokens
        completion += response.usage.completion_tokens
        estimated = estimated or response.usage.estimated
        try:
            result = parse(response)
        except Exception as exc:
            errors.append(exc)
            log.info("%s: reply unusable (try %d/%d): %s", model.model_name, attempt + 1,
                     retries + 1, error_text(exc))
            msgs = reask_messages(base, response, exc, instruction, agent)
            continue
        return _finish(response, result, attempt, transport_retries,
                       Usage(prompt, completion, estimated))
    if fault_handler is not None:
        result = _call_handler(fault_handler, response, errors[-1])
        return _finish(response, result, retries, transport_retries,
                       Usage(prompt, completion, estimated))
    raise ResponseParseError(
        f"{model.model_name}: reply still unusable after {retries + 1} request(s) "
        f"({retries} re-ask(s)) and no fault_handler; last error: {error_text(errors[-1])}",
        model=model.model_name, raw=response.text,
    ) from errors[-1]


def _format_type(kwargs: dict[str, Any]) -> str | None:
    fmt = kwargs.get("response_format")
    return str(fmt.get("type")) if isinstance(fmt, dict) and fmt.get("type") else None


def _lower(model: ChatModelBase, mode: str, error: BaseException) -> None:
    """Remember for this model instance that the server cannot do more than ``mode``."""
    if STRUCTURED_MODES.index(mode) > STRUCTURED_MODES.index(model.structured_output):
        model.structured_output = mode
    log.warning("%s: the server refused response_format (%s); structured output falls back "
                "to %r for this model", model.model_name, error_text(error), mode)
    model_event(model, "structured_fallback", f"server refused response_format; now {mode!r}",
                error=error, mode=mode)


def _finish(response: ModelResponse, result: Any, reasks: int, retries: int,
            usage: Usage) -> ModelResponse:
    if isinstance(result, ModelResponse):  # the paper's parse_func returns a response
        response = result
    else:
        response.parsed = result
    response.reasks = reasks
    response.retries = retries
    if reasks:
        response.usage = usage  # every request the call made
    return response


def _call_handler(handler: FaultHandler, response: ModelResponse, error: BaseException) -> Any:
    try:
        params = inspect.signature(handler).parameters.values()
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        takes_two = len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in params)
    except (TypeError, ValueError):
        takes_two = False
    return handler(response, error) if takes_two else handler(response)


__all__ = [
    "DEFAULT_PARSE_RETRIES",
    "JsonDictParser",
        "call_parsed",
    "describe_validation_error",
    "parse_json",
    "prepare_structured",
    "schema_instruction",
]
