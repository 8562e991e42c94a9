"""Fallback models: used only when the primary's own layers are spent."""

from __future__ import annotations

import pytest

from agentcast.exceptions import (
    ConfigError,
    ResponseParseError,
    RetriesExhaustedError,
    TransientModelError,
    UnresolvableModelError,
)
from agentcast.models import registry
from agentcast.models.fallback import FallbackModel
from agentcast.models.parsing import JsonDictParser
from agentcast.testing.scripted import ScriptedModel

from .helpers import FAST, ask, run

DOWN = TransientModelError("503 service unavailable", status=503)


@pytest.fixture
def configs():
    names: list[str] = []

    def load(*cfgs):
        names.extend(registry.load_model_configs(list(cfgs)))
        return [registry.get_model(c["config_name"]) for c in cfgs]

    yield load
    for name in names:
        registry._CONFIGS.pop(name, None)
        registry._INSTANCES.pop(name, None)


def test_fallback_used_after_the_primary_keeps_failing(configs):
    primary, backup, last = configs(
        {"config_name": "fb-primary", "model_type": "scripted", "default": DOWN,
         "retry": FAST, "fallback": ["fb-backup", "fb-last"]},
        {"config_name": "fb-backup", "model_type": "scripted", "default": DOWN, "retry": FAST},
        {"config_name": "fb-last", "model_type": "scripted", "replies": ["from last"]},
    )
    resp = run(primary(ask()))
    assert resp.text == "from last"
    assert len(primary.calls) == 4 and len(backup.calls) == 4  # each spent its own retries
    assert len(last.calls) == 1


def test_no_fallback_when_the_primary_recovers_by_retrying(configs):
    primary, backup = configs(
        {"config_name": "fb-p2", "model_type": "scripted", "replies": [DOWN, "primary ok"],
         "retry": FAST, "fallback": "fb-b2"},
        {"config_name": "fb-b2", "model_type": "scripted", "replies": ["backup"]},
    )
    assert run(primary(ask())).text == "primary ok"
    assert backup.calls == []


def test_no_fallback_on_unresolvable_or_parse_errors_by_default(configs):
    primary, backup = configs(
        {"config_name": "fb-p3", "model_type": "scripted", "retry": FAST, "fallback": ["fb-b3"],
         "replies": [UnresolvableModelError("401 bad key", status=401), "not json"]},
        {"config_name": "fb-b3", "model_type": "scripted", "default": '{"v": 1}'},
    )
    with pytest.raises(UnresolvableModelError):
        run(primary(ask()))
    with pytest.raises(ResponseParseError):
        run(primary(ask(), parse_func=JsonDictParser(["v"]), max_retries=0))
    assert backup.calls == []


def test_fallback_on_parse_errors_when_configured(configs):
    primary, backup = configs(
        {"config_name": "fb-p4", "model_type": "scripted", "default": "no json here",
         "fallback": ["fb-b4"], "fallback_on": ["transient", "parse"]},
        {"config_name": "fb-b4", "model_type": "scripted", "replies": ['{"v": 1}']},
    )
    resp = run(primary(ask(), parse_func=JsonDictParser(["v"]), max_retries=1))
    assert resp.parsed == {"v": 1}
    assert len(primary.calls) == 2 and len(backup.calls) == 1


def test_all_fail_raises_the_last_error(configs):
    primary, _ = configs(
        {"config_name": "fb-p5", "model_type": "scripted", "default": DOWN, "retry": FAST,
         "fallback": ["fb-b5"]},
        {"config_name": "fb-b5", "model_type": "scripted", "default": DOWN, "retry": FAST},
    )
    with pytest.raises(RetriesExhaustedError) as info:
        run(primary(ask()))
    assert isinstance(info.value.__context__, RetriesExhaustedError)


def test_fallback_chains_do_not_loop(configs):
    a, b = configs(
        {"config_name": "fb-loop-a", "model_type": "scripted", "default": DOWN, "retry": FAST,
         "fallback": ["fb-loop-b"]},
        {"config_name": "fb-loop-b", "model_type": "scripted", "default": DOWN, "retry": FAST,
         "fallback": ["fb-loop-a"]},
    )
    with pytest.raises(RetriesExhaustedError):
        run(a(ask()))
    assert len(a.calls) == 4 and len(b.calls) == 4


def test_fallback_model_type(configs):
    robust, first, second = configs(
        {"config_name": "fb-robust", "model_type": "fallback", "models": ["fb-m1", "fb-m2"]},
        {"config_name": "fb-m1", "model_type": "scripted", "default": DOWN, "retry": FAST},
        {"config_name": "fb-m2", "model_type": "scripted", "replies": ["second"]},
    )
    assert isinstance(robust, FallbackModel)
    assert run(robust(ask())).text == "second"
    assert len(first.calls) == 4


def test_fallback_objects_and_bad_config():
    backup = ScriptedModel(["backup"])
    primary = ScriptedModel(default=DOWN, retry=FAST, fallback=[backup])
    assert run(primary(ask())).text == "backup"
    with pytest.raises(ConfigError, match="fallback_on"):
        ScriptedModel([], fallback=["x"], fallback_on=["sometimes"])
