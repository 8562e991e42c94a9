"""DESIGN.md pipeline arithmetic, from a plain script and from async code."""

import asyncio

import agentcast as ac
from agentcast import Msg

from .helpers import AddAgent, MulAgent, SyncAddAgent


def zero():
    return Msg("user", 0, role="user")


def test_sequential_script():
    assert ac.sequential_pipeline([AddAgent("a", 1), AddAgent("b", 2), MulAgent("c", 3)], zero()).content == 9
    assert ac.sequential_pipeline([AddAgent("a", 1), MulAgent("c", 3), AddAgent("b", 2)], zero()).content == 5


def test_sequential_with_sync_replies_and_class_form():
    pipe = ac.SequentialPipeline([SyncAddAgent("a", 1), SyncAddAgent("b", 2), MulAgent("c", 3)])
    assert pipe(zero()).content == 9


def test_sequential_async():
    async def main():
        out = await ac.sequential_pipeline([AddAgent("a", 1), MulAgent("c", 3), AddAgent("b", 2)], zero())
        return out.content

    assert asyncio.run(main()) == 5


def test_operator_lists_and_nested_pipelines():
    inner = ac.SequentialPipeline([AddAgent("a", 1), AddAgent("b", 2)])
    assert ac.sequential_pipeline([inner, [MulAgent("c", 3), AddAgent("d", 1)]], zero()).content == 10


def test_for_loop_max_and_break_after_body():
    assert ac.for_loop_pipeline(AddAgent("a", 1), max_loop=10, x=zero()).content == 10
    out = ac.for_loop_pipeline(AddAgent("a", 1), 10, break_func=lambda m: m.content > 5, x=zero())
    assert out.content == 6
    assert ac.ForLoopPipeline(AddAgent("a", 1), 3)(zero()).content == 3


def test_for_loop_async():
    async def main():
        return (await ac.for_loop_pipeline(AddAgent("a", 1), 10, lambda m: m.content > 5, zero())).content

    assert asyncio.run(main()) == 6


def test_while_loop_and_its_cap():
    out = ac.while_loop_pipeline(AddAgent("a", 1), lambda i, m: m.content < 7, zero())
    assert out.content == 7
    capped = ac.while_loop_pipeline(AddAgent("a", 1), lambda i, m: True, zero(), max_loop=4)
    assert capped.content == 4
    assert ac.WhileLoopPipeline(AddAgent("a", 2), lambda i, m: i < 3)(zero()).content == 6


def test_if_else_and_switch_on_a_placeholder_value():
    big, small = AddAgent("big", 100), AddAgent("small", 1)
    x = AddAgent("start", 5)(zero())  # a placeholder: the condition waits inside the runtime
    out = ac.if_else_pipeline(lambda m: m.content > 3, big, small, x)
    assert out.content == 105
    out = ac.IfElsePipeline(lambda m: m.content > 3, big, small)(Msg("u", 1))
    assert out.content == 2
    assert ac.if_else_pipeline(lambda m: False, big, None, Msg("u", 1)).content == 1
    cases = {"even": AddAgent("e", 10), "odd": AddAgent("o", 20)}
    key = lambda m: "even" if m.content % 2 == 0 else "odd"  # noqa: E731
    assert ac.switch_pipeline(key, cases, x=Msg("u", 2)).content == 12
    assert ac.SwitchPipeline(key, cases)(Msg("u", 3)).content == 23
    assert ac.switch_pipeline(lambda m: "none", cases, AddAgent("d", 1), Msg("u", 3)).content == 4


def test_pipelines_hand_back_placeholders_without_blocking():
    import time

    from .helpers import SleepyAgent

    t0 = time.perf_counter()
    a, b = SleepyAgent("a", 0.3), SleepyAgent("b", 0.3)
    outs = [
        ac.sequential_pipeline([a, b], zero()),
        ac.if_else_pipeline(lambda m: True, SleepyAgent("c", 0.3), None, zero()),
        ac.for_loop_pipeline(SleepyAgent("d", 0.1), 2, x=zero()),
        ac.while_loop_pipeline(SleepyAgent("e", 0.1), lambda i, m: i < 2, zero()),
    ]
    assert time.perf_counter() - t0 < 0.1
    assert isinstance(outs[0], ac.Placeholder)
    assert [o.content for o in outs] == [2, 1, 2, 2]


def test_fanout_gives_each_its_own_copy_and_keeps_order():
    class Mutator(ac.Agent):
        def __init__(self, name, tag):
            super().__init__(name)
            self.tag = tag
            self.seen = None

        async def reply(self, x):
            x.content["tags"].append(self.tag)
            self.seen = x
            return Msg(self.name, list(x.content["tags"]))

    agents = [Mutator(f"m{i}", i) for i in range(4)]
    original = Msg("user", {"tags": []})
    outs = ac.fanout_pipeline(agents, original)
    assert [o.content for o in outs] == [[0], [1], [2], [3]]
    assert original.content == {"tags": []}
    assert len({id(a.seen) for a in agents}) == 4
    # the input may itself be a placeholder
    src = AddAgent("src", 1)(zero())
    outs = ac.FanoutPipeline([AddAgent("x", 1), MulAgent("y", 10)])(src)
    assert [o.content for o in outs] == [2, 10]


def test_fanout_async():
    async def main():
        outs = ac.fanout_pipeline([AddAgent("a", 1), AddAgent("b", 2)], zero())
        return [(await o).content for o in outs]

    assert asyncio.run(main()) == [1, 2]
