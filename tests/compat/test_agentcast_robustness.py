"""Waits in chats end: a person's input that runs out, a reply function that breaks."""

import pytest

import agentcast as ac


def test_scripted_input_that_runs_out_ends_the_chat():
    """A used-up input iterator (StopIteration in a worker thread) reads as "exit"; before the
    fix the chat waited forever on a future that could never be resolved."""
    answers = iter([])

    class Proxy(ac.ConversableAgent):
        def get_human_input(self, prompt):
            return next(answers)

    user = Proxy("user", llm_config=False, human_input_mode="ALWAYS")
    bot = ac.ConversableAgent("bot", llm_config=False, human_input_mode="NEVER",
                              default_auto_reply="hi")
    r = user.initiate_chat(bot, message="go")
    assert [m["content"] for m in r.chat_history] == ["go", "hi"]


def test_reply_function_raising_stopiteration_is_an_error_not_a_hang():
    """A blocking reply function that raises StopIteration fails the chat with an error."""
    bot = ac.ConversableAgent("bot", llm_config=False, human_input_mode="NEVER")
    bot.register_reply(ac.ConversableAgent,
                       lambda r, messages, sender, config: next(iter([])))
    with pytest.raises(RuntimeError, match="StopIteration"):
        ac.ConversableAgent("user", llm_config=False).initiate_chat(bot, message="x",
                                                                    max_turns=1)


def test_misplaced_chat_keywords_are_refused():
    """is_termination_msg / summary_prompt given to a chat would vanish into its context; they
    are refused with a ValueError saying where they belong."""
    a = ac.ConversableAgent("a", llm_config=False, human_input_mode="NEVER")
    b = ac.ConversableAgent("b", llm_config=False, human_input_mode="NEVER")
    with pytest.raises(ValueError, match="FunctionTermination"):
        a.initiate_chat(b, message="x", is_termination_msg=lambda m: True)
    with pytest.raises(ValueError, match="summary_args"):
        ac.initiate_chat(a, b, "x", summary_prompt="Sum up.")
