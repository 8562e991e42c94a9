"""DictDialogAgent: a dialog agent whose every reply is a dict with known keys.

Games and workflows branch on what an agent decided, not on prose, so the reply is a JSON
object with required keys (or a pydantic schema), obtained through every fault layer: rule
repair of messy JSON, re-asking the model with the error, then ``fault_handler``. Which keys
the others hear (content), which the program reads (metadata) and which the agent remembers
(memory) are chosen separately: a werewolf keeps its ``thought`` in memory but only says its
``speech``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Union

from agentcast.agents.dialog import DialogAgent
from agentcast.exceptions import ConfigError
from agentcast.message import Msg
from agentcast.models.base import ChatModel, ChatModelBase, ModelResponse
from agentcast.models.parsers import ReplyParser
from agentcast.models.parsing import JsonDictParser

# True: the whole dict; False/None: nothing; "key": that key's value; [keys]: a sub-dict.
KeySelection = Union[bool, str, Sequence[str], None]


def select_keys(data: Any, selection: KeySelection) -> Any:
    """Pick what ``selection`` names out of the parsed reply."""
    if selection is True:
        return data
    if selection is None or selection is False:
        return None
    if not isinstance(data, dict):
        return data
    if isinstance(selection, str):
        return data.get(selection)
    return {k: data[k] for k in selection if k in data}


def _check_selection(value: Any, field: str) -> KeySelection:
    ok = value is None or isinstance(value, (bool, str)) or (
        isinstance(value, Sequence) and all(isinstance(k, str) for k in value)
    )
    if not ok:
        raise ConfigError(f"{field} must be True/False, a key, or a list of keys", field=field)
    return value  # type: ignore[no-any-return]


class DictDialogAgent(DialogAgent):
    """Replies with a dict: ``required_keys`` (a JSON object having them) or ``schema``
    (a pydantic model, validated; the provider's structured output is used where it exists).

    ``keys_to_content`` / ``keys_to_metadata`` / ``keys_to_memory`` route the keys: ``True``
    (all), ``False`` (none), ``"key"`` (that value) or ``["a", "b"]`` (a sub-dict). Metadata
    keys read back as attributes of the reply (``msg.finish_discussion``). ``max_retries``
    counts re-asks after an unusable reply; then ``fault_handler(response)`` gives the dict, or
    ``ResponseParseError`` is raised where the reply is read.
    """

    def __init__(
        self,
        name: str,
        sys_prompt: str | None = None,
        model: str | ChatModel | None = None,
        *,
        required_keys: Sequence[str] | None = None,
        schema: type[Any] | None = None,
        keys_to_content: KeySelection = True,
        keys_to_metadata: KeySelection = False,
        keys_to_memory: KeySelection = True,
        max_retries: int = 2,
        fault_handler: Callable[..., Any] | None = None,
        parser: ReplyParser | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name, sys_prompt, model, **kwargs)
        if required_keys is not None and schema is not None:
            raise ConfigError("give required_keys or schema, not both", field="schema")
        if isinstance(required_keys, str):
            required_keys = [required_keys]
        if schema is not None and not hasattr(schema, "model_validate"):
            raise ConfigError("schema must be a pydantic model class", field="schema")
        self.schema = schema
        self.parser: JsonDictParser | ReplyParser = JsonDictParser(required_keys or (), schema)
        self.keys_to_content = _check_selection(keys_to_content, "keys_to_content")
        self.keys_to_metadata = _check_selection(keys_to_metadata, "keys_to_metadata")
        self.keys_to_memory = _check_selection(keys_to_memory, "keys_to_memory")
        self.max_retries = max_retries
        self.fault_handler = fault_handler
        if parser is not None:
            self.set_parser(parser)

    def set_parser(self, parser: ReplyParser) -> None:
        """Use an AgentScope-style parser (agentcast.models.parsers): its format instruction
        goes into the prompt, it parses the reply, and its ``keys_to_*`` route the keys."""
        if not isinstance(parser, ReplyParser):
            raise ConfigError("parser must be one of agentcast.models.parsers' parsers",
                              field="parser")
        self.parser = parser
        for field in ("keys_to_content", "keys_to_metadata", "keys_to_memory"):
            if hasattr(parser, field):
                setattr(self, field, _check_selection(getattr(parser, field), field))

    async def reply(self, x: Msg | list[Msg] | None = None) -> Msg:
        prompt = self.remember_and_prompt(x)
        response = await self.call_model(prompt, **self._parse_kwargs(prompt))
        data = self.to_dict(response)
        msg = self.make_dict_reply(data)
        if self.memory is not None and self.keys_to_memory not in (None, False):
            memo = select_keys(data, self.keys_to_memory)
            self.memory.add(Msg(self.name, memo, role="assistant"))
        self.speak(msg)
        return msg

    def _parse_kwargs(self, prompt: list[Msg]) -> dict[str, Any]:
        common: dict[str, Any] = {"max_retries": self.max_retries,
                                  "fault_handler": self.fault_handler}
        if self.schema is not None:
            return {**common, "structured_model": self.schema}
        prompt.append(Msg("system", self.parser.instruction, role="user"))
        model = self.model
        if isinstance(self.parser, JsonDictParser) and isinstance(model, ChatModelBase) and \
                model.structured_output != "prompt":
            common["response_format"] = {"type": "json_object"}
        return {**common, "parse_func": self.parser}

    def to_dict(self, response: ModelResponse) -> Any:
        """The parsed reply as plain data (a pydantic instance is dumped to a dict)."""
        parsed = response.parsed
        dump = getattr(parsed, "model_dump", None)
        if callable(dump):
            return dump(mode="json")
        return parsed

    def make_dict_reply(self, data: Any) -> Msg:
        """The reply message: content and metadata picked from ``data``."""
        content = select_keys(data, self.keys_to_content)
        metadata = select_keys(data, self.keys_to_metadata) if isinstance(data, dict) else None
        if metadata is not None and not isinstance(metadata, dict):
            key = self.keys_to_metadata if isinstance(self.keys_to_metadata, str) else "value"
            metadata = {key: metadata}
        return Msg(self.name, content, role="assistant", metadata=metadata or None)


__all__ = ["DictDialogAgent", "KeySelection", "select_keys"]
