"""AutoGen 0.2's conversable agent, behaviour by behaviour (facts from its test suite).

Each test's docstring names the AutoGen behaviour it checks. Models are ScriptedModel /
FunctionModel doubles; nothing here needs a network.
"""

import asyncio
from typing import Annotated

import pytest

import agentcast as ac
from agentcast.testing import FunctionModel, ScriptedModel


def never(name, **kw):
    kw.setdefault("llm_config", False)
    return ac.ConversableAgent(name, human_input_mode="NEVER", **kw)


def contents(msgs):
    return [m["content"] for m in msgs]


# --- register_reply -----------------------------------------------------------------------
def test_trigger_kinds():
    """AutoGen 0.2: register_reply triggers are a class, a name, an agent, a callable, or a
    list of these (None inside a list matches a missing sender)."""
    a, b, c = never("a"), never("b"), never("c")
    a.register_reply(ac.ConversableAgent, lambda r, messages, sender, config: (True, "by class"))
    assert a.generate_reply(messages=[{"content": "x", "role": "user"}], sender=b) == "by class"
    a.register_reply("b", lambda r, messages, sender, config: (True, "by name"))
    assert a.generate_reply(sender=b, messages=[{"content": "x"}]) == "by name"
    assert a.generate_reply(sender=c, messages=[{"content": "x"}]) == "by class"
    a.register_reply(c, lambda r, messages, sender, config: (True, "by agent"))
    assert a.generate_reply(sender=c, messages=[{"content": "x"}]) == "by agent"
    a.register_reply(lambda s: s is not None and s.name == "b",
                     lambda r, messages, sender, config: (True, "by predicate"))
    assert a.generate_reply(sender=b, messages=[{"content": "x"}]) == "by predicate"
    a.register_reply([None], lambda r, messages, sender, config: (True, "no sender"))
    assert a.generate_reply(messages=[{"content": "x", "role": "user"}]) == "no sender"


def test_bad_trigger_and_reply_func_are_value_errors():
    """AutoGen 0.2: an unsupported trigger or a non-callable reply_func raises ValueError."""
    a = never("a")
    with pytest.raises(ValueError, match="trigger"):
        a.register_reply(42, lambda *x, **k: (True, "x"))
    with pytest.raises(ValueError, match="reply_func"):
        a.register_reply("b", "not callable")
    with pytest.raises(ValueError, match="trigger"):
        a.register_reply(None, lambda *x, **k: (True, "x"))


def test_position_zero_is_checked_first_and_non_final_falls_through():
    """AutoGen 0.2: the function registered last (position 0) is checked first; a reply
    function returning (False, ...) lets the next one answer."""
    a, b = never("a"), never("b")
    seen = []

    def first(recipient, messages, sender, config):
        seen.append("first")
        return False, "ignored"

    a.register_reply([ac.ConversableAgent, None], lambda r, messages, sender, config:
                     (True, "second"))
    a.register_reply([ac.ConversableAgent, None], first)
    assert a.generate_reply(messages=[{"content": "q"}], sender=b) == "second"
    assert seen == ["first"]
    # a late position puts a function behind the built-in ones
    a2 = never("a2")
    a2.register_reply([ac.ConversableAgent, None], lambda r, messages, sender, config:
                      (True, "last"), position=len(a2.reply_functions))
    assert a2.generate_reply(messages=[{"content": "q"}], sender=b) == "last"


def test_reply_func_gets_recipient_messages_sender_and_config():
    """AutoGen 0.2: reply_func(recipient, messages, sender, config); config is reset by
    reset()."""
    a, b = never("a"), never("b")
    got = {}

    def func(recipient, messages, sender, config):
        got.update(recipient=recipient, texts=contents(messages), sender=sender)
        config["n"] = config.get("n", 0) + 1
        return True, f"call {config['n']}"

    a.register_reply(ac.ConversableAgent, func, config={"n": 0})
    assert a.generate_reply(messages=[{"content": "hi"}], sender=b) == "call 1"
    assert a.generate_reply(messages=[{"content": "hi"}], sender=b) == "call 2"
    assert got == {"recipient": a, "texts": ["hi"], "sender": b}


def test_generate_reply_needs_messages_or_sender():
    """AutoGen 0.2: generate_reply() with neither messages nor sender is an error."""
    with pytest.raises(ValueError):
        never("a").generate_reply()


def test_async_reply_function_in_async_chat():
    """AutoGen 0.2: an async reply function answers in a_initiate_chat."""
    async def reply(recipient, messages, sender, config):
        await asyncio.sleep(0)
        return True, "async hello"

    a, b = never("a"), never("b", max_consecutive_auto_reply=0)
    a.register_reply(ac.ConversableAgent, reply)

    async def main():
        return await b.a_initiate_chat(a, message="hi", max_turns=1)

    assert contents(asyncio.run(main()).chat_history) == ["hi", "async hello"]


def test_ignore_async_in_sync_chat_skips_the_async_function():
    """AutoGen 0.2: with ignore_async_in_sync_chat=True an async reply function is skipped
    in a chat started with the blocking initiate_chat (and used in a_initiate_chat)."""
    async def reply(recipient, messages, sender, config):
        return True, "from async"

    a = never("a", default_auto_reply="from default")
    b = never("b")
    a.register_reply(ac.ConversableAgent, reply, ignore_async_in_sync_chat=True)
    assert b.initiate_chat(a, message="hi", max_turns=1).chat_history[-1]["content"] == \
        "from default"

    async def main():
        return await b.a_initiate_chat(a, message="hi", max_turns=1)

    assert asyncio.run(main()).chat_history[-1]["content"] == "from async"


# --- send / receive / histories ----------------------------------------------------------
def test_send_and_receive_keep_one_history_per_peer():
    """AutoGen 0.2: send records the message on both sides (assistant for the sender, user
    for the receiver); request_reply=False asks for no answer; chat_messages per peer."""
    a, b, c = never("a"), never("b"), never("c")
    a.send("hello b", b, request_reply=False)
    a.send({"content": "hello c", "role": "user"}, c, request_reply=False)
    assert contents(a.chat_messages[b]) == ["hello b"]
    assert a.chat_messages[b][0]["role"] == "assistant"
    assert b.chat_messages[a][0]["role"] == "user"
    assert contents(c.chat_messages[a]) == ["hello c"]
    assert a.last_message(b)["content"] == "hello b"
    with pytest.raises(ValueError):
        a.last_message()  # two conversations: name one
    assert b.last_message()["content"] == "hello b"  # one conversation
    with pytest.raises(KeyError):
        b.last_message(c)


def test_receive_with_request_reply_answers_the_sender():
    """AutoGen 0.2: receive(..., request_reply=True) generates a reply and sends it back."""
    a = never("a", default_auto_reply="pong", max_consecutive_auto_reply=1)
    b = never("b")
    a.receive("ping", b, request_reply=True)
    assert contents(b.chat_messages[a]) == ["pong"]
    assert contents(a.chat_messages[b]) == ["ping", "pong"]


def test_invalid_message_is_a_value_error():
    """AutoGen 0.2: a message with neither content nor a function/tool call cannot be sent."""
    with pytest.raises(ValueError):
        never("a").send({"role": "user"}, never("b"))


def test_stop_reply_at_receive():
    """AutoGen 0.2: after stop_reply_at_receive(sender) a message without request_reply gets
    no answer."""
    a, b = never("a", default_auto_reply="answer"), never("b")
    a.reply_at_receive[b] = True
    a.stop_reply_at_receive(b)
    b.send("hi", a)
    assert contents(a.chat_messages[b]) == ["hi"]
    a.reply_at_receive[b] = True
    a.stop_reply_at_receive()
    assert a.reply_at_receive[b] is False


def test_update_system_message_reaches_the_model():
    """AutoGen 0.2: update_system_message changes the system message of later calls."""
    model = ScriptedModel(["one", "two"])
    a = ac.ConversableAgent("a", "first system", llm_config={"model": model},
                            human_input_mode="NEVER")
    a.generate_reply(messages=[{"content": "x"}])
    a.update_system_message("second system")
    assert a.system_message == "second system"
    a.generate_reply(messages=[{"content": "x"}])
    assert [c["messages"][0].content for c in model.calls] == ["first system", "second system"]


def test_description_defaults_to_the_system_message():
    """AutoGen 0.2: description is the system message unless given."""
    assert never("a", system_message="I add numbers.").description == "I add numbers."
    assert never("a", system_message="x", description="adder").description == "adder"
    assert ac.AssistantAgent("x").description  # every agent has one
    assert ac.DialogAgent("d", "dialog prompt").description == "dialog prompt"


def test_clear_history_false_continues_the_chat():
    """AutoGen 0.2: initiate_chat clears the history by default; clear_history=False keeps
    it, so the model sees the earlier chat."""
    model = FunctionModel(lambda msgs: f"seen {len(msgs)}")
    a = ac.ConversableAgent("a", None, llm_config={"model": model}, human_input_mode="NEVER")
    b = never("b")
    b.initiate_chat(a, message="one", max_turns=1)
    b.initiate_chat(a, message="two", max_turns=1, clear_history=False)
    assert contents(b.chat_messages[a]) == ["one", "seen 1", "two", "seen 3"]
    b.initiate_chat(a, message="three", max_turns=1)
    assert contents(b.chat_messages[a]) == ["three", "seen 1"]


def test_chat_messages_restore_a_history():
    """AutoGen 0.2: ConversableAgent(chat_messages={peer: [...]}) starts with that history."""
    b = never("b")
    model = FunctionModel(lambda msgs: " / ".join(m.content for m in msgs))
    a = ac.ConversableAgent("a", None, llm_config={"model": model}, human_input_mode="NEVER",
                            chat_messages={b: [{"content": "earlier", "role": "user"},
                                               {"content": "reply", "role": "assistant"}]})
    assert contents(a.chat_messages[b]) == ["earlier", "reply"]
    b.initiate_chat(a, message="now", max_turns=1, clear_history=False)
    assert b.chat_messages[a][-1]["content"] == "earlier / reply / now"


def test_clear_history_keeps_the_last_messages_when_asked():
    """AutoGen 0.2: clear_history(nr_messages_to_preserve=n) keeps the last n messages."""
    a, b = never("a"), never("b")
    for text in ("1", "2", "3"):
        a.send(text, b, request_reply=False)
    a.clear_history(nr_messages_to_preserve=1)
    assert contents(a.chat_messages[b]) == ["3"]
    a.clear_history(b)
    assert a.chat_messages[b] == []


# --- hooks ------------------------------------------------------------------------------------
def test_hooks_at_the_three_points():
    """AutoGen 0.2: register_hook on process_last_received_message (text of the last message,
    this reply only), process_all_messages_before_reply (the list, this reply only) and
    process_message_before_send (what is sent)."""
    model = FunctionModel(lambda msgs: " | ".join(m.content for m in msgs))
    a = ac.ConversableAgent("a", None, llm_config={"model": model}, human_input_mode="NEVER",
                            max_consecutive_auto_reply=1)
    b = never("b", max_consecutive_auto_reply=0)
    a.register_hook("process_last_received_message", lambda text: text.upper())
    a.register_hook("process_all_messages_before_reply", lambda msgs: [*msgs, {"content": "+"}])
    a.register_hook("process_message_before_send",
                    lambda sender, message, recipient, silent: f"{message} (to {recipient.name})")
    b.initiate_chat(a, message="hello", max_turns=1)
    assert b.chat_messages[a][-1]["content"] == "HELLO | + (to b)"
    assert a.chat_messages[b][0]["content"] == "hello"  # the history is untouched


def test_hook_errors():
    """AutoGen 0.2: an unknown hook point or a hook registered twice is an error."""
    a = never("a")
    with pytest.raises(ValueError):
        a.register_hook("no_such_point", print)
    a.register_hook("process_last_received_message", str.strip)
    with pytest.raises(ValueError):
        a.register_hook("process_last_received_message", str.strip)


# --- termination, human input, auto-reply ------------------------------------------------------
def test_default_termination_is_exactly_terminate():
    """AutoGen 0.2: the default is_termination_msg is content == "TERMINATE"."""
    b = never("b")
    for said, ends in (("TERMINATE", True), ("done. TERMINATE", False)):
        a = ac.ConversableAgent("a", llm_config={"model": ScriptedModel([said, said])},
                                human_input_mode="NEVER")
        r = b.initiate_chat(a, message="go", max_turns=2)
        assert len(r.chat_history) == (2 if ends else 4), said


def test_auto_reply_cap_default_and_never_mode():
    """AutoGen 0.2: max_consecutive_auto_reply defaults to 100; in NEVER mode the agent stops
    answering when its cap is reached."""
    assert never("a").max_consecutive_auto_reply() == 100
    a = never("a", default_auto_reply="a", max_consecutive_auto_reply=2)
    b = never("b", default_auto_reply="b", max_consecutive_auto_reply=10)
    r = a.initiate_chat(b, message="start")
    assert contents(r.chat_history) == ["start", "b", "a", "b", "a", "b"]
    assert r.stop_reason == "a reached max_consecutive_auto_reply=2"
    a.update_max_consecutive_auto_reply(5, b)
    assert a.max_consecutive_auto_reply(b) == 5


def test_terminate_mode_enter_at_the_cap_continues_automatically():
    """AutoGen 0.2: in TERMINATE mode at the auto-reply cap, an empty answer (no termination
    message) lets the agent reply automatically; at a termination message it ends."""
    answers = iter(["", "", ""])
    user = ac.ConversableAgent("user", llm_config=False, human_input_mode="TERMINATE",
                               max_consecutive_auto_reply=1, default_auto_reply="auto",
                               input_func=lambda prompt: next(answers))
    bot = ac.ConversableAgent("bot", llm_config={"model": ScriptedModel(
        ["r1", "r2", "r3", "TERMINATE"])}, human_input_mode="NEVER")
    r = user.initiate_chat(bot, message="go")
    assert contents(r.chat_history) == ["go", "r1", "auto", "r2", "auto", "r3", "auto",
                                        "TERMINATE"]
    assert r.human_input == ["", "", ""]  # asked at the cap twice, then at TERMINATE


def test_always_mode_and_exit():
    """AutoGen 0.2: ALWAYS asks every turn; "exit" ends the chat; ChatResult.human_input
    lists what was typed."""
    answers = iter(["tell me more", "exit"])
    user = ac.UserProxyAgent("user", code_execution_config=False,
                             input_func=lambda prompt: next(answers))
    bot = ac.AssistantAgent("bot", llm_config={"model": ScriptedModel(["r1", "r2"])})
    r = user.initiate_chat(bot, message="hi")
    assert contents(r.chat_history) == ["hi", "r1", "tell me more", "r2"]
    assert r.human_input == ["tell me more", "exit"]


def test_async_input_func():
    """AutoGen 0.2: a_get_human_input is awaited in async chats (an async input_func)."""
    async def person(prompt):
        await asyncio.sleep(0)
        return "exit"

    user = ac.UserProxyAgent("user", code_execution_config=False, input_func=person)
    bot = ac.AssistantAgent("bot", llm_config={"model": ScriptedModel(["r1"])})

    async def main():
        return await user.a_initiate_chat(bot, message="hi")

    r = asyncio.run(main())
    assert contents(r.chat_history) == ["hi", "r1"] and r.human_input == ["exit"]


def test_message_none_asks_the_person_first():
    """AutoGen 0.2: initiate_chat without a message asks the sender's person for it."""
    answers = iter(["typed opening", "exit"])
    user = ac.UserProxyAgent("user", code_execution_config=False,
                             input_func=lambda prompt: next(answers))
    bot = ac.AssistantAgent("bot", llm_config={"model": ScriptedModel(["r1"])})
    r = user.initiate_chat(bot)
    assert contents(r.chat_history) == ["typed opening", "r1"]


# --- initiate_chat --------------------------------------------------------------------------------
def test_max_turns_counts_round_trips():
    """AutoGen 0.2: max_turns=n means n messages from the sender, each answered."""
    a = never("a", default_auto_reply="a")
    b = never("b", default_auto_reply="b")
    r = a.initiate_chat(b, message="start", max_turns=3)
    assert contents(r.chat_history) == ["start", "b", "a", "b", "a", "b"]
    assert r.stop_reason == "reached max_turns=3"
    assert a.initiate_chat(b, message="x", max_turns=0).chat_history == []


def test_message_callable_gets_sender_recipient_and_context():
    """AutoGen 0.2: message may be a callable (sender, recipient, context); the context holds
    the extra initiate_chat arguments, carryover included."""
    a, b = never("a"), never("b", default_auto_reply="ok")
    got = {}

    def opening(sender, recipient, context):
        got.update(s=sender.name, r=recipient.name, carry=context.get("carryover"),
                   extra=context.get("topic"))
        return f"about {context['topic']}"

    r = a.initiate_chat(b, message=opening, max_turns=1, carryover=["x"], topic="cats")
    assert got == {"s": "a", "r": "b", "carry": ["x"], "extra": "cats"}
    assert r.chat_history[0]["content"] == "about cats"


def test_carryover_is_appended_as_context():
    """AutoGen 0.2: carryover (a string or a list) is appended to a text message after
    "Context:"."""
    a, b = never("a"), never("b", default_auto_reply="ok")
    r = a.initiate_chat(b, message="task", max_turns=1, carryover=["one", "two"])
    assert r.chat_history[0]["content"] == "task\nContext: \none\ntwo"
    r = a.initiate_chat(b, message="task", max_turns=1, carryover="only")
    assert r.chat_history[0]["content"] == "task\nContext: \nonly"
    with pytest.raises(ValueError):
        a.initiate_chat(b, message="task", max_turns=1, carryover=42)


def test_chat_result_fields():
    """AutoGen 0.2: ChatResult has chat_id, chat_history, summary, cost (usage with and
    without cached calls) and human_input."""
    bot = ac.AssistantAgent("bot", llm_config={"model": ScriptedModel(
        [{"text": "the answer TERMINATE", "usage": {"prompt_tokens": 7,
                                                    "completion_tokens": 3}}])})
    user = never("user")
    r = user.initiate_chat(bot, message="q", max_turns=1, chat_id=5)
    assert r.chat_id == 5
    assert r.summary == "the answer "  # last_msg: TERMINATE removed
    assert set(r.cost) == {"usage_including_cached_inference",
                           "usage_excluding_cached_inference"}
    usage = r.cost["usage_including_cached_inference"]
    assert usage["total_cost"] == 0 and usage["scripted"]["total_tokens"] >= 10
    assert r.human_input == []


def test_summary_method_callable_and_summary_args():
    """AutoGen 0.2: a callable summary_method gets (sender, recipient, summary_args);
    reflection_with_llm reads summary_args' summary_prompt and summary_role."""
    model = ScriptedModel(["r1", "r2", "reflected"])
    bot = ac.ConversableAgent("bot", llm_config={"model": model}, human_input_mode="NEVER")
    user = never("user")
    r = user.initiate_chat(bot, message="q", max_turns=1, summary_args={"k": 1},
                           summary_method=lambda s, rc, args: f"{s.name}->{rc.name} {args}")
    assert r.summary == "user->bot {'k': 1}"
    r = user.initiate_chat(bot, message="q", max_turns=1, summary_method="reflection_with_llm",
                           summary_args={"summary_prompt": "Briefly:", "summary_role": "user"})
    assert r.summary == "reflected"
    last = model.calls[-1]["messages"][-1]
    assert (last.content, last.role) == ("Briefly:", "user")
    with pytest.raises(ValueError):
        user.initiate_chat(bot, message="q", max_turns=1, summary_method="bogus")


def test_reflection_without_any_model_is_an_error():
    """AutoGen 0.2: reflection_with_llm with no model on either agent raises ValueError."""
    with pytest.raises(ValueError):
        never("a").initiate_chat(never("b"), message="x", max_turns=1,
                                 summary_method="reflection_with_llm")


def test_blocking_reply_function_may_start_a_nested_chat():
    """AutoGen 0.2: a reply function can run a whole chat (nested chats) with the blocking
    initiate_chat."""
    inner_a, inner_b = never("ia"), never("ib", default_auto_reply="inner says hi")

    def nested(recipient, messages, sender, config):
        r = inner_a.initiate_chat(inner_b, message=messages[-1]["content"], max_turns=1)
        return True, r.summary

    outer = never("outer")
    outer.register_reply(ac.ConversableAgent, nested)
    r = never("user").initiate_chat(outer, message="go", max_turns=1)
    assert r.chat_history[-1]["content"] == "inner says hi"


# --- tools -----------------------------------------------------------------------------------------
def test_register_for_llm_and_execution_as_decorators():
    """AutoGen 0.2: @caller.register_for_llm(description=...) puts the schema, with
    Annotated parameter descriptions, into the caller's llm_config["tools"];
    @executor.register_for_execution() puts the function into its function_map."""
    caller = ac.AssistantAgent("caller", llm_config={"model": ScriptedModel()})
    executor = ac.UserProxyAgent("executor", human_input_mode="NEVER",
                                 code_execution_config=False)

    @executor.register_for_execution()
    @caller.register_for_llm(name="add_numbers", description="Add two numbers.")
    def add(a: Annotated[int, "the first number"], b: Annotated[int, "the second"] = 1) -> int:
        return a + b

    tool = caller.llm_config["tools"][0]["function"]
    assert tool["name"] == "add_numbers" and tool["description"] == "Add two numbers."
    assert tool["parameters"]["properties"]["a"] == {"type": "integer",
                                                     "description": "the first number"}
    assert tool["parameters"]["required"] == ["a"]
    assert set(executor.function_map) == {"add_numbers"}  # the name given to the inner one
    assert executor.can_execute_function("add_numbers") and not executor.can_execute_function(
        ["add_numbers", "other"])


def test_register_for_llm_needs_a_model_and_a_description():
    """AutoGen 0.2: register_for_llm needs an llm_config and a function description."""
    with pytest.raises(ValueError, match="model"):
        never("a").register_for_llm(description="x")(len)
    caller = ac.AssistantAgent("c", llm_config={"model": ScriptedModel()})

    def undocumented(x: int) -> int:
        return x

    with pytest.raises(ValueError, match="description"):
        caller.register_for_llm()(undocumented)


def test_function_map_runs_tool_calls():
    """AutoGen 0.2: an agent answers a tool-call message by running the calls with its
    function_map; an unknown function is reported back, not raised."""
    runner = never("runner", function_map={"double": lambda x: 2 * x})
    caller = ac.AssistantAgent("caller", llm_config={"model": ScriptedModel([
        {"tool_calls": [{"id": "1", "name": "double", "arguments": {"x": 21}},
                        {"id": "2", "name": "missing", "arguments": {}}]}, "TERMINATE"])})
    r = runner.initiate_chat(caller, message="double 21", max_turns=2)
    answer = r.chat_history[2]
    assert [t["content"] for t in answer["tool_responses"]][0] == "42"
    assert answer["tool_responses"][1]["is_error"]
    runner.register_function({"double": None})
    assert "double" not in runner.function_map


# --- usage ------------------------------------------------------------------------------------------
def test_usage_accessors_from_the_monitor(capsys):
    """AutoGen 0.2: get_actual_usage / get_total_usage per agent (None before any call),
    print_usage_summary, gather_usage_summary over agents."""
    model = ScriptedModel([{"text": "a", "usage": {"prompt_tokens": 10, "completion_tokens": 2}},
                           {"text": "b", "usage": {"prompt_tokens": 20, "completion_tokens": 4}}],
                          model_name="gpt-4o")
    bot = ac.ConversableAgent("usage_bot", llm_config={"model": model},
                              human_input_mode="NEVER")
    user = never("usage_user")
    assert bot.get_total_usage() is None and bot.get_actual_usage() is None
    user.initiate_chat(bot, message="1", max_turns=2)
    total = bot.get_total_usage()
    assert total["gpt-4o"]["prompt_tokens"] == 30 and total["gpt-4o"]["completion_tokens"] == 6
    assert total["total_cost"] == pytest.approx((30 * 2.5 + 6 * 10) / 1e6)
    assert bot.get_actual_usage() == total
    both = ac.gather_usage_summary([bot, user])
    assert both["usage_including_cached_inference"]["gpt-4o"]["total_tokens"] == 36
    bot.print_usage_summary()
    assert "usage_bot" in capsys.readouterr().out
    bot.reset()
    assert bot.get_total_usage() is None


def test_usage_inside_a_run_comes_from_the_run_monitor():
    """AutoGen 0.2: cost in ChatResult; in agentcast, within a run it is the run's monitor
    (with its price overrides) that counts."""
    from agentcast.observe import end_run, start_run

    model = ScriptedModel([{"text": "a", "usage": {"prompt_tokens": 1000,
                                                   "completion_tokens": 0}}])
    bot = ac.ConversableAgent("run_bot", llm_config={"model": model}, human_input_mode="NEVER")
    start_run(run_dir=None, console=False, prices={"scripted": (2.0, 0.0)})
    try:
        r = never("run_user").initiate_chat(bot, message="x", max_turns=1)
    finally:
        end_run()
    assert r.total_cost == pytest.approx(0.002)
    assert r.cost["usage_including_cached_inference"]["total_cost"] == pytest.approx(0.002)


def test_auto_reply_counter_per_peer_and_reply_at_receive():
    """AutoGen 0.2: max_consecutive_auto_reply(sender) falls back to the agent's cap;
    update_max_consecutive_auto_reply without a sender changes it for everyone; each chat
    resets the counter; after the cap, a plain send gets no answer; both sides of a chat
    answer on receive until stop_reply_at_receive."""
    agent = never("a0", max_consecutive_auto_reply=2)
    other = never("a1", max_consecutive_auto_reply=0)
    assert agent.max_consecutive_auto_reply() == agent.max_consecutive_auto_reply(other) == 2
    agent.update_max_consecutive_auto_reply(1)
    assert agent.max_consecutive_auto_reply() == agent.max_consecutive_auto_reply(other) == 1
    other.initiate_chat(agent, message="hello")
    assert agent.consecutive_auto_reply_counter[other] == 1
    other.initiate_chat(agent, message="hello again")
    assert other.last_message(agent)["role"] == "user"  # the auto reply came back
    assert len(other.chat_messages[agent]) == len(agent.chat_messages[other]) == 2
    other.send("bye", agent)
    assert other.last_message(agent)["role"] == "assistant"  # at the cap: no answer
    other.initiate_chat(agent, message="hi", clear_history=False)
    assert len(other.chat_messages[agent]) > 2
    assert other.reply_at_receive[agent] is agent.reply_at_receive[other] is True
    other.stop_reply_at_receive(agent)
    assert other.reply_at_receive[agent] is False and agent.reply_at_receive[other] is True


def test_invalid_received_message_is_not_kept():
    """AutoGen 0.2: a dict without content (or a call) is refused with ValueError, and the
    history does not grow."""
    a, b = never("a"), never("b")
    a.receive("hello", b)
    before = len(a.chat_messages[b])
    with pytest.raises(ValueError):
        a.receive({"message": "hello"}, b)
    with pytest.raises(ValueError):
        b.send({"message": "hello"}, a)
    assert len(a.chat_messages[b]) == before


def test_content_template_called_with_the_context():
    """AutoGen 0.2: a message whose content is a callable is instantiated with its context;
    the context stays on the message."""
    a, b = never("a"), never("b")
    a.send({"content": lambda context: f"hello {context['name']}",
            "context": {"name": "there"}}, b)
    last = b.last_message(a)
    assert last["content"] == "hello there" and last["context"] == {"name": "there"}


def test_stacked_registration_shares_name_and_description():
    """AutoGen 0.2: stacked register_for_llm / register_for_execution decorators reuse the
    name and description given to an inner one; the schema matches AutoGen's."""
    m = {"model": ScriptedModel()}
    agent1, agent2, agent3 = (ac.ConversableAgent(n, llm_config=m) for n in ("x1", "x2", "x3"))
    runner = never("runner")

    @runner.register_for_execution()
    @agent3.register_for_llm()
    @agent2.register_for_llm(name="python")
    @agent1.register_for_llm(description="run cell in ipython and return the execution result.")
    def exec_python(cell: Annotated[str, "Valid Python cell to execute."]) -> str:
        return cell

    expected = [{"type": "function", "function": {
        "description": "run cell in ipython and return the execution result.",
        "name": "exec_python",
        "parameters": {"type": "object", "properties": {"cell": {
            "type": "string", "description": "Valid Python cell to execute."}},
            "required": ["cell"]}}}]
    assert agent1.llm_config["tools"] == expected
    renamed = [{"type": "function", "function": {**expected[0]["function"], "name": "python"}}]
    assert agent2.llm_config["tools"] == renamed and agent3.llm_config["tools"] == renamed
    assert runner.function_map == {"python": exec_python}


def test_api_style_function_and_override_warnings():
    """AutoGen 0.2: api_style="function" lists the schema under llm_config["functions"];
    registering a function name again warns that it is being overridden."""
    agent = ac.ConversableAgent("x", llm_config={"model": ScriptedModel()})

    @agent.register_for_llm(description="Say hi.", api_style="function")
    def hi() -> str:
        return "hi"

    assert agent.llm_config["functions"][0]["name"] == "hi" and "tools" not in agent.llm_config
    runner = never("runner", function_map={"f": len})
    with pytest.warns(UserWarning, match="'f' is being overridden"):
        runner.register_function({"f": len})


def test_llm_config_needs_a_model():
    """AutoGen 0.2: an llm_config with an empty config_list, or an empty model, is a
    ValueError."""
    with pytest.raises(ValueError):
        ac.ConversableAgent("a", llm_config={"config_list": []})
    with pytest.raises(ValueError):
        ac.ConversableAgent("a", llm_config={"config_list": [{"model": ""}]})


def test_legacy_function_call_is_answered():
    """AutoGen 0.2: a message with a function_call is executed by an agent whose
    function_map has the function, with sender=None too."""
    agent = ac.ConversableAgent("user_proxy", llm_config=False, human_input_mode="TERMINATE",
                                function_map={"add_num": lambda num_to_be_added: num_to_be_added + 10})
    messages = [{"function_call": {"name": "add_num", "arguments": '{ "num_to_be_added": 5 }'},
                 "role": "assistant"}]
    assert agent.generate_reply(messages=messages, sender=None)["content"] == "15"


def test_generate_init_message_with_carryover():
    """AutoGen 0.2: generate_init_message(message, carryover=...) appends the carryover to
    text, adds a text part to multimodal content, and refuses other carryover types."""
    agent = never("alice")
    assert agent.generate_init_message("hello", carryover="Testing.") == \
        "hello\nContext: \nTesting."
    mm = {"content": [{"type": "text", "text": "hi"}, {"type": "image_url",
                                                      "image_url": {"url": "x.png"}}]}
    assert len(agent.generate_init_message(mm, carryover=["a", "b"])["content"]) == 3
    assert len(agent.generate_init_message(mm)["content"]) == 2
    assert agent.generate_init_message(
        "hi", carryover=[{"content": "from a dict"}]) == "hi\nContext: \nfrom a dict"
    with pytest.raises(ValueError):
        agent.generate_init_message("hello", carryover=3)


def test_restored_histories_continue():
    """AutoGen 0.2: chat_messages taken from one agent restore another; later chats with
    clear_history=False add to them."""
    alice = never("alice", default_auto_reply="alice here")
    bob = never("bob", default_auto_reply="bob (past)")
    bob.initiate_chat(alice, message="bob from the past", max_turns=2, silent=True)
    saved = bob.chat_messages
    bob2 = never("bob", default_auto_reply="bob (future)", chat_messages=saved)
    assert bob2.chat_messages == saved and len(bob2.chat_messages[alice]) == 4
    bob2.initiate_chat(alice, message="bob from the future", max_turns=2,
                       clear_history=False, silent=True)
    assert len(bob2.chat_messages[alice]) == 8
    assert bob2.chat_messages[alice][0]["content"] == "bob from the past"
    assert bob2.chat_messages[alice][-2]["content"] == "bob (future)"


def test_code_execution_reply_scans_the_configured_messages():
    """AutoGen 0.2: generate_code_execution_reply looks at the last last_n_messages messages
    ("auto": those since this agent last spoke); a bad last_n_messages is a ValueError."""
    fence = "`" * 3
    code = {"content": f"{fence}python\nprint('hello world')\n{fence}", "role": "user"}
    plain = {"content": "no code block", "role": "user"}
    mine = {"content": "This is me", "role": "assistant"}

    def reply(config, messages):
        agent = ac.ConversableAgent("a0", llm_config=False, human_input_mode="NEVER",
                                    code_execution_config=config)
        msgs = [ac.Msg("x", m["content"], m["role"]) for m in messages]
        return asyncio.run(ac.ConversableAgent.generate_code_execution_reply(agent, msgs))

    assert reply(False, [code]) == (False, None)
    assert reply({"last_n_messages": 1}, [code, plain]) == (False, None)
    final, out = reply({"last_n_messages": 3}, [code, plain, plain])
    assert final and out.startswith("exitcode: 0") and "hello world" in out
    assert reply({"last_n_messages": "auto"}, [mine, code, plain])[0] is True
    assert reply({"last_n_messages": "auto"}, [code, mine, plain]) == (False, None)
    for bad in (-1, "hello world"):
        with pytest.raises(ValueError):
            reply({"last_n_messages": bad}, [code])


def test_tool_calls_reply_on_autogen_messages_with_async_tools():
    """AutoGen 0.2: generate_tool_calls_reply runs the tool calls of an OpenAI-style message
    (async tools awaited); each response carries the tool_call_id."""
    agent = ac.ConversableAgent("agent", llm_config={"model": ScriptedModel()})

    @agent.register_for_execution()
    @agent.register_for_llm(description="Title case text asynchronously")
    async def title_tool(text: str) -> str:
        await asyncio.sleep(0)
        return text.title()

    message = {"role": "assistant", "tool_calls": [{"id": "call-xyz", "function": {
        "name": "title_tool", "arguments": '{"text": "new york"}'}}]}
    handled, response = asyncio.run(
        ac.ConversableAgent.generate_tool_calls_reply(agent, messages=[message]))
    assert handled is True
    first = response["tool_responses"][0]
    assert (first["tool_call_id"], first["role"], first["content"]) == \
        ("call-xyz", "tool", "New York")


def test_use_docker_default_refuses_to_run_code_without_isolation(monkeypatch):
    """AutoGen 0.2: code execution defaults to use_docker=True and refuses to run when Docker
    is not there; agentcast requires bubblewrap the same way, and use_docker=False does not
    make it run model code on the host (the weaker mode has its own name)."""
    from agentcast.exceptions import SandboxError
    from agentcast.tools.sandbox import Sandbox

    real_init = Sandbox.__init__

    def no_bwrap(self, *a, **kw):
        real_init(self, *a, **{**kw, "bwrap": "/nonexistent/bwrap"})

    monkeypatch.setattr(Sandbox, "__init__", no_bwrap)
    fence = "`" * 3
    for config in ({}, {"use_docker": False}):
        coder = ac.AssistantAgent("coder", llm_config={"model": ScriptedModel(
            [f"{fence}python\nprint(1)\n{fence}"], default="TERMINATE")})
        runner = ac.UserProxyAgent("runner", human_input_mode="NEVER",
                                   code_execution_config=config)
        with pytest.raises(SandboxError, match="rlimits-unsafe"):
            runner.initiate_chat(coder, message="go", max_turns=2)
