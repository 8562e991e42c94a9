"""AutoGen 0.2's group chat, behaviour by behaviour (facts from its test suite).

Each test's docstring names the AutoGen behaviour it checks. The tool-call routing test
crosses a real socket: the assistant's model is an OpenAI client talking to the local
OpenAITestServer, configured the AutoGen way (``llm_config={"config_list": [...]}``).
"""

from typing import Annotated

import pytest

import agentcast as ac
from agentcast.exceptions import AgentNameConflictError
from agentcast.patterns import mentioned_agents
from agentcast.testing import FunctionModel, ScriptedModel
from agentcast.testing.openai_server import OpenAITestServer


def bot(name, reply=None, **kw):
    """A model-less conversable agent that answers ``<name>-<n>`` (or ``reply``)."""
    counter = {"n": 0}
    agent = ac.ConversableAgent(name, llm_config=False, human_input_mode="NEVER",
                                description=kw.pop("description", f"{name} helps"), **kw)

    def answer(recipient, messages, sender, config):
        counter["n"] += 1
        return True, reply if reply is not None else f"{name}-{counter['n']}"

    agent.register_reply([ac.ConversableAgent, None], answer)
    return agent


def names(gc):
    return [m["name"] for m in gc.messages]


def start(gc, message="task", sender=None, **manager_kw):
    manager_kw.setdefault("llm_config", False)
    manager = ac.GroupChatManager(gc, **manager_kw)
    sender = sender or ac.ConversableAgent("outsider", llm_config=False,
                                           human_input_mode="NEVER")
    return sender.initiate_chat(manager, message=message), manager


def test_max_round_counts_the_opening_message():
    """AutoGen 0.2: max_round bounds the group's messages, the opening one included."""
    a, b = bot("a"), bot("b")
    gc = ac.GroupChat([a, b], messages=[], max_round=3, speaker_selection_method="round_robin")
    r, _ = start(gc, sender=a)
    assert names(gc) == ["a", "b", "a"]
    assert r.stop_reason == "reached max_round=3"
    assert ac.GroupChat([a, b], messages=[]).max_round == 10  # AutoGen's default


def test_default_termination_is_the_manager_seeing_exactly_terminate():
    """AutoGen 0.2: the manager's default is_termination_msg ends the group chat at a message
    whose content is "TERMINATE" (a message merely containing it goes on)."""
    a, b = bot("a", reply="I am done TERMINATE"), bot("b", reply="TERMINATE")
    gc = ac.GroupChat([a, b], messages=[], max_round=10,
                      speaker_selection_method="round_robin")
    r, _ = start(gc)
    assert names(gc) == ["outsider", "a", "b"]
    assert r.stop_reason == "termination message from b"


def test_graph_sink_ends_the_chat():
    """AutoGen 0.2: in a transition graph an agent with no successors ends the chat."""
    a, b, c = bot("a"), bot("b"), bot("c")
    gc = ac.GroupChat([a, b, c], messages=[], max_round=10,
                      allowed_or_disallowed_speaker_transitions={a: [b], b: [c]},
                      speaker_transitions_type="allowed")
    r, _ = start(gc, sender=a)
    assert names(gc) == ["a", "b", "c"]  # c has no successor
    assert "no allowed successor" in r.stop_reason


def test_transition_arguments_are_checked():
    """AutoGen 0.2: transitions need speaker_transitions_type; transitions and
    allow_repeat_speaker are mutually exclusive; members only; all ValueError."""
    a, b = bot("a"), bot("b")
    with pytest.raises(ValueError):
        ac.GroupChat([a, b], messages=[], allowed_or_disallowed_speaker_transitions={a: [b]})
    with pytest.raises(ValueError):
        ac.GroupChat([a, b], messages=[], allowed_or_disallowed_speaker_transitions={a: [b]},
                     speaker_transitions_type="allowed", allow_repeat_speaker=True)
    with pytest.raises(ValueError):
        ac.GroupChat([a, b], messages=[], allowed_or_disallowed_speaker_transitions={
            a: [bot("stranger")]}, speaker_transitions_type="allowed")
    with pytest.raises(ValueError):
        ac.GroupChat([a, b], messages=[], speaker_transitions_type="sometimes")
    with pytest.raises(ValueError):
        ac.GroupChat([a, b], messages=[], allow_repeat_speaker="yes")
    with pytest.raises(ValueError):
        ac.GroupChat([a, b], messages=[], max_retries_for_selecting_speaker=-1)
    with pytest.raises(ValueError, match="agents"):
        ac.GroupChat([a, "not an agent"], messages=[])


def test_allow_repeat_speaker_list():
    """AutoGen 0.2: allow_repeat_speaker may list the agents that may speak twice in a row."""
    a, b = bot("a"), bot("b")
    choices = iter(["a", "a", "b", "b", "a"])
    model = FunctionModel(lambda msgs: next(choices))
    gc = ac.GroupChat([a, b], messages=[], max_round=5, allow_repeat_speaker=[a])
    start(gc, sender=a, llm_config={"model": model})
    # a may follow a; b may not follow b, so b's only successor a speaks without a model call
    assert names(gc) == ["a", "a", "a", "b", "a"]


def test_selection_method_is_case_insensitive_and_checked():
    """AutoGen 0.2: speaker selection method names are case-insensitive; an unknown one is a
    ValueError."""
    a, b = bot("a"), bot("b")
    gc = ac.GroupChat([a, b], messages=[], max_round=3, speaker_selection_method="Round_Robin")
    start(gc, sender=a)
    assert names(gc) == ["a", "b", "a"]
    with pytest.raises(ValueError):
        ac.GroupChat([a, b], messages=[], speaker_selection_method="loudest")


def test_underpopulated_group_is_a_value_error():
    """AutoGen 0.2: selecting a speaker among fewer than two agents raises ValueError."""
    gc = ac.GroupChat([bot("a")], messages=[], max_round=3)
    with pytest.raises(ValueError, match="at least 2"):
        start(gc)


def test_auto_without_a_manager_model_falls_back_to_round_robin():
    """AutoGen 0.2: "auto" selection with a manager that has no LLM picks the next agent in
    order."""
    a, b, c = bot("a"), bot("b"), bot("c")
    gc = ac.GroupChat([a, b, c], messages=[], max_round=4)
    start(gc, sender=a)
    assert names(gc) == ["a", "b", "c", "a"]


def test_custom_selection_templates_and_role():
    """AutoGen 0.2: select_speaker_message_template ({roles}, {agentlist}),
    select_speaker_prompt_template ({agentlist}) and role_for_select_speaker_messages shape
    the "auto" selection call; empty templates are ValueErrors."""
    a, b = bot("a", description="does A"), bot("b", description="does B")
    model = ScriptedModel(["b"])
    gc = ac.GroupChat([a, b], messages=[], max_round=2,
                      select_speaker_message_template="ROLES {roles} LIST {agentlist}",
                      select_speaker_prompt_template="PICK FROM {agentlist}",
                      role_for_select_speaker_messages="user")
    start(gc, message="go", llm_config={"model": model})
    sent = model.calls[0]["messages"]
    assert sent[0].content == "ROLES a: does A\nb: does B LIST ['a', 'b']"
    assert (sent[-1].content, sent[-1].role) == ("PICK FROM ['a', 'b']", "user")
    for field in ("select_speaker_message_template", "select_speaker_prompt_template",
                  "role_for_select_speaker_messages"):
        with pytest.raises(ValueError):
            ac.GroupChat([a, b], messages=[], **{field: ""})


def test_auto_requery_then_round_robin():
    """AutoGen 0.2: an answer naming several agents or none is re-asked with the
    multiple/none templates up to max_retries_for_selecting_speaker times, then the next
    agent in order speaks."""
    a, b, c = bot("a"), bot("b"), bot("c")
    model = ScriptedModel(["a and b", "nobody", "still nobody"])
    gc = ac.GroupChat([a, b, c], messages=[], max_round=2, max_retries_for_selecting_speaker=2,
                      select_speaker_auto_multiple_template="ONE OF {agentlist}",
                      select_speaker_auto_none_template="NONE; USE {agentlist}")
    start(gc, sender=a, llm_config={"model": model})
    assert names(gc) == ["a", "b"]  # after a, round robin
    assert model.calls[1]["messages"][-1].content == "ONE OF ['a', 'b', 'c']"
    assert model.calls[2]["messages"][-1].content == "NONE; USE ['a', 'b', 'c']"


def test_lenient_name_matching():
    """AutoGen 0.2: _mentioned_agents counts whole-word, case-sensitive mentions; a name with
    underscores also matches with spaces or escaped underscores."""
    agents = [bot("Story_writer"), bot("critic"), bot("ed")]
    assert mentioned_agents("Story writer should go", agents) == {"Story_writer": 1}
    assert mentioned_agents(r"Story\_writer, then Story_writer", agents) == {"Story_writer": 2}
    assert mentioned_agents("the critic, not Critic", agents) == {"critic": 1}
    assert mentioned_agents("edited by nobody", agents) == {}  # "ed" inside a word


def test_reset_send_introductions_agent_by_name_and_nested_agents():
    """AutoGen 0.2: reset() clears the messages; send_introductions tells every member who is
    there before the chat; agent_by_name (with raise_on_name_conflict) and nested_agents()
    look into nested group chat managers."""
    a, b = bot("a"), bot("b")
    inner = ac.GroupChatManager(ac.GroupChat([bot("x"), bot("a")], messages=[]), name="team",
                                llm_config=False)
    gc = ac.GroupChat([a, b, inner], messages=[], max_round=2, send_introductions=True,
                      speaker_selection_method="round_robin")
    start(gc, sender=a)
    intro = b.chat_messages[next(iter(b.chat_messages))][0]["content"]
    assert intro.startswith(gc.DEFAULT_INTRO_MSG) and "b: b helps" in intro
    assert [x.name for x in gc.nested_agents()] == ["a", "b", "team", "x", "a"]
    assert gc.agent_by_name("a") is a and gc.agent_by_name("zz") is None
    assert gc.agent_by_name("x", recursive=True).name == "x"
    with pytest.raises(AgentNameConflictError):
        gc.agent_by_name("a", recursive=True, raise_on_name_conflict=True)
    assert isinstance(AgentNameConflictError("x"), ValueError)
    gc.reset()
    assert gc.messages == []


def test_callable_selection():
    """AutoGen 0.2: a callable (last_speaker, groupchat) returns an agent, a method name, or
    None to end; anything else is a ValueError."""
    a, b, c = bot("a"), bot("b"), bot("c")

    def pick(last, groupchat):
        return {"a": c, "c": "round_robin"}.get(last.name)

    gc = ac.GroupChat([a, b, c], messages=[], max_round=5, speaker_selection_method=pick)
    start(gc, sender=a)
    assert names(gc) == ["a", "c", "a", "c", "a"]  # c hands over to round robin: a
    gc3 = ac.GroupChat([a, b], messages=[], speaker_selection_method=lambda last, g: None)
    r, _ = start(gc3, sender=a)
    assert names(gc3) == ["a"] and r.stop_reason == "the selection function ended the chat"
    gc2 = ac.GroupChat([a, b], messages=[], speaker_selection_method=lambda last, g: 42)
    with pytest.raises(ValueError):
        start(gc2, sender=a)


def test_resume_from_saved_messages():
    """AutoGen 0.2: resume_chat(messages) loads a saved chat (messages_to_string /
    messages_from_string) into the members and continues from its last message;
    remove_termination_string keeps the old TERMINATE from ending it at once."""
    a, b = bot("a"), bot("b")
    gc = ac.GroupChat([a, b], messages=[], max_round=3, speaker_selection_method="round_robin")
    start(gc, sender=a)
    saved = ac.GroupChatManager(gc, llm_config=False).messages_to_string()
    assert [m.content for m in ac.GroupChatManager.messages_from_string(saved)] == \
        ["task", "b-1", "a-1"]

    a2, b2 = bot("a"), bot("b")
    gc2 = ac.GroupChat([a2, b2], messages=[], max_round=3,
                       speaker_selection_method="round_robin")
    manager2 = ac.GroupChatManager(gc2, llm_config=False)
    r = manager2.resume_chat(saved.replace("a-1", "TERMINATE"),
                             remove_termination_string="TERMINATE")
    assert [m["content"] for m in gc2.messages][:3] == ["task", "b-1", ""]
    assert names(gc2) == ["a", "b", "a", "b", "a"]
    # b2 heard the history from the manager before the chat went on
    heard = [m["content"] for m in b2.chat_messages[manager2]]
    assert heard[:1] == ["task"]
    # the resuming speaker's history holds what it heard before, then its repeated word
    assert [m["content"] for m in r.chat_history][:2] == ["b-1", ""]
    # autogen-style saved dicts load too, and unknown speakers are refused
    with pytest.raises(ValueError):
        manager2.resume_chat([{"content": "hi", "role": "user", "name": "stranger"}])
    with pytest.raises(ValueError):
        manager2.resume_chat([])


def test_tool_call_goes_to_the_member_that_can_run_it():
    """AutoGen 0.2: when the last message asks for a tool, the speaker is the member whose
    function_map has it (func_call_filter), whatever the selection method says."""
    with OpenAITestServer(api_key="sk-test") as server:
        server.add({"tool_calls": [{"name": "add", "arguments": {"a": 2, "b": 3}}]},
                   "2 + 3 = 5")
        llm_config = {"config_list": [{"model": "gpt-4o-mini", "api_key": "sk-test",
                                       "base_url": server.base_url}]}
        assistant = ac.AssistantAgent("assistant", llm_config=llm_config)
        critic = bot("critic")
        executor = ac.UserProxyAgent("executor", human_input_mode="NEVER",
                                     code_execution_config=False)

        @executor.register_for_execution()
        @assistant.register_for_llm(description="Add two numbers.")
        def add(a: Annotated[int, "first addend"], b: Annotated[int, "second addend"]) -> int:
            return a + b

        gc = ac.GroupChat([assistant, critic, executor], messages=[], max_round=4,
                          speaker_selection_method="round_robin")
        start(gc, message="add 2 and 3", sender=critic)
        # round robin would give critic the floor after the assistant; the tool call goes
        # to the executor instead, and its result reaches the assistant's model
        order = names(gc)
        i = next(k for k, m in enumerate(gc.messages) if m.get("tool_calls"))
        assert order[i] == "assistant" and order[i + 1] == "executor"
        assert gc.messages[i + 1]["tool_responses"][0]["content"] == "5"
        assert gc.selection_log[-1] == {"method": "tool_call", "speaker": "executor"}
        request = server.requests[0].json
        assert request["tools"][0]["function"]["parameters"]["properties"]["a"][
            "description"] == "first addend"


def test_tool_call_nobody_can_run_is_a_value_error():
    """AutoGen 0.2: a tool call no member can execute raises ValueError."""
    caller = ac.AssistantAgent("caller", llm_config={"model": ScriptedModel([
        {"tool_calls": [{"name": "ghost", "arguments": {}}]}])})
    gc = ac.GroupChat([caller, bot("b")], messages=[], max_round=4,
                      speaker_selection_method="round_robin")
    with pytest.raises(ValueError, match="ghost"):
        start(gc, sender=bot("outsider2"))


def test_manager_refuses_tools_in_its_llm_config():
    """AutoGen 0.2: a GroupChatManager whose llm_config has tools is a ValueError."""
    with pytest.raises(ValueError):
        ac.GroupChatManager(ac.GroupChat([bot("a"), bot("b")], messages=[]),
                            llm_config={"model": "x", "tools": [{"type": "function"}]})


def test_plain_agentcast_agents_take_part():
    """agentcast: any Agent (here DialogAgents) joins a group chat through the Conversable
    adapter, hearing every message once."""
    d1 = ac.DialogAgent("d1", "one", model=ScriptedModel(["d1 says"]))
    d2 = ac.DialogAgent("d2", "two", model=ScriptedModel(["d2 says"]))
    gc = ac.GroupChat([d1, d2], messages=[], max_round=3, speaker_selection_method="round_robin")
    start(gc)
    ac.wait_all()
    assert names(gc) == ["outsider", "d1", "d2"]
    assert [m.content for m in d1.memory.get()] == ["task", "d1 says", "d2 says"]
    assert [m.content for m in d2.memory.get()] == ["task", "d1 says", "d2 says"]


def speaking(name, **kw):
    kw.setdefault("default_auto_reply", f"This is {name} speaking.")
    return ac.ConversableAgent(name, llm_config=False, human_input_mode="NEVER",
                               max_consecutive_auto_reply=10, **kw)


def test_any_agent_can_run_a_group_chat_with_run_chat():
    """AutoGen 0.2: GroupChatManager.run_chat registered (config=groupchat,
    reset_config=GroupChat.reset) on a plain ConversableAgent makes it a manager; reset()
    clears the group's messages through reset_config."""
    alice, bob = speaking("alice"), speaking("bob")
    gc = ac.GroupChat(agents=[alice, bob], messages=[], max_round=2)
    deputy = ac.ConversableAgent("deputy_manager", llm_config=False)
    deputy.register_reply(ac.Agent, reply_func=ac.GroupChatManager.run_chat, config=gc,
                          reset_config=ac.GroupChat.reset)
    alice.initiate_chat(deputy, message="hello")
    assert len(alice.chat_messages[deputy]) == 2 and len(gc.messages) == 2
    deputy.reset()
    assert gc.messages == []


def test_function_call_in_a_group_goes_to_its_executor():
    """AutoGen 0.2: a function_call opening a group chat is run by the member whose
    function_map has it (even the sender), then selection goes on."""
    alice = speaking("alice")
    bob = speaking("bob", function_map={"test_func": lambda x: x})
    gc = ac.GroupChat(agents=[alice, bob], messages=[], max_round=3)
    manager = ac.GroupChatManager(groupchat=gc, llm_config=False)
    bob.initiate_chat(manager, message={"function_call": {"name": "test_func",
                                                          "arguments": '{"x": 1}'}})
    assert len(gc.messages) == 3
    assert gc.messages[-2]["content"] == "1" and gc.messages[-2]["name"] == "bob"
    assert gc.messages[-1]["name"] == "alice"
    with pytest.raises(ValueError):
        bob.initiate_chat(manager, message={"function_call": {"name": "func",
                                                              "arguments": '{"x": 1}'}})


def test_introductions_reach_every_member_first():
    """AutoGen 0.2: with send_introductions the first message each member gets is the
    introduction (naming every member's description), even when a manager starts the chat
    with itself."""
    agents = [speaking(n, description=f"The {k} agent.", default_auto_reply=f"{n} TERMINATE")
              for n, k in (("alice", "first"), ("bob", "second"), ("sam", "third"))]
    gc = ac.GroupChat(agents=agents, messages=[], speaker_selection_method="round_robin",
                      max_round=10, send_introductions=True)
    intro = gc.introductions_msg()
    assert all(f"The {k} agent." in intro for k in ("first", "second", "third"))
    assert "The first agent." not in gc.introductions_msg(agents[1:])
    manager = ac.GroupChatManager(groupchat=gc, llm_config=False,
                                  is_termination_msg=lambda x: "TERMINATE" in x["content"])
    manager.initiate_chat(manager, message="The initiating message.")
    texts = [m["content"] for m in agents[0].chat_messages[manager]]
    assert len(texts) == 3 and "The second agent." in texts[0]
    assert texts[1:] == ["The initiating message.", "alice TERMINATE"]


def test_next_agent_order():
    """AutoGen 0.2: next_agent goes round the member order, within the given candidates;
    an agent outside the group starts from the top; candidates outside it are an error."""
    a, b, c = speaking("alice"), speaking("bob"), speaking("sam")
    stranger, other = speaking("sally"), speaking("robert")
    gc = ac.GroupChat(agents=[a, b, c], messages=[], max_round=10)
    assert [gc.next_agent(x) for x in (a, b, c)] == [b, c, a]
    assert gc.next_agent(a, [a, c]) is c and gc.next_agent(c, [a, c]) is a
    assert gc.next_agent(b, [a, c]) is c and gc.next_agent(stranger, [a, c]) is a
    with pytest.raises(ValueError):
        gc.next_agent(stranger, [other])


def test_default_transitions_and_group_termination():
    """AutoGen 0.2: without a graph every agent may follow every agent (itself included);
    the manager's default termination test ignores "... TERMINATE", a custom one stops."""
    agents = [speaking("alice"), speaking("bob"), speaking(
        "sam", default_auto_reply="This is sam speaking. TERMINATE")]
    gc = ac.GroupChat(agents=agents, messages=[], speaker_selection_method="round_robin",
                      max_round=10)
    assert all(set(gc.allowed_speaker_transitions_dict[x]) == set(agents) for x in agents)
    agents[0].initiate_chat(ac.GroupChatManager(gc, llm_config=False), message="go")
    assert len(gc.messages) == 10
    gc2 = ac.GroupChat(agents=agents, messages=[], speaker_selection_method="round_robin",
                       max_round=10)
    manager2 = ac.GroupChatManager(gc2, llm_config=False,
                                   is_termination_msg=lambda x: "TERMINATE" in x["content"])
    agents[0].initiate_chat(manager2, message="go")
    assert len(gc2.messages) == 3


def test_manual_selection_through_input():
    """AutoGen 0.2: manual selection reads a number (1-based) from input(); empty, "q" or
    bad answers fall back to the next agent in order."""
    import builtins
    from unittest import mock

    for answer, expected in (("1", ["alice", "bob"] * 3), ("q", None), ("x", None)):
        agents = [speaking("alice"), speaking("bob"), speaking("charlie")]
        gc = ac.GroupChat(agents=agents, messages=[], max_round=6,
                          speaker_selection_method="manual", allow_repeat_speaker=False)
        with mock.patch.object(builtins, "input", lambda _: answer):
            agents[0].initiate_chat(ac.GroupChatManager(gc, llm_config=False),
                                    message="This is alice speaking.")
        assert len(gc.messages) == 6
        if expected:
            assert names(gc) == expected
