"""Metrics move as work runs; spans per run and step attempt; log records carry the fields."""

from __future__ import annotations

import json
import logging
import re

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from podium.observability import logging as podium_logging
from podium.observability import tracing


def metric(text, name, **labels):
    """The sum of the samples matching `labels` in Prometheus text (0 when none)."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and line.split(" ")[0] != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_metrics_move_as_work_runs(client, as_scope, app):
    read = as_scope("read")
    before = client.get("/metrics", headers=read).text
    assert metric(before, "podium_workflows_started_total", workflow="checkout") == 0
    for n in range(2):
        client.post(
            "/api/v1/workflows",
            json={"workflow": "checkout", "input": {"id": f"o{n}", "fail": n == 1}, "id": f"o{n}"},
            headers=as_scope("write"),
        )
    queued = client.get("/metrics", headers=read).text
    assert metric(queued, "podium_queue_depth", queue="default") == 2
    assert metric(queued, "podium_workflows", workflow="checkout", status="pending") == 2
    with app.worker(2):
        for n in range(2):
            app.runtime.wait_for_end(f"o{n}", timeout=10)
    after = client.get("/metrics", headers=read).text
    assert metric(after, "podium_workflows_started_total", workflow="checkout") == 2
    assert metric(after, "podium_workflows_completed_total", workflow="checkout") == 1
    assert metric(after, "podium_workflows_failed_total", workflow="checkout") == 1
    assert metric(after, "podium_queue_depth", queue="default") == 0
    retried = metric(after, "podium_step_attempts_total", step="charge", outcome="error")
    assert retried == 4  # two failed attempts per workflow before the third succeeds
    assert (
        metric(after, "podium_step_duration_seconds_count", step="ship", outcome="completed") == 1
    )
    assert (
        metric(after, "podium_step_attempts_total", step="hold.compensate", outcome="completed")
        == 1
    )
    assert metric(after, "podium_workflow_runs_total", workflow="checkout", outcome="failed") == 1


def test_spans_per_run_and_step_attempt_continue_the_http_trace(client, as_scope, app):
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.instrument(app, provider.get_tracer("test"))
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    client.post(
        "/api/v1/workflows",
        json={"workflow": "checkout", "input": {"id": "t1"}, "id": "t1"},
        headers={**as_scope("write"), "traceparent": parent},
    )
    with app.worker(1):
        app.runtime.wait_for_end("t1", timeout=10)
    spans = exporter.get_finished_spans()
    runs = [s for s in spans if s.name == "workflow checkout"]
    steps = [s for s in spans if s.name.startswith("step ")]
    assert len(runs) >= 1 and {s.name for s in steps} >= {"step hold", "step charge", "step ship"}
    assert all(s.context.trace_id == 0x0AF7651916CD43DD8448EB211C80319C for s in spans)
    charge = sorted((s for s in steps if s.name == "step charge"), key=lambda s: s.start_time or 0)
    assert [(s.attributes or {})["podium.attempt"] for s in charge] == [1, 2, 3]
    assert charge[0].status.status_code.name == "ERROR" and charge[-1].status.is_ok
    assert all((s.attributes or {})["podium.workflow_id"] == "t1" for s in steps)
    assert all(s.parent is not None for s in steps)


def test_json_log_records_carry_workflow_fields(app, monkeypatch, capsys):
    monkeypatch.setenv("PODIUM_LOG_FORMAT", "json")
    root = logging.getLogger()
    level = root.level
    podium_logging.configure("INFO", app=app)
    try:
        app.start("checkout", {"id": "l1"}, id="l1")
        with app.worker(1):
            app.runtime.wait_for_end("l1", timeout=10)
        logging.getLogger("outside").info("no workflow here")
    finally:
        for handler in [h for h in root.handlers if getattr(h, "_podium", False)]:
            root.removeHandler(handler)
        root.setLevel(level)
    records = [
        json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")
    ]
    retry = [r for r in records if "attempt 1 failed" in r["message"]]
    assert retry and retry[0]["workflow_id"] == "l1" and retry[0]["workflow"] == "checkout"
    assert retry[0]["step"] == "charge" and retry[0]["attempt"] == 1 and retry[0]["worker"]
    outside = next(r for r in records if r["message"] == "no workflow here")
    assert set(podium_logging.FIELDS) <= set(outside) and outside["workflow_id"] is None


def test_text_logs_are_readable():
    record = logging.LogRecord("podium", logging.INFO, __file__, 1, "hello %s", ("you",), None)
    podium_logging.ContextFilter().filter(record)
    line = podium_logging.formatter("text").format(record)
    assert line.endswith("INFO podium: hello you")


def test_app_start_inside_a_span_continues_that_trace(app):
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    tracing.instrument(app, tracer)
    with tracer.start_as_current_span("caller") as caller:
        app.start("checkout", {"id": "t2"}, id="t2")
    with app.worker(1):
        app.runtime.wait_for_end("t2", timeout=10)
    runs = [s for s in exporter.get_finished_spans() if s.name == "workflow checkout"]
    assert runs and all(s.context.trace_id == caller.get_span_context().trace_id for s in runs)


def test_failure_counter_never_decreases_after_resume(client, as_scope, app):
    read = as_scope("read")
    client.post(
        "/api/v1/workflows",
        json={"workflow": "checkout", "input": {"id": "r1", "fail": True}, "id": "r1"},
        headers=as_scope("write"),
    )
    with app.worker(1):
        app.runtime.wait_for_end("r1", timeout=10)
    failed = client.get("/metrics", headers=read).text
    assert metric(failed, "podium_workflows_failed_total", workflow="checkout") == 1
    app.resume("r1")
    resumed = client.get("/metrics", headers=read).text
    assert metric(resumed, "podium_workflows_failed_total", workflow="checkout") == 1
    assert metric(resumed, "podium_workflows", workflow="checkout", status="failed") == 0
