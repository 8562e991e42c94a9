"""An ``async`` input function (or input provider) is awaited: the chat goes on with the text
it returned, in a plain script and in async code alike."""

from __future__ import annotations

import asyncio

import agentcast as ac
from agentcast import Msg
from agentcast.agents.user import set_input_provider
from agentcast.testing.scripted import ScriptedModel


class AsyncPerson:
    """Answers in order after a real await; records the prompts and the loop it ran on."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.prompts: list[str] = []
        self.loops: list[asyncio.AbstractEventLoop] = []

    async def __call__(self, prompt: str) -> str:
        await asyncio.sleep(0.01)
        self.prompts.append(prompt)
        self.loops.append(asyncio.get_running_loop())
        return self.answers.pop(0) if self.answers else "exit"


def _assistant(*replies: str) -> ac.AssistantAgent:
    return ac.AssistantAgent("assistant", model=ScriptedModel(replies, "assistant"))


def test_user_agent_awaits_an_async_input_func_in_a_script():
    async def typed(prompt: str) -> str:
        await asyncio.sleep(0.01)
        return f"  typed after {prompt.strip()}  "

    user = ac.UserAgent("me", input_func=typed)
    x = user(Msg("bot", "hi"))
    assert x.content == "typed after me:"
    assert [m.content for m in user.memory.get()] == ["hi", "typed after me:"]


def test_user_agent_awaits_an_async_input_func_in_async_code():
    person = AsyncPerson("hello there", "exit")
    user = ac.UserAgent("me", input_func=person)

    async def main() -> list[str]:
        first = await user(Msg("bot", "hi"))
        second = await user(first)
        return [first.content, second.content]

    assert asyncio.run(main()) == ["hello there", "exit"]
    assert len(person.prompts) == 2


def test_an_async_input_provider_is_awaited():
    async def provider(agent, x, prompt):
        await asyncio.sleep(0.01)
        return f"web answer for {agent.name}"

    set_input_provider(provider)
    try:
        assert ac.UserAgent("me")().content == "web answer for me"
    finally:
        set_input_provider(None)


def test_a_conversation_goes_on_with_the_async_answers():
    person = AsyncPerson("tell me more", "and more", "exit")
    user = ac.UserAgent("User", input_func=person)
    bot = ac.DialogAgent("bot", model=ScriptedModel(["r1", "r2", "r3"], "bot"))
    x = None
    said = []
    for _ in range(5):
        x = user(x)
        if ac.UserAgent.is_exit(x):
            break
        said.append(x.content)
        x = bot(x)
    assert said == ["tell me more", "and more"]
    assert [m.content for m in bot.memory.get()] == ["tell me more", "r1", "and more", "r2"]


# UserProxyAgent and group chat's manual selection await an async input_func too: tested
# with AutoGen's API in tests/compat/test_autogen_conversable.py (a_get_human_input).
