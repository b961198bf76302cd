"""OpenTelemetry tracing: a span per workflow run and per step attempt.

Each workflow has one trace: the traceparent given when it was started (over HTTP, the
`traceparent` header) or, failing that, the one its first run began, is kept in the store so
every later run (a replay after a wait, a takeover on another worker) continues that trace.
A child workflow (`start_child`, `map`, `gather`) continues its parent's trace, so a fan-out
across many workers reads as one trace.
Only opentelemetry-api is needed; without an SDK configured the spans cost next to nothing.
Spans carry ids, names and error types, never payloads or error messages (see `_failure`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from podium.engine import interceptors
from podium.engine.runtime import HasRuntime, Runtime
from podium.store import auth, base

TRACER = "podium"
_PROPAGATOR = TraceContextTextMapPropagator()


def extract(headers: Mapping[str, str]) -> otel_context.Context:
    """The trace context carried by W3C `traceparent`/`tracestate` headers."""
    return _PROPAGATOR.extract(dict(headers))


def traceparent(ctx: otel_context.Context | None = None) -> str | None:
    """The W3C traceparent of `ctx` (default: the current context), or None if no span."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier, context=ctx)
    return carrier.get("traceparent")


def valid_traceparent(value: str) -> str | None:
    """`value` if it is a well-formed W3C traceparent with a sampled-or-not valid span."""
    ctx = extract({"traceparent": value})
    span = trace.get_current_span(ctx).get_span_context()
    return value if span.is_valid else None


class TracingInterceptor(interceptors.Interceptor):
    """Opens the run and step spans; continues each workflow's trace from the store."""

    def __init__(self, store: base.Store, tracer: trace.Tracer | None = None) -> None:
        self._auth = auth.AuthStore(store)
        self._tracer = tracer or trace.get_tracer(TRACER)

    @contextlib.contextmanager
    def _run(self, info: interceptors.RunInfo) -> Iterator[None]:
        remembered = self._auth.trace_of(info.workflow_id)
        if remembered is None and info.parent_id is not None:
            remembered = self._auth.trace_of(info.parent_id)
            if remembered is not None:
                self._auth.remember_trace(info.workflow_id, remembered)
        parent = extract({"traceparent": remembered}) if remembered else None
        more = {
            "podium.queue": info.queue,
            "podium.run": info.run,
            "podium.worker": info.worker,
            "podium.takeover": info.takeover,
        }
        with self._span(f"workflow {info.workflow}", info, more, parent) as span:
            if remembered is None and span.get_span_context().is_valid:
                self._auth.remember_trace(info.workflow_id, traceparent() or "")
            with _failure(span):
                yield

    def on_start(self, workflow_id: str) -> None:
        """`app.start` inside a span: the workflow's runs continue the caller's trace."""
        current = traceparent()
        if current is not None:
            self._auth.remember_trace(workflow_id, current)

    def run(self, info: interceptors.RunInfo) -> contextlib.AbstractContextManager[None]:
        """A span for the whole run, child of the workflow's remembered trace."""
        return self._run(info)

    def step(self, info: interceptors.StepInfo) -> contextlib.AbstractContextManager[None]:
        """A span for one step attempt; an exception marks it as an error."""
        return self._step(info)

    @contextlib.contextmanager
    def _step(self, info: interceptors.StepInfo) -> Iterator[None]:
        more = {
            "podium.step": info.step,
            "podium.position": info.seq,
            "podium.attempt": info.attempt,
        }
        with self._span(f"step {info.step}", info, more) as span:
            with _failure(span):
                yield

    @contextlib.contextmanager
    def _span(
        self,
        name: str,
        info: interceptors.RunInfo | interceptors.StepInfo,
        more: dict[str, Any],
        parent: otel_context.Context | None = None,
    ) -> Iterator[trace.Span]:
        """A current span with the workflow's id and name and `more` attributes.

        OpenTelemetry neither records nor marks its exceptions: the caller's `_failure` does.
        """
        attributes = {"podium.workflow_id": info.workflow_id, "podium.workflow": info.workflow}
        with self._tracer.start_as_current_span(
            name,
            context=parent,
            attributes={**attributes, **more},
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            yield span


@contextlib.contextmanager
def _failure(span: trace.Span) -> Iterator[None]:
    """An exception marks `span` as an error with its type only.

    Not OpenTelemetry's own `record_exception`: the message and stack trace would carry the
    data that caused the error (a `redact=` value in `f"card {number} declined"`), and traces
    leave the app for collectors that no payload right or redaction governs.
    """
    try:
        yield
    except BaseException as exc:
        kind = type(exc).__name__
        span.set_status(trace.Status(trace.StatusCode.ERROR, kind))
        span.add_event("exception", {"exception.type": f"{type(exc).__module__}.{kind}"})
        raise


def instrument(app: HasRuntime, tracer: trace.Tracer | None = None) -> TracingInterceptor:
    """Add tracing to a podium App's runs and steps; returns the interceptor."""
    rt = getattr(app, "runtime", None)
    if not isinstance(rt, Runtime):
        raise TypeError(f"{app!r} is not a podium.App")
    interceptor = TracingInterceptor(rt.store, tracer)
    rt.hooks.add_interceptor(interceptor)
    return interceptor
