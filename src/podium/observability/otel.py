"""`--otel` / PODIUM_OTEL=1: turn OpenTelemetry tracing on for `podium worker` and `server`.

With opentelemetry-sdk installed a TracerProvider is set up (service name from
OTEL_SERVICE_NAME, else `podium-<app>`); spans go to an OTLP exporter when
opentelemetry-exporter-otlp is installed (configured by the standard OTEL_EXPORTER_OTLP_*
variables), else nowhere but the API's context propagation. Without opentelemetry-api the
switch is refused with the package to install.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from podium.engine.runtime import HasRuntime

TRUE = frozenset({"1", "true", "yes", "on"})


def wanted(flag: bool) -> bool:
    """Whether tracing is asked for: the flag, or env PODIUM_OTEL=1."""
    return flag or os.environ.get("PODIUM_OTEL", "").strip().lower() in TRUE


def enable(app: HasRuntime) -> str:
    """Instrument `app` (spans per run and step attempt); returns what was set up, for a log."""
    try:
        from podium.observability import tracing
    except ImportError as exc:  # opentelemetry-api is missing
        raise RuntimeError(
            "--otel needs OpenTelemetry: pip install 'podium[otel]' "
            "(opentelemetry-api, opentelemetry-sdk, opentelemetry-exporter-otlp)"
        ) from exc
    detail = _provider(app.runtime.name)
    tracing.instrument(app)
    return detail


def _provider(app_name: str) -> str:
    try:
        sdk_trace: Any = importlib.import_module("opentelemetry.sdk.trace")
        sdk_export: Any = importlib.import_module("opentelemetry.sdk.trace.export")
        resources: Any = importlib.import_module("opentelemetry.sdk.resources")
    except ImportError:
        return "tracing on (opentelemetry-api only: context propagated, no spans exported)"
    from opentelemetry import trace

    service = os.environ.get("OTEL_SERVICE_NAME") or f"podium-{app_name}"
    provider = sdk_trace.TracerProvider(
        resource=resources.Resource.create({"service.name": service})
    )
    try:
        otlp: Any = importlib.import_module("opentelemetry.exporter.otlp.proto.http.trace_exporter")
    except ImportError:
        trace.set_tracer_provider(provider)
        return f"tracing on as {service} (no OTLP exporter installed: spans are not exported)"
    provider.add_span_processor(sdk_export.BatchSpanProcessor(otlp.OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return f"tracing on as {service}, exported over OTLP/HTTP"
