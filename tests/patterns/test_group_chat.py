"""GroupChat: every selection method, auto's re-ask and fallback, graphs, hub delivery."""

import pytest

import agentcast as ac
from agentcast import Msg
from agentcast.exceptions import UsageError
from agentcast.testing.scripted import ScriptedModel


class Speaker(ac.Agent):
    """Says "<name>-<n>"; remembers what it is called with and what it said."""

    def __init__(self, name, description=""):
        super().__init__(name)
        self.description = description
        self.n = 0

    async def reply(self, x):
        self.memory.add(x)
        self.n += 1
        out = Msg(self.name, f"{self.name}-{self.n}")
        self.memory.add(out)
        return out


def members(*names):
    return [Speaker(n, f"{n} does {n} things") for n in names]


def speakers(result):
    return [m.name for m in result.history[1:]]


def run(groupchat, model=None, message="task", sender=None):
    manager = ac.GroupChatManager(groupchat, model=model)
    return manager.run_group_chat(message, sender), manager


def test_round_robin_and_max_round():
    a, b, c = members("a", "b", "c")
    r, _ = run(ac.GroupChat([a, b, c], max_round=5, speaker_selection_method="round_robin"))
    assert speakers(r) == ["a", "b", "c", "a"]  # max_round counts the opening message
    assert r.stop_reason == "reached max_round=5"
    assert r.summary == "a-2"


def test_every_message_reaches_every_member():
    a, b, c = members("a", "b", "c")
    run(ac.GroupChat([a, b, c], max_round=4, speaker_selection_method="round_robin"))
    ac.wait_all()
    for agent in (a, b, c):
        assert [m.content for m in agent.memory.get()] == ["task", "a-1", "b-1", "c-1"]


def test_random_is_seeded():
    def order(seed):
        gc = ac.GroupChat(members("a", "b", "c"), max_round=8,
                          speaker_selection_method="random", seed=seed)
        return speakers(run(gc)[0])

    assert order(7) == order(7)
    assert order(7) != order(8) or order(7) != order(9)
    assert set(order(7)) <= {"a", "b", "c"}


def test_auto_selection_uses_the_model():
    a, b, c = members("a", "b", "c")
    model = ScriptedModel(["c", "The next speaker should be b.", "a"])
    r, _ = run(ac.GroupChat([a, b, c], max_round=4), model)
    assert speakers(r) == ["c", "b", "a"]
    first = model.calls[0]["messages"]
    assert "a does a things" in first[0].content and first[1].content == "task"


def test_auto_reasks_on_a_wrong_or_ambiguous_name():
    a, b, c = members("a", "b", "c")
    model = ScriptedModel(["nobody", "a or b", "b"])
    gc = ac.GroupChat([a, b, c], max_round=2)
    r, _ = run(gc, model)
    assert speakers(r) == ["b"]
    reask = model.calls[1]["messages"][-1].content
    assert "named no participant" in reask
    assert "more than one" in model.calls[2]["messages"][-1].content
    assert gc.selection_log[-1] == {"method": "auto", "speaker": "b", "attempts": 3}


def test_auto_falls_back_to_round_robin_after_the_retries():
    a, b, c = members("a", "b", "c")
    model = ScriptedModel(["?", "??", "???", "b", "?", "?", "?"])
    gc = ac.GroupChat([a, b, c], max_round=4, max_retries_for_selecting_speaker=2)
    r, _ = run(gc, model)
    assert speakers(r) == ["a", "b", "c"]  # fallback from nobody -> a; then b; fallback b -> c
    assert gc.selection_log[0]["fallback"] and gc.selection_log[2]["fallback"]
    model.assert_complete()


def test_auto_without_a_model_falls_back_to_round_robin():
    gc = ac.GroupChat(members("a", "b"), max_round=3)
    r, _ = run(gc)
    assert speakers(r) == ["a", "b"]
    assert gc.selection_log[0]["note"] == "the manager has no model"


def test_manual_selection_asks_a_person():
    answers = iter(["2", "zed", "a", ""])
    prompts = []

    def person(prompt):
        prompts.append(prompt)
        return next(answers)

    gc = ac.GroupChat(members("a", "b", "c"), max_round=4, speaker_selection_method="manual",
                      input_func=person)
    r, _ = run(gc)
    # "2" -> b; "zed" is re-asked -> a; "" -> round robin after a -> b
    assert speakers(r) == ["b", "a", "b"]
    assert "not one of them" in prompts[2]


def test_callable_selection():
    def pick(last, groupchat):
        if last not in groupchat.agents:
            return groupchat.agent_by_name("c")
        if last.name == "c":
            return groupchat.agent_by_name("a")
        if last.name == "a":
            return "round_robin"  # a method name delegates
        return None  # ends the chat

    r, _ = run(ac.GroupChat(members("a", "b", "c"), speaker_selection_method=pick))
    assert speakers(r) == ["c", "a", "b"]
    assert r.stop_reason == "the selection function ended the chat"


def test_allowed_transitions_graph():
    a, b, c = members("a", "b", "c")
    graph = {a: [b], b: [c, a], c: [a]}
    gc = ac.GroupChat([a, b, c], max_round=6, speaker_selection_method="random", seed=1,
                      allowed_or_disallowed_speaker_transitions=graph,
                      speaker_transitions_type="allowed")
    r, _ = run(gc, message="start", sender=a)
    names = ["a", *speakers(r)]
    for prev, nxt in zip(names, names[1:]):
        assert nxt in {"a": ["b"], "b": ["c", "a"], "c": ["a"]}[prev], names


def test_single_candidate_is_chosen_without_asking_the_model():
    a, b = members("a", "b")
    model = ScriptedModel([])
    gc = ac.GroupChat([a, b], max_round=5, allowed_or_disallowed_speaker_transitions={
        a: [b], b: [a]}, speaker_transitions_type="allowed")
    r, _ = run(gc, model, message="start", sender=a)
    assert speakers(r) == ["b", "a", "b", "a"]
    assert model.calls == []


def test_disallowed_transitions_and_no_repeat():
    a, b, c = members("a", "b", "c")
    with pytest.raises(UsageError, match="not both"):
        ac.GroupChat([a, b, c], allowed_or_disallowed_speaker_transitions={a: [c]},
                     speaker_transitions_type="disallowed", allow_repeat_speaker=False)
    gc = ac.GroupChat([a, b, c], max_round=7, speaker_selection_method="random", seed=3,
                      allowed_or_disallowed_speaker_transitions={a: [a, c], b: [b], c: [c]},
                      speaker_transitions_type="disallowed")
    names = speakers(run(gc)[0])
    for prev, nxt in zip(names, names[1:]):
        assert nxt != prev
        assert not (prev == "a" and nxt == "c")


def test_bad_graph_names_are_rejected():
    with pytest.raises(UsageError):
        ac.GroupChat(members("a", "b"), allowed_or_disallowed_speaker_transitions={"a": ["zz"]},
                     speaker_transitions_type="allowed")


def test_termination_in_group_chat():
    a, b, c = members("a", "b", "c")
    gc = ac.GroupChat([a, b, c], speaker_selection_method="round_robin",
                      termination=ac.TextMentionTermination("b-2"))
    r, _ = run(gc)
    assert speakers(r) == ["a", "b", "c", "a", "b"]
    assert "b-2" in r.stop_reason


def test_initiate_chat_with_a_manager_and_manager_as_agent():
    user = ac.UserProxyAgent("user", human_input_mode="NEVER")
    a, b = members("a", "b")
    gc = ac.GroupChat([user, a, b], max_round=4, speaker_selection_method="round_robin")
    manager = ac.GroupChatManager(gc)
    r = ac.initiate_chat(user, manager, "do it")
    assert speakers(r) == ["a", "b", "user"]  # round robin after the sender
    assert r.history[0].name == "user"

    gc2 = ac.GroupChat(members("p", "q"), max_round=3, speaker_selection_method="round_robin")
    m2 = ac.GroupChatManager(gc2, name="team")
    out = m2(Msg("boss", "go"))
    assert out.content == "q-1" and out.name == "team"
    assert m2.last_result is not None and len(m2.last_result.history) == 3


def test_manual_selection_through_the_input_provider():
    from agentcast.agents.user import set_input_provider

    asked = []

    def provider(agent, x, prompt):
        asked.append((agent.name, prompt))
        return "c" if len(asked) == 1 else "exit"

    set_input_provider(provider)
    try:
        gc = ac.GroupChat(members("a", "b", "c"), max_round=3, speaker_selection_method="manual")
        r, _ = run(gc)
    finally:
        set_input_provider(None)
    assert speakers(r) == ["c", "a"]  # three bad answers: round robin after c
    assert asked[0][0] == "chat_manager" and "1: a" in asked[0][1]


def test_group_chat_async_with_extra_termination_and_usage():
    import asyncio

    async def main():
        a, b = members("a", "b")
        model = ScriptedModel([{"text": "b", "usage": {"prompt_tokens": 7,
                                                       "completion_tokens": 1}}] * 5)
        manager = ac.GroupChatManager(ac.GroupChat([a, b], max_round=10), model=model)
        user = ac.UserProxyAgent("user", human_input_mode="NEVER")
        return await ac.initiate_chat_async(user, manager, "go",
                                            termination=ac.MaxMessageTermination(3))

    r = asyncio.run(main())
    assert speakers(r) == ["b", "b"]
    assert r.stop_reason == "reached 3 messages"
    assert r.usage["by_agent"]["chat_manager"] == {
        "calls": 2, "errors": 0, "prompt_tokens": 14, "completion_tokens": 2, "total_tokens": 16,
        "cost": 0.0, "unpriced_calls": 2, "estimated_calls": 0}
