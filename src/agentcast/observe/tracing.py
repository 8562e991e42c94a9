"""OpenTelemetry spans from hook events, after the GenAI semantic conventions (extra ``otel``).

Off by default; nothing is sent anywhere unless the user enables it, and then only to the
exporter they chose (OTLP endpoint or console). Events arrive when things *end*, children
before parents (a model call ends before the reply that made it), so spans are made with
explicit start/end times and with span ids chosen in advance: the first child of an agent's
reply fixes that reply's span id, and the reply span is created later with exactly that id.

Spans: ``invoke_agent {agent}`` (reply), ``chat {model}`` (model call), ``execute_tool {name}``
(tool call), ``workflow {name}`` (pipeline, from ``"pipeline"`` events with ``phase`` start /
end). Replies made while a pipeline is open are its children.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from agentcast.exceptions import MissingExtraError
from agentcast.observe.redaction import Redactor, default_redactor

TRACER_NAME = "agentcast"


@dataclass
class _Slot:
    """A span whose ids are fixed before the span itself can be made."""

    trace_id: int
    span_id: int
    parent: Any  # otel Context or None


def _ns(t: Any, offset: float) -> int | None:
    """Seconds (epoch, or perf_counter which is converted) -> epoch nanoseconds."""
    if t is None:
        return None
    t = float(t)
    if t < 1e9:  # a monotonic clock reading, not epoch seconds
        t += offset
    return int(t * 1e9)


def _exporter(tracing: Any) -> tuple[Any, bool]:
    """(SpanExporter, batch?) for a ``tracing=`` setting."""
    if isinstance(tracing, str) and tracing == "console":
        import sys

        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter(out=sys.stdout), False  # today's stdout, not import time's
    if tracing is True or isinstance(tracing, (str, dict)):
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        except ImportError as exc:
            raise MissingExtraError("otel", "opentelemetry-exporter-otlp-proto-http",
                                    "OTLP trace export") from exc
        kwargs: dict[str, Any] = {}
        if isinstance(tracing, str) and tracing != "otlp":
            kwargs["endpoint"] = tracing
        elif isinstance(tracing, dict):
            kwargs = dict(tracing)
        return OTLPSpanExporter(**kwargs), True  # endpoint from OTEL_EXPORTER_OTLP_* otherwise
    return tracing, False  # a SpanExporter object (e.g. InMemorySpanExporter in tests)


class Tracing:
    """Turns hook events into spans on a private TracerProvider (the global one is untouched)."""

    def __init__(self, tracing: Any, *, service_name: str = "agentcast", run_id: str = "",
                 redactor: Redactor | None = None) -> None:
        try:
            from opentelemetry import trace
            from opentelemetry.sdk.resources import Resource
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
            from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
        except ImportError as exc:
            raise MissingExtraError("otel", "opentelemetry-sdk", "tracing") from exc

        outer = self

        class _Ids(RandomIdGenerator):
            def generate_span_id(self) -> int:
                forced = outer._forced
                return forced.span_id if forced is not None else super().generate_span_id()

            def generate_trace_id(self) -> int:
                forced = outer._forced
                return forced.trace_id if forced is not None else super().generate_trace_id()

        self._trace = trace
        self._rand = RandomIdGenerator()
        self._forced: _Slot | None = None
        self._lock = threading.RLock()
        self.redactor = redactor or default_redactor()
        self.run_id = run_id
        exporter, batch = _exporter(tracing)
        self.provider = TracerProvider(
            resource=Resource.create({"service.name": service_name}), id_generator=_Ids())
        processor = BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter)
        self.provider.add_span_processor(processor)
        self.tracer = self.provider.get_tracer(TRACER_NAME)
        self._replies: dict[str, _Slot] = {}  # agent -> slot of its reply in progress
        self._pipelines: list[tuple[Any, _Slot]] = []  # open pipelines: (id, slot)
        self._offset = time.time() - time.perf_counter()

    # -- ids -----------------------------------------------------------------------------
    def _ctx(self, slot: _Slot | None) -> Any:
        if slot is None:
            return None
        t = self._trace
        sc = t.SpanContext(slot.trace_id, slot.span_id, is_remote=False,
                           trace_flags=t.TraceFlags(t.TraceFlags.SAMPLED))
        return t.set_span_in_context(t.NonRecordingSpan(sc))

    def _new_slot(self, parent: _Slot | None) -> _Slot:
        trace_id = parent.trace_id if parent else self._rand.generate_trace_id()
        return _Slot(trace_id, self._rand.generate_span_id(), self._ctx(parent))

    def _reply_slot(self, agent: str) -> _Slot:
        slot = self._replies.get(agent)
        if slot is None:
            parent = self._pipelines[-1][1] if self._pipelines else None
            slot = self._replies[agent] = self._new_slot(parent)
        return slot

    def _span(self, name: str, slot: _Slot | None, parent: Any, kind: str, attrs: dict[str, Any],
              start: int | None, end: int | None, error: Any = None) -> None:
        t = self._trace
        clean = {k: v for k, v in attrs.items() if v is not None}
        self._forced = slot
        try:
            span = self.tracer.start_span(name, context=parent, kind=getattr(t.SpanKind, kind),
                                          attributes=clean, start_time=start)
        finally:
            self._forced = None
        if error is not None:
            etype = type(error).__name__ if isinstance(error, BaseException) else "error"
            span.set_attribute("error.type", etype)
            span.set_status(t.Status(t.StatusCode.ERROR, self.redactor.text(str(error))))
        span.end(end_time=end)

    # -- events --------------------------------------------------------------------------
    def on_event(self, kind: str, data: dict[str, Any], cost: Any = None) -> None:
        """Hook listener body: make the span(s) this event completes."""
        with self._lock:
            now = time.time()
            agent = data.get("agent")
            if kind in ("model_call", "tool_call"):
                parent_slot = self._reply_slot(str(agent)) if agent is not None else (
                    self._pipelines[-1][1] if self._pipelines else None)
                parent = self._ctx(parent_slot)
                if kind == "model_call":
                    usage, model = data.get("usage"), data.get("model")
                    resp = data.get("response")
                    self._span(f"chat {model}", None, parent, "CLIENT", {
                        "gen_ai.operation.name": "chat",
                        "gen_ai.request.model": model,
                        "gen_ai.response.model": getattr(resp, "model", None) or None,
                        "gen_ai.usage.input_tokens": getattr(usage, "prompt_tokens", None),
                        "gen_ai.usage.output_tokens": getattr(usage, "completion_tokens", None),
                        "gen_ai.agent.name": agent,
                        "agentcast.model.config_name": data.get("config_name"),
                        "agentcast.model.retries": data.get("retries"),
                        "agentcast.cost_usd": float(cost) if cost is not None else None,
                        "agentcast.run_id": self.run_id or None,
                    }, _ns(now - float(data.get("latency") or 0), 0), _ns(now, 0),
                        data.get("error"))
                else:
                    self._span(f"execute_tool {data.get('name')}", None, parent, "INTERNAL", {
                        "gen_ai.operation.name": "execute_tool",
                        "gen_ai.tool.name": data.get("name"),
                        "gen_ai.agent.name": agent,
                        "agentcast.tool.status": str(data.get("status")),
                        "agentcast.run_id": self.run_id or None,
                    }, _ns(now - float(data.get("duration") or 0), 0), _ns(now, 0),
                        data.get("error"))
            elif kind == "reply" and agent is not None:
                slot = self._reply_slot(str(agent))
                del self._replies[str(agent)]
                started, ended = data.get("started"), data.get("ended")
                self._span(f"invoke_agent {agent}", slot, slot.parent, "INTERNAL", {
                    "gen_ai.operation.name": "invoke_agent",
                    "gen_ai.agent.name": agent,
                    "agentcast.seq_id": data.get("seq_id"),
                    "agentcast.run_id": self.run_id or None,
                }, _ns(started if started is not None else now, self._offset),
                    _ns(ended if ended is not None else now, self._offset), data.get("error"))
            elif kind == "pipeline":
                self._on_pipeline(data, now)

    def _on_pipeline(self, data: dict[str, Any], now: float) -> None:
        pid = data.get("id")
        if data.get("phase") == "start":
            parent = self._pipelines[-1][1] if self._pipelines else None
            self._pipelines.append((pid, self._new_slot(parent)))
            return
        for i in range(len(self._pipelines) - 1, -1, -1):
            if self._pipelines[i][0] == pid:
                _, slot = self._pipelines.pop(i)
                break
        else:
            slot = None  # an end without a start: make a root span
        name = data.get("name") or "pipeline"
        started, ended = data.get("started"), data.get("ended")
        self._span(f"workflow {name}", slot, slot.parent if slot else None, "INTERNAL", {
            "gen_ai.operation.name": "invoke_workflow",
            "agentcast.pipeline.name": name,
            "agentcast.run_id": self.run_id or None,
        }, _ns(started if started is not None else now, self._offset),
            _ns(ended if ended is not None else now, self._offset), data.get("error"))

    def shutdown(self) -> None:
        """Close spans left open (their end events never came) and flush the exporter."""
        with self._lock:
            now = time.time()
            for pid, _slot in list(reversed(self._pipelines)):
                self._on_pipeline({"id": pid, "phase": "end", "error": "not ended"}, now)
            for agent in list(self._replies):
                self.on_event("reply", {"agent": agent, "error": "reply never completed"})
        self.provider.shutdown()


__all__ = ["Tracing"]
