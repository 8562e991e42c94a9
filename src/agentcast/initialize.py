"""``ac.init``: load model configs, build agents from configs, start the run's records."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agentcast.exceptions import ConfigError


def init(
    model_configs: Any = None,
    agent_configs: Any = None,
    *,
    run_dir: str | Path | None = "runs",
    run_name: str | None = None,
    logger_level: str = "INFO",
    verbose: bool | None = None,
    stream: bool | None = None,
    exit_timeout: float | None = None,
    wait_timeout: float | None = None,
    ray_address: str | None = None,
    durable: bool = False,
    resume: str | None = None,
    seed: int | None = None,
    in_flight: str = "stop",
    durable_url: str | None = None,
    **observe_options: Any,
) -> list[Any]:
    """Set up agentcast for this process and return the agents built from ``agent_configs``.

    ``model_configs``: a list of dicts, one dict, or a JSON/YAML file in the paper's form
    (``config_name``, ``model_type``, ...). ``agent_configs``: ``{"class": ..., "args":
    {...}}`` items (a list or a JSON/YAML file); the class is a public agentcast name or
    "module:Class". ``run_dir=None`` records nothing to disk. ``ray_address`` ("HEAD:PORT")
    is the Ray cluster that ``to_dist()`` joins. Further keyword arguments go to
    the observability layer (budgets, prices, tracing, ...).

    ``durable=True`` journals every agent call (and the model and tool calls inside it)
    before its result is delivered; ``resume="RUN_ID"`` re-runs this program against that
    run's record (implies ``durable``; ``agentcast resume RUN_ID script.py`` sets it through
    the environment). ``seed`` seeds ``ac.random`` for a new durable run; ``in_flight``
    says what a resumed run does with a side-effecting tool that was running at the crash:
    "stop" (stop and ask a person, through an approval request) or "rerun". ``durable_url`` ("postgresql://...") keeps the journal in that
    database instead of the run directory, so another machine can resume. See
    docs/durable.md.
    """
    from agentcast.durable.session import resume_from_env

    if resume is None:
        resume = resume_from_env()
    if resume is not None:
        from agentcast.observe.run import check_run_id

        durable = True
        observe_options["run_id"] = check_run_id(resume, "resume")
    if durable and run_dir is None:
        raise ConfigError("durable runs are recorded in the run store: pass run_dir= "
                          "(for example 'runs'), not None", field="run_dir")
    if resume is not None and durable_url is None and run_dir is not None:  # before any mkdir
        from agentcast.durable.session import check_resumable

        check_resumable(run_dir, resume)
    from agentcast.agents.base import settings
    from agentcast.models.registry import load_model_configs
    from agentcast.runtime.scheduler import get_runtime

    if verbose is None:  # the terminal chat follows the log level (CHAT sits at 25)
        level = logging.getLevelName(str(logger_level).upper())
        verbose = not isinstance(level, int) or level <= 25
    settings["verbose"] = verbose
    if stream is not None:
        settings["stream"] = stream
    if exit_timeout is not None:
        get_runtime().exit_timeout = exit_timeout
    if wait_timeout is not None:  # the bound on any single wait for agents
        get_runtime().wait_timeout = float(wait_timeout)
    if ray_address is not None:  # the cluster to_dist() joins (nothing starts until then)
        from agentcast.runtime.ray_backend import configure

        configure(ray_address)
    if model_configs is not None:
        load_model_configs(model_configs)
    run = _start_observability(run_dir, run_name, logger_level, observe_options)
    if durable:
        from agentcast.durable.session import start

        start(run, resume=resume is not None, seed=seed, in_flight=in_flight,
              url=durable_url)
    if agent_configs is None:
        return []
    return build_agents(agent_configs)


def _start_observability(
    run_dir: str | Path | None, run_name: str | None, logger_level: str, options: dict[str, Any]
) -> Any:
    """Start the run's records (owned by observe). ``run_dir=None`` and no options: no run at
    all; ``run_dir=None`` with options (budgets, tracing...): a run with nothing on disk."""
    if run_dir is None and not options:
        return None
    import inspect

    from agentcast.observe.run import start_run

    known = set(inspect.signature(start_run).parameters) - {"run_dir", "run_name", "logger_level"}
    unknown = sorted(set(options) - known)
    if unknown:
        raise ConfigError(
            f"unknown init option(s) {unknown}; observability options are {sorted(known)}",
            field=unknown[0],
        )
    return start_run(run_dir=run_dir, run_name=run_name, logger_level=logger_level, **options)


def build_agents(agent_configs: Any) -> list[Any]:
    """Agents from ``{"class": ..., "args": {...}}`` configs."""
    from agentcast.models.registry import read_config_file

    if isinstance(agent_configs, (str, Path)):
        agent_configs = read_config_file(agent_configs)
    if isinstance(agent_configs, Mapping):
        agent_configs = [agent_configs]
    if not isinstance(agent_configs, list):
        raise ConfigError("agent_configs must be a list, a dict or a file path")
    agents = []
    for i, config in enumerate(agent_configs):
        where = f"agent config #{i}"
        if not isinstance(config, Mapping):
            raise ConfigError(f"{where}: expected an object, got {type(config).__name__}")
        if "class" not in config:
            raise ConfigError(f"{where}: missing required field 'class'", field="class")
        args = config.get("args", {})
        if not isinstance(args, Mapping):
            raise ConfigError(f"{where}: field 'args' must be an object", field="args")
        cls = _agent_class(config["class"], where)
        try:
            agents.append(cls(**args))
        except TypeError as exc:
            raise ConfigError(f"{where} ({config['class']}): bad 'args': {exc}", field="args") from exc
    return agents


def _agent_class(name: Any, where: str) -> Any:
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{where}: field 'class' must be a non-empty string", field="class")
    if ":" in name:
        module, _, attr = name.partition(":")
        try:
            return getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as exc:
            raise ConfigError(f"{where}: cannot import agent class {name!r}: {exc}",
                              field="class") from exc
    import agentcast
    from agentcast.agents.base import Agent

    known = sorted(n for n in agentcast.__all__ if n.endswith("Agent") and n != "Agent")
    if name in agentcast.__all__:
        cls = getattr(agentcast, name)
        if isinstance(cls, type) and issubclass(cls, Agent):
            return cls
    raise ConfigError(
        f"{where}: unknown agent class {name!r}; known: {', '.join(known)} (or 'module:Class')",
        field="class",
    )
