"""A `redact=` value reaches no log record, no span (attributes, events, status) and no metric.

The workflows of tests/server/test_governance.py: `checkout` carries a redacted card number
through its input, a step result and a search attribute; `declined` fails in a step whose
error message quotes the number.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import podium
from podium.observability import logging as podium_logging
from podium.observability import tracing
from podium.server import create_app
from podium.store import auth
from tests.server.test_governance import CARD, ORDER, TOKEN, build


@pytest.fixture
def app(tmp_path: Path) -> Iterator[podium.App]:
    application = build(f"sqlite:///{tmp_path / 'telemetry.db'}")
    yield application
    application.close()


def _span_text(span: ReadableSpan) -> str:
    """Everything a span exports: name, attributes, status, events and their attributes."""
    parts = [span.name, repr(dict(span.attributes or {})), str(span.status.description)]
    for event in span.events:
        parts += [event.name, repr(dict(event.attributes or {}))]
    return "\n".join(parts)


def test_a_redacted_value_reaches_no_log_span_or_metric(
    app: podium.App,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.instrument(app, provider.get_tracer("test"))
    monkeypatch.setenv("PODIUM_LOG_FORMAT", "json")
    root = logging.getLogger()
    level = root.level
    podium_logging.configure("DEBUG", app=app)
    try:
        with caplog.at_level(logging.DEBUG):
            assert app.run(app.registry.workflow("checkout"), ORDER, id="t-ok")["last4"] == "4242"
            with pytest.raises(podium.WorkflowFailed):
                app.run(app.registry.workflow("declined"), ORDER, id="t-failed")
            with TestClient(create_app(app), raise_server_exceptions=False) as client:
                secret = auth.AuthStore(app.store).create_token("m", ["read"], time.time())[1]
                metrics = client.get("/metrics", headers={"Authorization": f"Bearer {secret}"})
    finally:
        for handler in [h for h in root.handlers if getattr(h, "_podium", False)]:
            root.removeHandler(handler)
        root.setLevel(level)

    assert metrics.status_code == 200 and "podium_workflows" in metrics.text
    assert CARD not in metrics.text and TOKEN not in metrics.text

    records = caplog.records
    assert any("declined" in r.getMessage() or "ValueError" in r.getMessage() for r in records)
    for record in records:
        text = record.getMessage() + repr(record.args) + str(record.exc_text or "")
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        assert CARD not in text and TOKEN not in text, record.getMessage()
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    assert lines and all(CARD not in line and TOKEN not in line for line in lines)
    assert all(isinstance(json.loads(line), dict) for line in lines)

    spans = exporter.get_finished_spans()
    failed = [s for s in spans if s.name == "step decline"]
    assert failed and all(s.status.status_code.name == "ERROR" for s in failed)
    assert any("ValueError" in _span_text(s) for s in failed)  # the type is kept
    assert {"workflow checkout", "step charge"} <= {s.name for s in spans}
    for span in spans:
        assert CARD not in _span_text(span) and TOKEN not in _span_text(span), span.name


GUARD_APP = """
import podium

app = podium.App("guardcli", database_url={url!r}, poll_interval=0.02)


@app.workflow(redact=["card.number"])
def guarded(card: dict) -> int:
    state = podium.state({{"last": card["number"], "open": True}})
    podium.wait_condition(lambda: not state["open"], timeout=60)
    return 0


@guarded.query("last")
def last(state: dict) -> str:
    return "last card " + state["last"]


@guarded.query("broken")
def broken(state: dict) -> str:
    raise KeyError(state["last"])


def refuse(state: dict, card: str) -> None:
    raise ValueError(state["last"] + " stays")


@guarded.update("swap", validator=refuse)
def swap(state: dict, card: str) -> None:
    state["last"] = card
"""


def test_cli_query_and_update_mask_redacted_values(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    from podium import cli

    caplog.set_level(logging.DEBUG)
    url = f"sqlite:///{tmp_path / 'guard.db'}"
    module, own = (f"guardcli_{uuid.uuid4().hex}" for _ in range(2))
    for name in (module, own):  # the CLI closes the app it loads: the test keeps its own
        (tmp_path / f"{name}.py").write_text(GUARD_APP.format(url=url))
    monkeypatch.syspath_prepend(str(tmp_path))
    app = podium.App.from_path(f"{own}:app")
    try:
        handle = app.start("guarded", {"number": CARD}, id="g-1")
        with app.worker(1):
            deadline = time.monotonic() + 10
            while handle.status() != "waiting" and time.monotonic() < deadline:
                time.sleep(0.02)
            target = [f"{module}:app", "g-1"]
            assert cli.main(["query", *target, "last"]) == 0
            assert json.loads(capsys.readouterr().out) == "last card *****"
            assert cli.main(["query", *target, "last", "--reveal"]) == 0
            assert json.loads(capsys.readouterr().out) == f"last card {CARD}"
            assert cli.main(["query", *target, "broken"]) == 1
            failed = capsys.readouterr()
            assert "KeyError: '*****'" in failed.err and CARD not in failed.err + failed.out
            assert cli.main(["update", *target, "swap", "--arg", '"x"']) == 1
            refused = capsys.readouterr()
            assert "***** stays" in refused.err and CARD not in refused.err + refused.out
            handle.send("note", {"card": {"number": CARD}})  # a message for it: logged? no
            handle.cancel()
    finally:
        app.close()
    assert all(CARD not in r.getMessage() + str(r.exc_text or "") for r in caplog.records)
