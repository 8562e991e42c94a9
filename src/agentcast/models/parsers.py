"""Reply parsers in AgentScope 0.x's form: a format instruction for the prompt, and
``parse(response)`` that fills ``response.parsed``.

Why a second family beside models/parsing.py: code written for AgentScope builds its prompts
from ``parser.format_instruction`` and routes the parsed keys with ``to_content`` /
``to_memory`` / ``to_metadata``; porting it should not mean rewriting that. Each parser is
also a ``parse_func`` (``await model(msgs, parse_func=parser)``), so a bad reply is shown to
the model and asked again like any other. Failures raise
:class:`~agentcast.exceptions.ReplyFormatError` (a missing tag:
:class:`~agentcast.exceptions.TagNotFoundError`), whose text the model reads.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Sequence
from typing import Any, Union

from agentcast.exceptions import ReplyFormatError, TagNotFoundError
from agentcast.models.base import ModelResponse

# True: the whole dict; False/None: nothing; "key": that key's value; [keys]: a sub-dict.
KeyFilter = Union[bool, str, Sequence[str], None]


def extract_between(text: str, tag_begin: str, tag_end: str) -> str:
    """The text between the first ``tag_begin`` and the next ``tag_end`` after it."""
    start = text.find(tag_begin)
    end = text.find(tag_end, start + len(tag_begin) if start != -1 else 0)
    if start == -1 or end == -1:
        missing = [t for t, gone in ((tag_begin, start == -1), (tag_end, end == -1)) if gone]
        raise TagNotFoundError(
            f"missing tag{'s' if len(missing) > 1 else ''} {' and '.join(missing)} in the "
            f"reply; write the answer between {tag_begin} and {tag_end}",
            raw_response=text, missing_begin_tag=start == -1, missing_end_tag=end == -1)
    return text[start + len(tag_begin):end]


class ReplyParser:
    """The shared face: ``format_instruction``, ``parse(response)`` and ``parse_func`` use."""

    _text = ""

    @property
    def format_instruction(self) -> str:
        """The text to put in the prompt that tells the model the reply's format."""
        return self._text

    def parse(self, response: ModelResponse) -> ModelResponse:  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, response: ModelResponse) -> Any:
        """As a ``parse_func``: the parsed value."""
        return self.parse(response).parsed

    @property
    def instruction(self) -> str:
        """The same text as ``format_instruction`` (the name agentcast's agents read)."""
        return self.format_instruction


class DictFilterMixin:
    """Which parsed keys the others hear, the agent remembers, and the program reads."""

    def __init__(self, keys_to_memory: KeyFilter = True, keys_to_content: KeyFilter = True,
                 keys_to_metadata: KeyFilter = False) -> None:
        self.keys_to_memory = keys_to_memory
        self.keys_to_content = keys_to_content
        self.keys_to_metadata = keys_to_metadata

    def to_memory(self, parsed: dict[str, Any], allow_missing: bool = False) -> Any:
        return filter_keys(parsed, self.keys_to_memory, allow_missing)

    def to_content(self, parsed: dict[str, Any], allow_missing: bool = False) -> Any:
        return filter_keys(parsed, self.keys_to_content, allow_missing)

    def to_metadata(self, parsed: dict[str, Any], allow_missing: bool = False) -> Any:
        return filter_keys(parsed, self.keys_to_metadata, allow_missing)


def filter_keys(parsed: dict[str, Any], keys: KeyFilter, allow_missing: bool = False) -> Any:
    """``True``: the dict; ``False``/``None``: None; ``"k"``: its value; ``[ks]``: a sub-dict.

    A named key that is missing raises ReplyFormatError unless ``allow_missing``.
    """
    if keys is None or isinstance(keys, bool):
        return parsed if keys else None
    if isinstance(keys, str):
        if keys not in parsed:
            if allow_missing:
                return None
            raise ReplyFormatError(f"the reply lacks the key {keys!r}")
        return parsed[keys]
    missing = [k for k in keys if k not in parsed]
    if missing and not allow_missing:
        raise ReplyFormatError(f"the reply lacks the key(s) {', '.join(map(repr, missing))}")
    return {k: parsed[k] for k in keys if k in parsed}


class MarkdownCodeBlockParser(ReplyParser):
    """The first fenced block of ``language_name`` in the reply, as text."""

    def __init__(self, language_name: str, content_hint: str | None = None) -> None:
        self.name = f"{language_name} block"
        self.tag_begin = f"```{language_name}"
        self.tag_end = "```"
        self.content_hint = (f"${{your_{language_name}_code}}" if content_hint is None
                             else content_hint)
        self._text = (
            f"You should generate {language_name} code in a {language_name} fenced code "
            f"block as follows: \n```{language_name}\n{self.content_hint}\n```")

    def parse(self, response: ModelResponse) -> ModelResponse:
        response.parsed = extract_between(response.text or "", self.tag_begin, self.tag_end)
        return response


class MarkdownJsonObjectParser(ReplyParser):
    """Any JSON value in a fenced ```json block; a missing fence tag is added back."""

    tag_begin = "```json"
    tag_end = "```"
    content_hint = "{your_json_object}"
    _instruction = ("You should respond a json object in a json fenced code block as "
                    "follows:\n```json\n{content_hint}\n```")

    def __init__(self, content_hint: Any = None) -> None:
        if content_hint is not None:
            self.content_hint = (content_hint if isinstance(content_hint, str)
                                 else json.dumps(content_hint, ensure_ascii=False))

    @property
    def format_instruction(self) -> str:
        return self._instruction.format(content_hint=self.content_hint)

    def parse(self, response: ModelResponse) -> ModelResponse:
        text = response.text or ""
        try:
            inner = extract_between(text, self.tag_begin, self.tag_end)
        except TagNotFoundError as exc:  # a model that forgot one fence: add it back
            fixed = (self.tag_begin + "\n" if exc.missing_begin_tag else "") + text + (
                self.tag_end if exc.missing_end_tag else "")
            try:
                inner = extract_between(fixed, self.tag_begin, self.tag_end)
            except TagNotFoundError:
                raise exc from None
            response.text = fixed
        try:
            response.parsed = json.loads(inner)
        except ValueError as exc:
            raise ReplyFormatError(
                f"the content between {self.tag_begin} and {self.tag_end} must be JSON; "
                f"parsing {inner.strip()[:200]!r} failed: {exc}") from None
        return response


class MarkdownJsonDictParser(MarkdownJsonObjectParser, DictFilterMixin):
    """A JSON object in a ```json block, with required keys or a pydantic model as schema.

    ``content_hint`` may be text, a dict (shown as JSON) or a pydantic model class (its
    schema goes into the instruction and the reply is validated and coerced by it).
    """

    content_hint = "{your_json_dictionary}"
    _instruction = ("Respond a JSON dictionary in a markdown's fenced code block as "
                    "follows:\n```json\n{content_hint}\n```")
    _with_schema = _instruction + "\nThe generated JSON dictionary MUST follow this schema: \n{schema}"

    def __init__(self, content_hint: Any = None, required_keys: Sequence[str] | None = None,
                 keys_to_memory: KeyFilter = True, keys_to_content: KeyFilter = True,
                 keys_to_metadata: KeyFilter = False) -> None:
        self.pydantic_class: Any = None
        if inspect.isclass(content_hint) and hasattr(content_hint, "model_json_schema"):
            self.pydantic_class = content_hint
            content_hint = "{a_JSON_dictionary}"
        MarkdownJsonObjectParser.__init__(self, content_hint)
        DictFilterMixin.__init__(self, keys_to_memory, keys_to_content, keys_to_metadata)
        self.required_keys = list(required_keys or [])

    @property
    def format_instruction(self) -> str:
        if self.pydantic_class is None:
            return self._instruction.format(content_hint=self.content_hint)
        return self._with_schema.format(content_hint=self.content_hint,
                                        schema=self.pydantic_class.model_json_schema())

    def parse(self, response: ModelResponse) -> ModelResponse:
        response = super().parse(response)
        if not isinstance(response.parsed, dict):
            raise ReplyFormatError(
                f"a JSON object (dictionary) is wanted, got a {type(response.parsed).__name__}")
        if self.pydantic_class is not None:
            try:
                response.parsed = self.pydantic_class(**response.parsed).model_dump()
            except Exception as exc:  # pydantic's ValidationError: the model reads it
                raise ReplyFormatError(str(exc)) from None
        missing = [k for k in self.required_keys if k not in response.parsed]
        if missing:
            raise ReplyFormatError(
                f"missing required field{'s' if len(missing) > 1 else ''} "
                f"{', '.join(map(repr, missing))} in the JSON dictionary")
        return response


class TaggedContent:
    """One field of a :class:`MultiTaggedContentParser`: its key, tags and hint."""

    def __init__(self, name: str, tag_begin: str, content_hint: str, tag_end: str,
                 parse_json: bool = False) -> None:
        self.name = name
        self.tag_begin = tag_begin
        self.content_hint = content_hint
        self.tag_end = tag_end
        self.parse_json = parse_json

    def __str__(self) -> str:
        return f"{self.tag_begin}{self.content_hint}{self.tag_end}"


class MultiTaggedContentParser(ReplyParser, DictFilterMixin):
    """A dict from several tagged spans (``[SPEAK]...[/SPEAK]``): easier for a model than
    JSON with escapes. ``parse_json=True`` fields are JSON-decoded; keys in
    ``keys_allow_missing`` may be absent."""

    def __init__(self, *tagged_contents: TaggedContent, keys_to_memory: KeyFilter = True,
                 keys_to_content: KeyFilter = True, keys_to_metadata: KeyFilter = False,
                 keys_allow_missing: Sequence[str] | None = None) -> None:
        DictFilterMixin.__init__(self, keys_to_memory, keys_to_content, keys_to_metadata)
        self.keys_allow_missing = list(keys_allow_missing or [])
        self.tagged_contents = list(tagged_contents)
        json_tags = ", ".join(f"{t.tag_begin} and {t.tag_end}" for t in tagged_contents
                              if t.parse_json)
        hint = (f", and the content between {json_tags} MUST be a JSON object:"
                if json_tags else ": ")
        lines = "\n".join(str(t) for t in tagged_contents)
        self._text = f"Respond with specific tags as outlined below{hint}\n{lines}"

    def parse(self, response: ModelResponse) -> ModelResponse:
        text = response.text or ""
        out: dict[str, Any] = {}
        for tagged in self.tagged_contents:
            try:
                value: Any = extract_between(text, tagged.tag_begin, tagged.tag_end)
            except TagNotFoundError:
                if tagged.name in self.keys_allow_missing:
                    continue
                raise
            if tagged.parse_json:
                try:
                    value = json.loads(value)
                except ValueError as exc:
                    raise ReplyFormatError(
                        f"the content between {tagged.tag_begin} and {tagged.tag_end} must be "
                        f"JSON; parsing {value.strip()[:200]!r} failed: {exc}") from None
            out[tagged.name] = value
        response.parsed = out
        return response


__all__ = [
    "DictFilterMixin", "KeyFilter", "MarkdownCodeBlockParser", "MarkdownJsonDictParser",
    "MarkdownJsonObjectParser", "MultiTaggedContentParser", "ReplyParser", "TaggedContent",
    "extract_between", "filter_keys",
]
