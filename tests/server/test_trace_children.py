"""A fan-out reads as one trace: child workflows continue their parent's trace."""

from __future__ import annotations

from pathlib import Path

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import podium
from podium.observability import tracing


def test_children_of_a_fan_out_continue_the_parents_trace(tmp_path: Path) -> None:
    app = podium.App("traced", database_url=f"sqlite:///{tmp_path / 't.db'}")

    @app.step
    def double(n: int) -> int:
        return n * 2

    @app.workflow
    def child(n: int) -> int:
        return double(n)

    @app.workflow
    def parent(count: int) -> int:
        handles = [podium.start_child(child, n) for n in range(count)]
        return sum(podium.gather(*handles))

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    tracing.instrument(app, tracer)
    try:
        with tracer.start_as_current_span("caller") as caller:
            handle = app.start(parent, 4, id="fan")
        with app.worker(concurrency=4):
            assert handle.result(timeout=30) == 12
    finally:
        app.close()
    spans = exporter.get_finished_spans()
    runs = [s for s in spans if s.name.startswith("workflow ")]
    children = [s for s in runs if s.name == "workflow child"]
    assert len({(s.attributes or {}).get("podium.workflow_id") for s in children}) == 4
    trace_id = caller.get_span_context().trace_id
    assert {s.context.trace_id for s in spans if s.name != "caller"} == {trace_id}
