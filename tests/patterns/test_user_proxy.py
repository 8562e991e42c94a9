"""UserProxyAgent: human input modes, auto-reply cap, code execution, split tool use."""

import pytest

import agentcast as ac
from agentcast import Msg
from agentcast.agents.user import set_input_provider
from agentcast.exceptions import UsageError
from agentcast.patterns.code import extract_code_blocks
from agentcast.testing.scripted import ScriptedModel


class Inputs:
    """A scripted person: answers in order and records every prompt."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.prompts = []

    def __call__(self, prompt):
        self.prompts.append(prompt)
        return self.answers.pop(0) if self.answers else "exit"


def ends_terminate(msg):
    return msg["content"].rstrip().endswith("TERMINATE")


def assistant(*replies, default=None):
    return ac.AssistantAgent("assistant", model=ScriptedModel(replies, "assistant",
                                                              default=default))


def test_always_asks_every_turn_and_exit_ends():
    person = Inputs("more please", "", "exit")
    user = ac.UserProxyAgent("user", human_input_mode="ALWAYS", input_func=person,
                             default_auto_reply="(auto)")
    r = ac.initiate_chat(user, assistant("r1", "r2", "r3"), "hi", max_turns=10)
    assert [m.content for m in r.history] == ["hi", "r1", "more please", "r2", "(auto)", "r3"]
    assert len(person.prompts) == 3
    assert r.stop_reason == "user's person typed exit"
    assert r.human_input == ["more please", "", "exit"]


def test_terminate_asks_only_at_a_termination_message():
    person = Inputs("one more thing", "")
    user = ac.UserProxyAgent("user", human_input_mode="TERMINATE", input_func=person,
                             default_auto_reply="continue", is_termination_msg=ends_terminate)
    r = ac.initiate_chat(user, assistant("r1", "done TERMINATE", "really done TERMINATE"),
                         "hi", max_turns=10)
    assert [m.content for m in r.history] == [
        "hi", "r1", "continue", "done TERMINATE", "one more thing", "really done TERMINATE"]
    assert len(person.prompts) == 2  # not asked after r1
    assert "your answer to assistant" in person.prompts[0]


def test_terminate_asks_at_the_auto_reply_cap():
    person = Inputs("keep going", "exit")
    user = ac.UserProxyAgent("user", human_input_mode="TERMINATE", input_func=person,
                             max_consecutive_auto_reply=2, default_auto_reply="auto")
    r = ac.initiate_chat(user, assistant(default="r"), "hi", max_turns=50)
    contents = [m.content for m in r.history]
    assert contents == ["hi", "r", "auto", "r", "auto", "r", "keep going", "r", "auto", "r",
                        "auto", "r"]
    assert len(person.prompts) == 2


def test_never_ends_at_termination_and_at_the_cap():
    user = ac.UserProxyAgent("user", human_input_mode="NEVER", input_func=Inputs(),
                             max_consecutive_auto_reply=3)
    r = ac.initiate_chat(user, assistant(default="r"), "hi", max_turns=50)
    assert len(r.history) == 1 + 3 * 2 + 1  # three auto replies, then stop
    assert user.input_func.prompts == []

    user = ac.UserProxyAgent("user", human_input_mode="NEVER")
    r = ac.initiate_chat(user, assistant("TERMINATE"), "hi", max_turns=50)
    assert len(r.history) == 2


def test_own_termination_predicate_lets_a_human_decide():
    person = Inputs("no, continue", "exit")
    user = ac.UserProxyAgent("user", human_input_mode="TERMINATE", input_func=person,
                             is_termination_msg=lambda m: m.content == "STOP")
    r = ac.initiate_chat(user, assistant("STOP", "STOP"), "hi", max_turns=10)
    assert [m.content for m in r.history] == ["hi", "STOP", "no, continue", "STOP"]


def test_default_cap_is_safe():
    user = ac.UserProxyAgent("user", human_input_mode="NEVER")
    assert user.max_consecutive_auto_reply() == 100  # AutoGen's default cap
    with pytest.raises(UsageError):
        ac.UserProxyAgent("u", human_input_mode="SOMETIMES")


def test_input_goes_through_the_input_provider():
    seen = []

    def provider(agent, x, prompt):
        seen.append((agent.name, prompt))
        return "exit"

    set_input_provider(provider)
    try:
        user = ac.UserProxyAgent("user", human_input_mode="ALWAYS")
        r = ac.initiate_chat(user, assistant("r1"), "hi", max_turns=5)
    finally:
        set_input_provider(None)
    assert seen and seen[0][0] == "user"
    assert len(r.history) == 2


def test_extract_code_blocks():
    text = "a\n```python\nprint(1)\n```\nb\n```sh\necho hi\n```\n```\nx = 1\n```"
    blocks = extract_code_blocks(text)
    assert [(b.language, b.code) for b in blocks] == [
        ("python", "print(1)\n"), ("sh", "echo hi\n"), ("python", "x = 1\n")]


def test_code_execution_from_chat():
    coder = assistant(
        "Let me write a file.\n```python\nopen('v.txt', 'w').write('41')\nprint('written')\n```",
        "Now read it.\n```sh\necho $(( $(cat v.txt) + 1 ))\n```",
        "```python\nraise SystemExit(3)\n```",
        "```ruby\nputs 1\n```",
        "All done TERMINATE",
    )
    user = ac.UserProxyAgent("user", human_input_mode="NEVER",
                             is_termination_msg=ends_terminate)
    r = ac.initiate_chat(user, coder, "compute", max_turns=10)
    outputs = [m.content for m in r.history if m.name == "user"][1:]
    assert outputs[0].startswith("exitcode: 0 (execution succeeded)") and "written" in outputs[0]
    assert "42" in outputs[1]
    assert outputs[2].startswith("exitcode: 3 (execution failed)")
    assert "unknown language 'ruby'" in outputs[3]
    assert r.history[-1].content == "All done TERMINATE"


def test_code_output_is_truncated():
    from agentcast.patterns.code import CodeExecutor

    coder = assistant("```python\nprint('x' * 10000)\n```", "TERMINATE")
    user = ac.UserProxyAgent("user", human_input_mode="NEVER",
                             code_execution_config=CodeExecutor(max_output_chars=200))
    r = ac.initiate_chat(user, coder, "spam", max_turns=5)
    out = r.history[2].content
    assert "characters truncated" in out and len(out) < 400


def test_split_tool_use():
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    model = ScriptedModel([
        {"text": "", "tool_calls": [{"id": "c1", "name": "add", "arguments": {"a": 2, "b": 3}},
                                    {"id": "c2", "name": "nope", "arguments": {}}]},
        "2 + 3 = 5. TERMINATE",
    ], "assistant")
    caller = ac.AssistantAgent("assistant", model=model)
    executor = ac.UserProxyAgent("executor", human_input_mode="NEVER",
                                 is_termination_msg=ends_terminate)
    ac.register_function(add, caller=caller, executor=executor)
    assert caller.llm_tools.names() == ["add"] and executor.function_tools.names() == ["add"]
    r = ac.initiate_chat(executor, caller, "what is 2+3?", max_turns=5)
    # the schema went to the caller's model
    assert model.calls[0]["tools"][0]["function"]["name"] == "add"
    # the caller asked, the executor ran and replied with each result
    call_msg, result_msg = r.history[1], r.history[2]
    assert [c["name"] for c in call_msg.metadata["tool_calls"]] == ["add", "nope"]
    responses = result_msg.metadata["tool_responses"]
    assert responses[0]["content"] == "5" and not responses[0]["is_error"]
    assert responses[1]["is_error"] and "no tool named 'nope'" in responses[1]["content"]
    # the caller's model saw one result message per call, paired by id
    second = model.calls[1]["messages"]
    assert [m.metadata.get("tool_call_id") for m in second[-2:]] == ["c1", "c2"]
    assert r.summary == "2 + 3 = 5. "


def test_register_function_needs_a_caller_with_a_model():
    with pytest.raises(UsageError, match="no model"):
        ac.register_function(len, caller=ac.AssistantAgent("d"),
                             executor=ac.UserProxyAgent("u"))


def test_user_proxy_in_a_hub_replies_to_what_it_heard():
    user = ac.UserProxyAgent("user", human_input_mode="NEVER")
    speaker = ac.DialogAgent("coder", model=ScriptedModel(["```python\nprint(7)\n```"]))
    with ac.msghub([user, speaker]):
        speaker()
        out = user()
    assert "7" in out.content
    assert isinstance(out, Msg)
