"""AutoGen 0.2's chat sequences (initiate_chats, a_initiate_chats), behaviour by behaviour."""

import asyncio

import pytest

import agentcast as ac
from agentcast.testing import FunctionModel


def echo(name):
    """Answers with the first line of what it was asked, and how much context came along."""
    def answer(msgs):
        text = str(msgs[-1].content)
        return f"{name} did {text.splitlines()[0]}" + (" +ctx" if "Context:" in text else "")

    return ac.ConversableAgent(name, None, human_input_mode="NEVER",
                               llm_config={"model": FunctionModel(answer, name)})


def never(name):
    return ac.ConversableAgent(name, llm_config=False, human_input_mode="NEVER")


def test_sequence_carries_summaries_over():
    """AutoGen 0.2: initiate_chats runs the chats in order; each gets the earlier summaries
    as carryover, appended to its message after "Context:"."""
    user, a, b = never("user"), echo("a"), echo("b")
    results = ac.initiate_chats([
        {"sender": user, "recipient": a, "message": "step one", "max_turns": 1},
        {"sender": user, "recipient": b, "message": "step two", "max_turns": 1,
         "carryover": "given fact"},
    ])
    assert [r.summary for r in results] == ["a did step one", "b did step two +ctx"]
    assert results[1].chat_history[0]["content"] == \
        "step two\nContext: \ngiven fact\na did step one"


def test_excluded_chats_do_not_carry_over():
    """AutoGen 0.2: finished_chat_indexes_to_exclude_from_carryover leaves those summaries
    out."""
    user, a, b, c = never("user"), echo("a"), echo("b"), echo("c")
    results = user.initiate_chats([
        {"recipient": a, "message": "one", "max_turns": 1},
        {"recipient": b, "message": "two", "max_turns": 1},
        {"recipient": c, "message": "three", "max_turns": 1,
         "finished_chat_indexes_to_exclude_from_carryover": [0]},
    ])
    assert results[2].chat_history[0]["content"] == "three\nContext: \nb did two +ctx"


def test_agent_initiate_chats_uses_itself_as_sender():
    """AutoGen 0.2: agent.initiate_chats(queue) sends every chat from that agent."""
    user, a = never("user"), echo("a")
    results = user.initiate_chats([{"recipient": a, "message": "hi", "max_turns": 1}])
    assert results[0].chat_history[0]["name"] == "user"


def test_queue_entries_are_checked():
    """AutoGen 0.2: a chat without a recipient is refused (ValueError)."""
    with pytest.raises(ValueError, match="recipient"):
        ac.initiate_chats([{"sender": never("u"), "message": "x"}])


def rendezvous(name, mine, other, log):
    """An agent whose answer waits (bounded) until the other chat's agent has started."""
    agent = never(name)

    async def reply(recipient, messages, sender, config):
        mine.set()
        try:
            await asyncio.wait_for(other.wait(), 5)
            log.append(f"{name} met")
        except asyncio.TimeoutError:
            log.append(f"{name} alone")
        return True, f"{name} did {messages[-1]['content']}"

    agent.register_reply(ac.ConversableAgent, reply)
    return agent


def test_async_chats_respect_prerequisites_and_run_concurrently():
    """AutoGen 0.2: a_initiate_chats needs a chat_id per chat; a chat starts after its
    prerequisites and carries their summaries; independent chats run at the same time;
    results come back by chat id, each with its chat_id."""
    user, last = never("user"), echo("z")
    log = []

    async def main():
        e1, e2 = asyncio.Event(), asyncio.Event()
        left, right = rendezvous("s1", e1, e2, log), rendezvous("s2", e2, e1, log)
        return await user.a_initiate_chats([
            {"chat_id": 1, "recipient": left, "message": "left", "max_turns": 1},
            {"chat_id": 2, "recipient": right, "message": "right", "max_turns": 1},
            {"chat_id": 3, "recipient": last, "message": "join", "max_turns": 1,
             "prerequisites": [1, 2]},
        ])

    results = asyncio.run(main())
    assert sorted(results) == [1, 2, 3] and results[3].chat_id == 3
    assert results[3].chat_history[0]["content"] == "join\nContext: \ns1 did left\ns2 did right"
    assert sorted(log) == ["s1 met", "s2 met"]  # both chats were in flight together


def test_async_chats_refuse_cycles_and_missing_ids():
    """AutoGen 0.2: prerequisites must form no cycle; every async chat needs a chat_id."""
    user, a = never("user"), echo("a")
    with pytest.raises(ValueError, match="cycle"):
        asyncio.run(ac.a_initiate_chats([
            {"sender": user, "recipient": a, "chat_id": 1, "prerequisites": [2]},
            {"sender": user, "recipient": a, "chat_id": 2, "prerequisites": [1]}]))
    with pytest.raises(ValueError, match="chat_id"):
        asyncio.run(ac.a_initiate_chats([{"sender": user, "recipient": a, "message": "x"}]))


def test_chat_messages_for_summary_and_chat_results():
    """AutoGen 0.2: chat_messages_for_summary is the history with that agent (a manager: the
    group's messages); get_chat_results() returns what initiate_chats finished; a bad
    summary_method anywhere in the queue is refused before any chat runs."""
    user, other = never("user"), never("other")
    user.send("What is the capital of France?", other)
    assert len(other.chat_messages_for_summary(user)) == 1
    gc = ac.GroupChat([user, other], messages=[], max_round=2)
    manager = ac.GroupChatManager(gc, name="manager", llm_config=False)
    user.initiate_chat(manager, message="What is the capital of France?")
    assert len(manager.chat_messages_for_summary(user)) == 2
    assert len(user.chat_messages_for_summary(manager)) == 2
    a = echo("a")
    results = user.initiate_chats([{"recipient": a, "message": "x", "max_turns": 1}])
    assert user.get_chat_results() == results and user.get_chat_results(-1) is results[-1]
    calls = a.model.call_count
    with pytest.raises(ValueError, match="summary_method"):
        user.initiate_chats([{"recipient": a, "message": "x", "max_turns": 1},
                             {"recipient": a, "message": "y", "summary_method": "bogus"}])
    assert a.model.call_count == calls  # the first chat did not run


def test_register_nested_chats():
    """AutoGen 0.2: register_nested_chats(chat_queue, trigger) makes the agent answer a
    matching sender by running the chats (it sends them; the first one carries the received
    message) and saying the last summary."""
    critic = echo("critic")
    writer = never("writer")
    writer.register_nested_chats([{"recipient": critic, "max_turns": 1,
                                   "summary_method": "last_msg"}], trigger=ac.ConversableAgent)
    user = never("user")
    r = user.initiate_chat(writer, message="review this draft", max_turns=1)
    assert r.chat_history[-1]["content"] == "critic did review this draft"
    assert critic.chat_messages[writer][0]["name"] == "writer"
