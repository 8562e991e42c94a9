"""Model configs (the paper's form) and the registry of model types.

Model types are registered by import path, so that knowing a provider costs nothing until
it is used (the provider's SDK is imported only then).
"""

from __future__ import annotations

import importlib
import json
import os
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from agentcast import secrets
from agentcast.exceptions import AgentcastWarning, ConfigError, UnknownModelTypeError
from agentcast.models.base import ChatModel
from agentcast.models.providers import MODEL_TYPES as _PROVIDER_TYPES
from agentcast.models.providers import resolve_model_string

ModelFactory = Callable[..., Any]

# model_type -> "module:attribute" (resolved lazily) or a factory.
_MODEL_TYPES: dict[str, str | ModelFactory] = {
    "scripted": "agentcast.testing.scripted:ScriptedModel",
    "function": "agentcast.testing.scripted:FunctionModel",
    "fallback": "agentcast.models.fallback:FallbackModel",
}
_MODEL_TYPES.update(_PROVIDER_TYPES)  # every shipped provider (models/providers.py)
_CONFIGS: dict[str, dict[str, Any]] = {}
_INSTANCES: dict[str, Any] = {}

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def register_model_type(model_type: str, factory: str | ModelFactory) -> None:
    """Make ``model_type`` usable in configs. ``factory`` may be "module:attr"."""
    _MODEL_TYPES[model_type] = factory


def known_model_types() -> list[str]:
    return sorted(_MODEL_TYPES)


def _resolve_factory(model_type: str) -> ModelFactory:
    factory = _MODEL_TYPES[model_type]
    if isinstance(factory, str):
        module, _, attr = factory.partition(":")
        factory = getattr(importlib.import_module(module), attr)
        _MODEL_TYPES[model_type] = factory
    return factory


def _expand_env(value: Any, where: str, path: str = "") -> Any:
    if isinstance(value, str):
        def sub(m: re.Match[str]) -> str:
            name = m.group(1)
            if name not in os.environ:
                raise ConfigError(
                    f"{where}: field {path!r}: environment variable {name} is referenced "
                    "but not set",
                    field=path or where,
                )
            return os.environ[name]

        return _ENV_REF.sub(sub, value)
    if isinstance(value, list):
        return [_expand_env(v, where, path) for v in value]
    if isinstance(value, dict):
        return {k: _expand_env(v, where, f"{path}.{k}" if path else k) for k, v in value.items()}
    return value


def read_config_file(path: str | Path) -> Any:
    """Read a JSON or YAML config file."""
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"config file {str(p)!r} does not exist", field=str(p))
    text = p.read_text(encoding="utf-8")
    if p.suffix in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError as exc:
            from agentcast.exceptions import MissingExtraError

            raise MissingExtraError("yaml", "pyyaml", "YAML config files") from exc
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{p}: not valid YAML: {exc}", field=str(p)) from exc
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{p}: not valid JSON: {exc}", field=str(p)) from exc


def validate_model_config(config: Any, index: int | None = None) -> dict[str, Any]:
    """Check one config dict; errors name the field (and the config's position)."""
    where = f"model config #{index}" if index is not None else "model config"
    if not isinstance(config, Mapping):
        raise ConfigError(f"{where}: expected an object, got {type(config).__name__}")
    name = config.get("config_name")
    if name is not None:
        where = f"model config {name!r}"
    for key in ("config_name", "model_type"):
        if key not in config:
            raise ConfigError(f"{where}: missing required field {key!r}", field=key)
        if not isinstance(config[key], str) or not config[key]:
            raise ConfigError(f"{where}: field {key!r} must be a non-empty string", field=key)
    model_type = config["model_type"]
    if model_type not in _MODEL_TYPES:
        raise UnknownModelTypeError(
            f"{where}: unknown model_type {model_type!r}; known types: "
            + ", ".join(known_model_types()),
            field="model_type",
        )
    for key in ("client_args", "generate_args"):
        if key in config and not isinstance(config[key], Mapping):
            raise ConfigError(f"{where}: field {key!r} must be an object", field=key)
    return dict(config)


def load_model_configs(configs: Any, *, clear_existing: bool = False,
                       overwrite: bool = False) -> list[str]:
    """Register configs from a list, a single dict, or a JSON/YAML file path.

    A ``config_name`` that is already loaded keeps its first config and the new one is
    skipped with an :class:`~agentcast.exceptions.AgentcastWarning`, as in AgentScope 0.x
    (two configs silently fighting over one name is how a run ends up on the wrong model).
    ``overwrite=True`` replaces it instead; ``clear_existing=True`` drops every loaded config
    first. Returns the names registered by this call.
    """
    if isinstance(configs, (str, Path)):
        configs = read_config_file(configs)
    if isinstance(configs, Mapping):
        configs = [configs]
    if not isinstance(configs, Iterable):
        raise ConfigError(
            f"model_configs must be a list, a dict or a file path, got {type(configs).__name__}"
        )
    checked = [validate_model_config(c, i) for i, c in enumerate(configs)]
    secrets.register_config(checked)  # keys, URL userinfo, auth headers, ${VAR} values
    if clear_existing:
        _CONFIGS.clear()
        _INSTANCES.clear()
    names = []
    for config in checked:
        name = config["config_name"]
        if name in _CONFIGS and not overwrite:
            warnings.warn(
                f"model config name {name!r} is already loaded; keeping the first config "
                "(pass overwrite=True to replace it)", AgentcastWarning, stacklevel=2)
            continue
        _CONFIGS[name] = config
        _INSTANCES.pop(name, None)
        names.append(name)
    return names


def clear_model_configs() -> None:
    _CONFIGS.clear()
    _INSTANCES.clear()


def build_model(config: Mapping[str, Any]) -> Any:
    """Instantiate a model from one config dict."""
    config = validate_model_config(config)
    where = f"model config {config['config_name']!r}"
    secrets.register_config(config)
    args = _expand_env({k: v for k, v in config.items() if k != "model_type"}, where)
    factory = _resolve_factory(config["model_type"])
    try:
        return factory(**args)
    except TypeError as exc:
        bad = re.search(r"argument:? '(\w+)'", str(exc))
        if bad and "unexpected" in str(exc):
            raise ConfigError(f"{where}: unknown field {bad.group(1)!r} for model_type "
                              f"{config['model_type']!r}", field=bad.group(1)) from exc
        raise ConfigError(f"{where}: {exc}", field=bad.group(1) if bad else None) from exc


# Hook for "provider:model" strings (the models layer registers a resolver here).
_STRING_RESOLVERS: list[Callable[[str], Any]] = []


def register_string_resolver(resolver: Callable[[str], Any]) -> None:
    """Resolvers turn strings like "openai:gpt-4o" into models; return None to pass."""
    _STRING_RESOLVERS.append(resolver)


def get_model(ref: Any) -> ChatModel:
    """A model from a config name, a "provider:model" string, or a model object."""
    if ref is None:
        raise ConfigError("no model given: pass model=<config name or model object>", field="model")
    if not isinstance(ref, str):
        return ref  # type: ignore[no-any-return]
    if ref in _INSTANCES:
        return _INSTANCES[ref]  # type: ignore[no-any-return]
    if ref in _CONFIGS:
        model = _INSTANCES[ref] = build_model(_CONFIGS[ref])
        return model  # type: ignore[no-any-return]
    for resolver in _STRING_RESOLVERS:
        model = resolver(ref)
        if model is not None:
            _INSTANCES[ref] = model
            return model  # type: ignore[no-any-return]
    known = ", ".join(sorted(_CONFIGS)) or "none loaded"
    raise ConfigError(
        f"unknown model {ref!r}: not a loaded config name (loaded: {known}) "
        "and not a 'provider:model' string",
        field="model",
    )


register_string_resolver(resolve_model_string)  # "openai:gpt-4o", "ollama:llama3", ...
