"""``ac.init`` forwards its observability options to ``start_run``."""

from __future__ import annotations

import pytest

import agentcast as ac
from agentcast.exceptions import BudgetExceeded
from agentcast.message import Msg
from agentcast.observe import current_run, query

from .helpers import call


@pytest.fixture(autouse=True)
def _forget_configs():
    from agentcast.models import registry

    yield
    registry._CONFIGS.pop("s", None)
    registry._INSTANCES.pop("s", None)


def test_init_starts_a_recorded_run_with_budgets_and_prices(run_dir):
    ac.init(model_configs=[{"config_name": "s", "model_type": "scripted",
                            "model_name": "house-llm",
                            "replies": [{"text": "a", "usage": {"prompt_tokens": 8,
                                                               "completion_tokens": 2}}]}],
            run_dir=run_dir, run_name="via-init", logger_level="WARNING", console=False,
            prices={"house-llm": (1, 1)}, budgets=[{"max_tokens": 15}])
    run = current_run()
    assert run is not None and run.dir.parent == run_dir
    model = ac.get_model("s")
    call(model, [Msg("user", "hi", role="user")])
    with pytest.raises(BudgetExceeded):
        call(model, [Msg("user", "hi", role="user")])
    assert run.usage()["total"]["cost"] == pytest.approx(10e-6)
    ac.observe.end_run()
    assert query.get_run(run.id, run_dir)["name"] == "via-init"


def test_init_without_run_dir_records_nothing_on_disk(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ac.init(run_dir=None)
    assert current_run() is None  # no run, no listener: nothing is even emitted
    ac.init(run_dir=None, console=False, budgets={"max_tokens": 10})
    run = current_run()  # with options: usage and budgets work, still nothing on disk
    assert run is not None and run.dir is None and run.store is None
    assert list(tmp_path.iterdir()) == []


def test_init_rejects_unknown_observability_options(run_dir):
    with pytest.raises(ac.ConfigError, match="budgetz"):
        ac.init(run_dir=run_dir, budgetz=1)
