"""Structured logs: every record carries workflow_id, workflow, step, attempt and worker.

`configure()` installs one handler on the root logger: readable text by default, JSON lines
when `fmt="json"` or env PODIUM_LOG_FORMAT=json. The fields come from the run and step in
progress (an interceptor keeps them in a ContextVar), or are null outside a workflow.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import logging
import os
from collections.abc import Iterator
from typing import Any, TextIO

from podium import context
from podium.engine import interceptors
from podium.engine.runtime import HasRuntime

FIELDS = ("workflow_id", "workflow", "step", "attempt", "worker")
_run: contextvars.ContextVar[interceptors.RunInfo | None] = contextvars.ContextVar(
    "podium_log_run", default=None
)
_step: contextvars.ContextVar[interceptors.StepInfo | None] = contextvars.ContextVar(
    "podium_log_step", default=None
)


def fields() -> dict[str, Any]:
    """The workflow fields of the code running now (None where not known)."""
    run, step, ctx = _run.get(), _step.get(), context.current_step.get()
    values: dict[str, Any] = dict.fromkeys(FIELDS)
    if run is not None:
        values.update(workflow_id=run.workflow_id, workflow=run.workflow, worker=run.worker)
    if step is not None:
        values.update(
            workflow_id=step.workflow_id,
            workflow=step.workflow,
            step=step.step,
            attempt=step.attempt,
            worker=step.worker,
        )
    elif ctx is not None:
        values.update(workflow_id=ctx.workflow_id, step=ctx.step, attempt=ctx.attempt)
    return values


class ContextFilter(logging.Filter):
    """Adds the workflow fields to each record (values given with `extra=` win)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Set any missing field; never drops a record."""
        for name, value in fields().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the fields, any error."""

    def format(self, record: logging.LogRecord) -> str:
        """Render `record` as a JSON line."""
        out: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        out.update({name: getattr(record, name, None) for name in FIELDS})
        if record.exc_info:
            out["error"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


class TextFormatter(logging.Formatter):
    """Readable lines; the workflow fields that are known follow the message in brackets."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """Render `record` with its known fields."""
        line = super().format(record)
        known = [f"{n}={getattr(record, n)}" for n in FIELDS if getattr(record, n, None)]
        if not known:
            return line
        head, sep, tail = line.partition("\n")
        return f"{head} [{' '.join(known)}]{sep}{tail}"


class LogContext(interceptors.Interceptor):
    """An interceptor that keeps the run and step in progress for the log fields."""

    def run(self, info: interceptors.RunInfo) -> contextlib.AbstractContextManager[None]:
        """Make `info` the run of log records in this context (and no step yet)."""
        return _scoped(info)

    def step(self, info: interceptors.StepInfo) -> contextlib.AbstractContextManager[None]:
        """Make `info` the step of log records, until the next step of the run starts.

        The step stays set after the attempt so the engine's own line about it (a retry is
        logged after the attempt returns) still names the step and attempt.
        """
        _step.set(info)
        return contextlib.nullcontext()


@contextlib.contextmanager
def _scoped(run: interceptors.RunInfo) -> Iterator[None]:
    run_token, step_token = _run.set(run), _step.set(None)
    try:
        yield
    finally:
        _step.reset(step_token)
        _run.reset(run_token)


def formatter(fmt: str | None = None) -> logging.Formatter:
    """The formatter for `fmt` ("json" or "text"; default: env PODIUM_LOG_FORMAT, else text)."""
    chosen = (fmt or os.environ.get("PODIUM_LOG_FORMAT") or "text").lower()
    return JsonFormatter() if chosen == "json" else TextFormatter()


class PodiumHandler(logging.StreamHandler[TextIO]):
    """The stderr handler `configure` installs (and replaces when called again)."""


def configure(
    level: str | int = "INFO", fmt: str | None = None, app: HasRuntime | None = None
) -> None:
    """Log to stderr in the chosen format; with `app`, add the run/step fields of its runs."""
    handler = PodiumHandler()
    handler.setFormatter(formatter(fmt))
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, PodiumHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    if app is not None:
        chain = app.runtime.hooks
        if not any(isinstance(i, LogContext) for i in chain.interceptors):
            chain.add_interceptor(LogContext())
