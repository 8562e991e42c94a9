"""OpenTelemetry spans from a real run, checked with the in-memory exporter."""

from __future__ import annotations

import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

import agentcast as ac
from agentcast.message import Msg
from agentcast.observe import end_run, start_run
from agentcast.testing.scripted import ScriptedModel
from agentcast.tools.toolkit import Toolkit

from .helpers import emit_model_call


def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


class ToolUser(ac.Agent):
    """Asks its model, runs one tool, answers."""

    def __init__(self, name: str, model: ScriptedModel) -> None:
        super().__init__(name, "use tools", model=model)
        self.toolkit = Toolkit([add])

    async def reply(self, x=None):
        response = await self.call_model([Msg("user", "add 2 and 3", role="user")])
        call = response.tool_calls[0]
        result = await self.toolkit.call(call, agent=self.name)
        return Msg(self.name, f"the sum is {result.content}")


def _by_name(spans):
    return {s.name: s for s in spans}


def test_span_tree_of_a_pipeline_of_agents(run_dir):
    exporter = InMemorySpanExporter()
    start_run(run_dir, console=False, save_log=False, save_store=False, tracing=exporter,
              prices={"calc-llm": (1.0, 1.0)})
    alice = ToolUser("alice", ScriptedModel([{
        "text": "", "tool_calls": [{"id": "c1", "name": "add", "arguments": {"a": 2, "b": 3}}],
        "usage": {"prompt_tokens": 12, "completion_tokens": 7}}], model_name="calc-llm"))
    bob = ac.DialogAgent("bob", "You are Bob.", model=ScriptedModel(["nice"], model_name="chat-llm"))
    out = ac.sequential_pipeline([alice, bob], Msg("user", "go", role="user"))  # emits its step
    assert out.content == "nice"
    emit_model_call("loose-llm", 1, 1, agent=None)  # made outside any agent: a root span
    end_run()

    spans = _by_name(exporter.get_finished_spans())
    assert set(spans) == {"workflow sequential_pipeline", "invoke_agent alice", "chat calc-llm",
                          "execute_tool add", "invoke_agent bob", "chat chat-llm",
                          "chat loose-llm"}
    wf, a, b = spans["workflow sequential_pipeline"], spans["invoke_agent alice"], \
        spans["invoke_agent bob"]
    assert wf.parent is None
    assert a.parent.span_id == wf.context.span_id and b.parent.span_id == wf.context.span_id
    for child, parent in (("chat calc-llm", a), ("execute_tool add", a), ("chat chat-llm", b)):
        assert spans[child].parent.span_id == parent.context.span_id, child
    trace_ids = {s.context.trace_id for n, s in spans.items() if n != "chat loose-llm"}
    assert trace_ids == {wf.context.trace_id}
    assert spans["chat loose-llm"].parent is None

    chat = spans["chat calc-llm"]
    assert chat.attributes["gen_ai.operation.name"] == "chat"
    assert chat.attributes["gen_ai.request.model"] == "calc-llm"
    assert chat.attributes["gen_ai.usage.input_tokens"] == 12
    assert chat.attributes["gen_ai.usage.output_tokens"] == 7
    assert chat.attributes["gen_ai.agent.name"] == "alice"
    assert chat.attributes["agentcast.cost_usd"] == pytest.approx(19e-6)
    tool = spans["execute_tool add"]
    assert tool.attributes["gen_ai.operation.name"] == "execute_tool"
    assert tool.attributes["gen_ai.tool.name"] == "add"
    assert a.attributes["gen_ai.operation.name"] == "invoke_agent"
    assert a.attributes["gen_ai.agent.name"] == "alice"
    assert a.attributes["agentcast.seq_id"] == "alice#1"
    for s in spans.values():
        assert s.start_time <= s.end_time
    assert wf.start_time <= a.start_time and a.end_time <= b.start_time <= b.end_time
    assert a.start_time <= chat.start_time and chat.end_time <= a.end_time + 1_000_000


def test_failed_reply_and_model_call_spans_carry_the_error(run_dir):
    exporter = InMemorySpanExporter()
    start_run(run_dir, console=False, save_log=False, save_store=False, tracing=exporter)
    agent = ac.DialogAgent("dan", "x", model=ScriptedModel([RuntimeError("model down")]))
    x = agent(Msg("user", "hi", role="user"))
    with pytest.raises(ac.AgentCallError):
        _ = x.content
    end_run()
    spans = _by_name(exporter.get_finished_spans())
    reply, chat = spans["invoke_agent dan"], spans["chat scripted"]
    assert chat.parent.span_id == reply.context.span_id
    assert reply.status.status_code == StatusCode.ERROR == chat.status.status_code
    assert chat.attributes["error.type"] == "RuntimeError"


def test_tracing_is_off_by_default(run_dir):
    run = start_run(run_dir, console=False, save_log=False, save_store=False)
    assert run.tracing is None


def test_console_exporter_can_be_chosen(run_dir, capfd):
    start_run(run_dir, console=False, save_log=False, save_store=False, tracing="console")
    emit_model_call("m", 1, 1, agent=None)
    end_run()
    assert '"gen_ai.request.model": "m"' in capfd.readouterr().out


def test_otlp_endpoint_is_only_what_the_user_gave(run_dir):
    pytest.importorskip("opentelemetry.exporter.otlp.proto.http")
    from agentcast.observe.tracing import _exporter

    exporter, batched = _exporter("http://127.0.0.1:4318/v1/traces")
    assert batched and exporter._endpoint == "http://127.0.0.1:4318/v1/traces"
    run = start_run(run_dir, console=False, save_log=False, save_store=False,
                    tracing={"endpoint": "http://127.0.0.1:9/v1/traces", "timeout": 1})
    assert run.tracing is not None  # no span made: nothing is sent on shutdown
