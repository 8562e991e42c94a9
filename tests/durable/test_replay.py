"""Record and replay in one process: a run is recorded, then the same program runs again
with fresh agents against the record (as a resumed process would)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

import agentcast as ac
from agentcast import hooks
from agentcast.durable import stop
from agentcast.durable.journal import digest
from agentcast.exceptions import ConfigError, DivergenceError, InFlightToolError
from agentcast.observe.run import end_run
from agentcast.testing import FunctionModel


@pytest.fixture(autouse=True)
def _clean():
    yield
    stop()
    end_run()


class Calls:
    def __init__(self) -> None:
        self.n = 0

    def model(self, name: str) -> FunctionModel:
        def fn(msgs):
            self.n += 1
            return f"{name}:{len(msgs)}:{msgs[-1].content if msgs else ''}"
        return FunctionModel(fn)


class Moderator(ac.Agent):
    """An orchestrator: its reply calls other agents (AgentScope's werewolf moderator)."""

    def __init__(self, name, players):
        super().__init__(name)
        self.players = players

    async def reply(self, x):
        said = [await p(x) for p in self.players]
        picked = ac.random.choice([m.content for m in said])
        return ac.Msg(self.name, f"picked {picked}")


def program(calls: Calls, *, start: str = "go"):
    a = ac.DialogAgent("A", model=calls.model("A"))
    b = ac.DialogAgent("B", model=calls.model("B"))
    mod = Moderator("M", [a, b])
    with ac.msghub([a, b], announcement=ac.Msg("host", "hello", role="user")):
        a()
        b()
    x = ac.sequential_pipeline([a, b], ac.Msg("user", start, role="user"))
    y = mod(x)
    draws = [ac.random.randint(0, 10**6) for _ in range(3)]
    return {"A": [m.content for m in a.memory.get()], "B": [m.content for m in b.memory.get()],
            "y": y.content, "draws": draws}


def test_resume_replays_everything_without_model_calls(tmp_path: Path):
    first = Calls()
    ac.init(run_dir=tmp_path, durable=True, logger_level="WARNING")
    run_id = ac.observe.current_run().id if hasattr(ac, "observe") else None
    from agentcast.observe.run import current_run

    run_id = current_run().id
    ref = program(first)
    assert first.n == 6
    second = Calls()
    ac.init(run_dir=tmp_path, resume=run_id, logger_level="WARNING")
    again = program(second)
    assert second.n == 0  # every model call answered from the record
    assert again == ref  # memories (orchestrated members included), results, random draws


def test_async_program_resumes(tmp_path: Path):
    async def main(calls: Calls):
        a = ac.DialogAgent("A", model=calls.model("A"))
        b = ac.DialogAgent("B", model=calls.model("B"))
        r = await asyncio.gather(a(ac.Msg("user", "1", role="user")),
                                 b(ac.Msg("user", "2", role="user")))
        c = await a(r[1])
        return [m.content for m in r] + [c.content, len(a.memory.get())]

    from agentcast.observe.run import current_run

    first = Calls()
    ac.init(run_dir=tmp_path, durable=True, logger_level="WARNING")
    run_id = current_run().id
    ref = asyncio.run(main(first))
    second = Calls()
    ac.init(run_dir=tmp_path, resume=run_id, logger_level="WARNING")
    assert asyncio.run(main(second)) == ref
    assert (first.n, second.n) == (3, 0)


def test_another_input_is_a_divergence_naming_both(tmp_path: Path):
    from agentcast.observe.run import current_run

    ac.init(run_dir=tmp_path, durable=True, logger_level="WARNING")
    run_id = current_run().id
    program(Calls())
    ac.init(run_dir=tmp_path, resume=run_id, logger_level="WARNING")
    with pytest.raises(ac.AgentCallError) as info:
        program(Calls(), start="another start")
    err = info.value.original
    assert isinstance(err, DivergenceError)
    assert err.call == "A#2"  # A's second call (after the hub) has another input
    assert err.recorded != err.now


def test_calling_another_agent_is_a_divergence(tmp_path: Path):
    from agentcast.observe.run import current_run

    ac.init(run_dir=tmp_path, durable=True, logger_level="WARNING")
    run_id = current_run().id
    a = ac.DialogAgent("A", model=Calls().model("A"))
    a(ac.Msg("user", "hi", role="user")).content
    ac.init(run_dir=tmp_path, resume=run_id, logger_level="WARNING")
    b = ac.DialogAgent("B", model=Calls().model("B"))
    with pytest.raises(DivergenceError) as info:
        b(ac.Msg("user", "hi", role="user"))
    assert info.value.call == "input#1"
    assert (info.value.recorded, info.value.now) == ("call A#1", "call B#1")


def test_side_effecting_tool_in_flight_stops_then_reruns_when_asked(tmp_path: Path):
    run_id, mailer = _crash_inside_a_mailer(tmp_path)
    # resume: the tool had started and has no result, and it is not idempotent
    sent: list[str] = []
    with pytest.raises(ac.AgentCallError) as info:
        _resume_mailer(tmp_path, run_id, mailer, sent).content
    assert isinstance(info.value.original, InFlightToolError)
    assert info.value.original.tool == "send_email" and sent == []
    assert _resume_mailer(tmp_path, run_id, mailer, sent, in_flight="rerun").content == "sent"
    assert sent == ["bob"]


def _crash_inside_a_mailer(tmp_path: Path) -> tuple[str, type]:
    """A durable run killed (in effect) while its side-effecting tool ran."""
    from agentcast.models.base import ToolCall
    from agentcast.observe.run import current_run

    async def crash_inside(to: str) -> str:
        raise KeyboardInterrupt  # stands for the process dying inside the tool

    class Mailer(ac.Agent):
        async def reply(self, x):
            r = await self.toolkit.call(ToolCall("1", "send_email", {"to": "bob"}),
                                        agent=self.name)
            return ac.Msg(self.name, r.text())

    tools = ac.Toolkit()
    tools.add_tool(crash_inside, name="send_email")
    ac.init(run_dir=tmp_path, durable=True, logger_level="ERROR")
    run_id = current_run().id
    m = Mailer("mailer")
    m.toolkit = tools
    with pytest.raises(BaseException):
        m(ac.Msg("user", "mail bob", role="user")).content
    return run_id, Mailer


def _resume_mailer(tmp_path: Path, run_id: str, mailer: type, sent: list,
                   **init: str) -> ac.Msg:
    def send_email(to: str) -> str:
        """Send an email."""
        sent.append(to)
        return "sent"

    tools = ac.Toolkit()
    tools.add_tool(send_email)
    ac.init(run_dir=tmp_path, resume=run_id, logger_level="ERROR", **init)
    m = mailer("mailer")
    m.toolkit = tools
    return m(ac.Msg("user", "mail bob", role="user"))


def test_a_tool_in_flight_asks_a_person_and_runs_once_when_approved(tmp_path: Path):
    """"The run stops and asks": the question is a durable approval request for that exact
    call; approved (twice, even), the tool runs again exactly once."""
    from agentcast.durable import approve, list_requests

    run_id, mailer = _crash_inside_a_mailer(tmp_path)
    sent: list[str] = []
    with pytest.raises(ac.AgentCallError) as info:
        _resume_mailer(tmp_path, run_id, mailer, sent).content
    err = info.value.original
    assert isinstance(err, InFlightToolError) and err.request_id and sent == []
    assert f"agentcast approvals approve {err.request_id}" in str(err)
    (req,) = list_requests(tmp_path, status="pending")
    assert req["id"] == err.request_id and req["tool"] == "send_email"
    assert json.loads(req["arguments"]) == {"to": "bob"} and "in flight" in req["call"]
    approve(err.request_id, run_dir=tmp_path, by="ops")
    approve(err.request_id, run_dir=tmp_path, by="ops")  # a second approval changes nothing
    assert _resume_mailer(tmp_path, run_id, mailer, sent).content == "sent"
    assert _resume_mailer(tmp_path, run_id, mailer, sent).content == "sent"  # replayed
    assert sent == ["bob"]


def test_a_tool_in_flight_that_is_denied_is_reported_to_the_model(tmp_path: Path):
    from agentcast.durable import deny

    run_id, mailer = _crash_inside_a_mailer(tmp_path)
    sent: list[str] = []
    with pytest.raises(ac.AgentCallError) as info:
        _resume_mailer(tmp_path, run_id, mailer, sent).content
    deny(info.value.original.request_id, run_dir=tmp_path, by="ops", reason="it went out")
    out = _resume_mailer(tmp_path, run_id, mailer, sent).content
    assert "denied by ops: it went out" in out and sent == []


def test_resume_of_unknown_run_names_the_field(tmp_path: Path):
    with pytest.raises(ConfigError) as info:
        ac.init(run_dir=tmp_path, resume="nope", logger_level="WARNING")
    assert info.value.field == "resume"
    assert hooks.durable is None


def test_durable_needs_a_run_dir():
    with pytest.raises(ConfigError) as info:
        ac.init(run_dir=None, durable=True)
    assert info.value.field == "run_dir"


def test_record_is_small(tmp_path: Path):
    """BENCH W9: at most 1 KB of store per recorded call, message content excluded."""
    from agentcast.observe.run import current_run

    ac.init(run_dir=tmp_path, durable=True, logger_level="WARNING")
    rid = current_run().id
    a = ac.DialogAgent("A", model=FunctionModel(lambda m: "ok"))
    for i in range(50):
        a(ac.Msg("user", str(i), role="user"))
    ac.wait_all()
    stop()
    db = tmp_path / rid / "store.db"
    with sqlite3.connect(db) as c:
        rows = c.execute("SELECT agent, seq, digest, input_pos, result, state FROM "
                         "durable_calls").fetchall()
    assert len(rows) == 50
    for row in rows:
        overhead = sum(len(str(v)) for v in row)
        assert overhead < 1024


def test_group_chat_resumes_with_no_model_call_repeated(tmp_path: Path):
    """A group chat (AutoGen's manager drives the members: an orchestrator) replays whole."""
    from agentcast.observe.run import current_run

    def chat(calls: Calls) -> tuple[list, list]:
        members = [ac.AssistantAgent(n, llm_config={"model": calls.model(n)})
                   for n in ("Ann", "Bob", "Cy")]
        gc = ac.GroupChat(members, messages=[], max_round=5,
                          speaker_selection_method="round_robin")
        manager = ac.GroupChatManager(gc)
        user = ac.UserProxyAgent("user", human_input_mode="NEVER",
                                 code_execution_config=False)
        result = user.initiate_chat(manager, message="plan a party")
        return ([m["content"] for m in result.chat_history],
                [[m.content for m in a.memory.get()] for a in members])

    first = Calls()
    ac.init(run_dir=tmp_path, durable=True, logger_level="ERROR")
    rid = current_run().id
    ref = chat(first)
    assert first.n >= 3
    second = Calls()
    ac.init(run_dir=tmp_path, resume=rid, logger_level="ERROR")
    assert chat(second) == ref
    assert second.n == 0


def test_a_scripts_input_is_in_the_store_and_the_journal(tmp_path: Path):
    """The conversation can be rebuilt from the store: the user's input to a pipeline is
    there (content and all), not only the replies."""
    from agentcast.observe.run import current_run

    ac.init(run_dir=tmp_path, durable=True, logger_level="ERROR")
    rid = current_run().id
    a = ac.DialogAgent("A", model=FunctionModel(lambda m: "from A"))
    b = ac.DialogAgent("B", model=FunctionModel(lambda m: "from B"))
    said = ac.Msg("user", "hello from the user", role="user")
    assert ac.sequential_pipeline([a, b], said).content == "from B"
    current_run().flush()
    stop()
    with sqlite3.connect(tmp_path / rid / "store.db") as c:
        messages = c.execute("SELECT msg_id, sender, content FROM messages ORDER BY timestamp"
                             ).fetchall()
        inputs = c.execute("SELECT k, kind, content FROM durable_inputs ORDER BY k").fetchall()
    assert [(s, json.loads(t)) for _, s, t in messages] == [
        ("user", "hello from the user"), ("A", "from A"), ("B", "from B")]
    assert messages[0][0] == said.id
    # the journal's copy: A's call got the user's message, B's call got A's reply (a call
    # result, already recorded as such, so not copied again)
    first, second = inputs
    assert first[1] == "call A#1" and json.loads(first[2])["content"] == "hello from the user"
    assert second[1] == "call B#1" and second[2] is None


def test_passing_another_calls_result_is_a_divergence_even_with_equal_content(tmp_path: Path):
    """An input sent as another call's placeholder is fingerprinted by that call's id: the
    resumed program handing B the result of C instead of A diverges, though both said "ok"."""
    from agentcast.observe.run import current_run

    def agents() -> tuple:
        return tuple(ac.DialogAgent(n, model=FunctionModel(lambda m: "ok")) for n in "ACB")

    ac.init(run_dir=tmp_path, durable=True, logger_level="WARNING")
    run_id = current_run().id
    a, c, b = agents()
    pa, pc = a(ac.Msg("user", "x", role="user")), c(ac.Msg("user", "y", role="user"))
    assert b(pa).content == "ok" and pc.content == "ok"
    ac.init(run_dir=tmp_path, resume=run_id, logger_level="WARNING")
    a, c, b = agents()
    pa, pc = a(ac.Msg("user", "x", role="user")), c(ac.Msg("user", "y", role="user"))
    with pytest.raises(ac.AgentCallError) as info:
        b(pc).content
    err = info.value.original
    assert isinstance(err, DivergenceError)
    assert (err.call, err.recorded, err.now) == ("B#1", "pA#1", "pC#1")
    # and the same program resumes: its inputs match call for call
    ac.init(run_dir=tmp_path, resume=run_id, logger_level="WARNING")
    a, c, b = agents()
    pa, pc = a(ac.Msg("user", "x", role="user")), c(ac.Msg("user", "y", role="user"))
    assert b(pa).content == "ok"


def test_a_journal_recorded_with_content_fingerprints_still_resumes(tmp_path: Path):
    """A record whose input fingerprint is the older content digest (24 hex digits) is
    compared by content, whichever form the input comes in now."""
    from agentcast.durable.replay import msg_fingerprint, same_input

    m = ac.Msg("A", "ok")
    old = digest(msg_fingerprint(m))
    assert len(old) == 24
    assert same_input(old, m, "pA#1")
    assert not same_input(old, ac.Msg("A", "other"), "pA#1")


@pytest.mark.parametrize("rid", ["../../evil", "/etc", "a/b", ".hidden", "", "x" * 200])
def test_a_resume_id_that_is_a_path_is_refused_before_anything_is_created(tmp_path: Path, rid):
    """A run id names a directory under run_dir: a path (or a typo) creates nothing."""
    runs = tmp_path / "deep" / "runs"
    with pytest.raises(ConfigError) as info:
        ac.init(run_dir=runs, resume=rid, logger_level="ERROR")
    assert info.value.field == "resume"
    assert sorted(p.name for p in tmp_path.rglob("*")) == []


def test_resuming_an_unknown_run_creates_no_directory(tmp_path: Path):
    with pytest.raises(ConfigError) as info:
        ac.init(run_dir=tmp_path / "runs", resume="20261203-000000-abcdef", logger_level="ERROR")
    assert info.value.field == "resume" and "no durable record" in str(info.value)
    assert not (tmp_path / "runs").exists()


def test_a_journal_that_is_a_symlink_is_refused(tmp_path: Path):
    """A planted link would make the run write to, and trust, another file."""
    from agentcast.durable.journal import Journal

    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "journal.log").symlink_to(victim)
    with pytest.raises(ConfigError):
        Journal(tmp_path / "run", "r1")
    assert victim.read_text() == "precious"


def test_a_journal_written_as_json_lines_resumes_and_is_rewritten(tmp_path: Path):
    """A journal of agentcast before format 2 (JSON lines, content digests, wire dicts)."""
    from agentcast.durable.journal import MAGIC, Journal
    from agentcast.durable.replay import msg_fingerprint

    rid = "20261201-120000-abcdef"
    said = ac.Msg("user", "hi", role="user")
    answer = ac.Msg("A", "recorded answer")
    lines = [["run", rid, 7, 1.0],
             ["c", "A", 1, digest(msg_fingerprint(said)), 1, {"t": "msg", "v": answer.to_dict()},
              {"base": 0, "add": [said.to_dict(), answer.to_dict()]}]]
    (tmp_path / rid).mkdir()
    (tmp_path / rid / "journal.log").write_bytes(
        b"".join(json.dumps(r).encode() + b"\n" for r in lines) + b"\0" * 64)
    ac.init(run_dir=tmp_path, resume=rid, logger_level="ERROR")
    a = ac.DialogAgent("A", model=FunctionModel(lambda m: "live answer"))
    out = a(said)
    assert out.content == "recorded answer" and out.id == answer.id
    assert [m.content for m in a.memory.get()] == ["hi", "recorded answer"]
    stop()
    assert (tmp_path / rid / "journal.log").read_bytes().startswith(MAGIC)
    kinds = [rec[0] for _, rec in Journal.read_records(tmp_path / rid / "journal.log")]
    assert kinds == ["run", "c", "resume"]
