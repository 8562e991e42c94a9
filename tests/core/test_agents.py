"""Agent base, DialogAgent, UserAgent, memory, state, speak and init."""

import json

import pytest

import agentcast as ac
from agentcast import Msg
from agentcast.exceptions import ConfigError, UnknownModelTypeError
from agentcast.models.registry import clear_model_configs
from agentcast.testing import FunctionModel, ScriptedModel


@pytest.fixture(autouse=True)
def _fresh_configs():
    clear_model_configs()
    yield
    clear_model_configs()


def test_dialog_agent_sends_system_prompt_and_memory_and_stores_both():
    model = ScriptedModel(["hi, I am the assistant", "second answer"])
    bot = ac.DialogAgent("assistant", "You are helpful.", model=model)
    first = bot(Msg("user", "hello", role="user"))
    assert first.content == "hi, I am the assistant"
    bot(Msg("user", "again", role="user")).content  # noqa: B018
    sent = model.calls[1]["messages"]
    assert [m.role for m in sent] == ["system", "user", "assistant", "user"]
    assert sent[0].content == "You are helpful."
    assert [m.content for m in bot.memory.get()] == [
        "hello", "hi, I am the assistant", "again", "second answer"]
    model.assert_complete()


def test_scripted_model_records_calls_raises_queued_errors_and_checks_completion():
    model = ScriptedModel(["a", RuntimeError("boom"), "c"])
    bot = ac.DialogAgent("bot", model=model)
    assert bot().content == "a"
    with pytest.raises(ac.AgentCallError) as info:
        bot().content  # noqa: B018
    assert isinstance(info.value.original, RuntimeError)
    with pytest.raises(AssertionError, match="never used"):
        model.assert_complete()
    assert bot().content == "c"
    model.assert_complete()
    assert len(model.calls) == 3


def test_function_model_computes_replies_and_simulates_latency():
    import time

    model = FunctionModel(lambda msgs: f"{len(msgs)} messages", latency=0.2)
    agents = [ac.DialogAgent(f"d{i}", model=model) for i in range(5)]
    t0 = time.perf_counter()
    outs = [a(Msg("u", "x")) for a in agents]
    assert [o.content for o in outs] == ["1 messages"] * 5
    assert time.perf_counter() - t0 < 0.6


def test_memory_operations_and_export_load(tmp_path):
    agent = ac.DialogAgent("a", model=ScriptedModel([]))
    mem = agent.memory
    msgs = [Msg("u", i) for i in range(5)]
    mem.add(msgs[0])
    mem.add(msgs[1:])
    mem.add(None)
    assert mem.size() == 5
    assert [m.content for m in mem.get(recent_n=2)] == [3, 4]
    mem.delete(0)
    mem.delete([0, 1])
    assert [m.content for m in mem.get()] == [3, 4]
    path = tmp_path / "mem.json"
    mem.export(path)
    mem.clear()
    assert mem.size() == 0
    mem.load(path)
    assert [m.content for m in mem.get()] == [3, 4]
    with pytest.raises(ValueError):
        mem.load([{"name": 1}])


def test_state_dict_round_trip():
    a = ac.DialogAgent("a", "sys", model=ScriptedModel(["one"]))
    a(Msg("u", "hi")).content  # noqa: B018
    state = json.loads(json.dumps(a.state_dict()))
    b = ac.DialogAgent("a", model=ScriptedModel([]))
    b.load_state_dict(state)
    assert [m.content for m in b.memory.get()] == ["hi", "one"]
    assert b.sys_prompt == "sys"


def test_speak_prints_with_name(capsys):
    from agentcast.agents import base

    agent = ac.DialogAgent("Narrator", model=ScriptedModel([]), verbose=True)
    base._console = None
    agent.speak(Msg("Narrator", "Once upon a time", url="pic.png"))
    out = capsys.readouterr().out
    assert "Narrator" in out and "Once upon a time" in out and "pic.png" in out
    base._console = None


def test_streaming_prints_tokens_live(capsys):
    from agentcast.agents import base

    base._console = None
    model = ScriptedModel(["streamed words arrive"], chunk_size=4)
    agent = ac.DialogAgent("S", model=model, verbose=True)
    chunks = []
    original = agent._live_printer

    def spy():
        inner = original()

        def on_chunk(chunk):
            chunks.append(chunk.delta)
            inner(chunk)

        return on_chunk

    agent._live_printer = spy
    ac.init(run_dir=None, stream=True)
    try:
        assert agent(Msg("u", "go")).content == "streamed words arrive"
    finally:
        ac.init(run_dir=None, stream=False)
        base._console = None
    assert len(chunks) > 3 and "".join(chunks) == "streamed words arrive"
    assert capsys.readouterr().out.count("streamed words arrive") == 1  # live, not again by speak


def test_user_agent_reads_input_and_exit_ends():
    answers = iter(["hello there", "exit"])
    user = ac.UserAgent("me", input_func=lambda prompt: next(answers))
    first = user(Msg("bot", "hi"))
    assert first.content == "hello there" and first.role == "user"
    assert not ac.UserAgent.is_exit(first)
    assert ac.UserAgent.is_exit(user())


def test_user_agent_end_of_input_means_exit():
    def eof(prompt):
        raise EOFError

    assert ac.UserAgent.is_exit(ac.UserAgent("me", input_func=eof)())


def test_user_agent_waits_without_stalling_others():
    import threading
    import time

    gate = threading.Event()
    user = ac.UserAgent("me", input_func=lambda p: (gate.wait(5), "typed")[1])
    bot = ac.DialogAgent("bot", model=FunctionModel(lambda m: "fast", latency=0.05))
    t0 = time.perf_counter()
    u = user()
    assert bot().content == "fast"
    assert time.perf_counter() - t0 < 1.0
    gate.set()
    assert u.content == "typed"


def test_init_with_model_and_agent_configs(tmp_path):
    cfg = tmp_path / "models.json"
    cfg.write_text(json.dumps([{"config_name": "canned", "model_type": "scripted",
                                "replies": ["from config"]}]))
    agents = ac.init(
        model_configs=str(cfg),
        agent_configs=[{"class": "DialogAgent", "args": {"name": "x", "model": "canned"}}],
        run_dir=None,
    )
    assert len(agents) == 1 and agents[0].name == "x"
    assert agents[0]().content == "from config"


def test_init_with_yaml_model_configs(tmp_path):
    pytest.importorskip("yaml")
    cfg = tmp_path / "models.yaml"
    cfg.write_text("- config_name: y\n  model_type: scripted\n  replies: [from yaml]\n")
    ac.init(model_configs=cfg, run_dir=None)
    assert ac.DialogAgent("d", model="y")().content == "from yaml"


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"model_type": "scripted"}, "config_name"),
        ({"config_name": "a"}, "model_type"),
        ({"config_name": 3, "model_type": "scripted"}, "config_name"),
        ({"config_name": "a", "model_type": "scripted", "generate_args": 3}, "generate_args"),
        ({"config_name": "a", "model_type": "scripted", "client_args": [1]}, "client_args"),
    ],
)
def test_bad_model_configs_name_the_field(config, field):
    with pytest.raises(ConfigError) as info:
        ac.init(model_configs=[config], run_dir=None)
    assert info.value.field == field
    assert field in str(info.value)


def test_unknown_model_type_lists_known_ones():
    with pytest.raises(UnknownModelTypeError) as info:
        ac.init(model_configs=[{"config_name": "a", "model_type": "gpt-magic"}], run_dir=None)
    assert "scripted" in str(info.value) and "function" in str(info.value)


def test_unknown_model_name_and_bad_agent_configs():
    with pytest.raises(ConfigError, match="unknown model"):
        ac.DialogAgent("d", model="nope").model  # noqa: B018
    with pytest.raises(ConfigError, match="class"):
        ac.init(agent_configs=[{"args": {}}], run_dir=None)
    with pytest.raises(ConfigError, match="unknown agent class"):
        ac.init(agent_configs=[{"class": "WizardAgent", "args": {}}], run_dir=None)
    with pytest.raises(ConfigError, match="args"):
        ac.init(agent_configs=[{"class": "DialogAgent", "args": {"bogus": 1}}], run_dir=None)


def test_env_references_in_configs(monkeypatch):
    monkeypatch.setenv("AGENTCAST_TEST_REPLY", "from env")
    ac.init(model_configs=[{"config_name": "e", "model_type": "scripted",
                            "replies": ["${AGENTCAST_TEST_REPLY}"]}], run_dir=None)
    assert ac.DialogAgent("d", model="e")().content == "from env"
    ac.init(model_configs=[{"config_name": "m", "model_type": "scripted",
                            "replies": ["${AGENTCAST_UNSET_VAR_XYZ}"]}], run_dir=None)
    with pytest.raises(ConfigError, match="AGENTCAST_UNSET_VAR_XYZ"):
        ac.DialogAgent("d", model="m").model  # noqa: B018


def test_fake_models_keep_a_bounded_call_record():
    import asyncio

    model = FunctionModel(lambda msgs: "ok", record_calls=3)
    for _ in range(10):
        asyncio.run(model([Msg("u", "x")]))
    assert model.call_count == 10
    assert 3 <= len(model.calls) <= 6
    unrecorded = FunctionModel(lambda msgs: "ok", record_calls=0)
    asyncio.run(unrecorded([Msg("u", "x")]))
    assert unrecorded.calls == [] and unrecorded.call_count == 1
