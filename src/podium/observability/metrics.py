"""Prometheus metrics: store-backed counts (the truth across processes) plus engine timings.

Status counts, queue depth and worker leases are read from the store at scrape time, so they
agree whichever process ran the work. The `_total` counters count events, never current rows:
a workflow row is never deleted, and `resume` moves a failed or cancelled outcome into
`podium_workflow_attempts` in the transaction that clears it, so "current status + ended
attempts" only grows, costs nothing on the hot path and is right across processes.
Step durations, attempts, run outcomes, lease takeovers, queue waits and workflow end-to-end
latencies come from engine hooks and cover the runs of this process (scrape every worker's
`--metrics-port` for the cluster). Histogram labels are bounded: workflow and step names,
queue names and a fixed outcome set, never ids.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from podium.engine import hooks, interceptors
from podium.engine.runtime import HasRuntime, Runtime
from podium.patterns import insight, routing
from podium.store import blobgc, browse

log = logging.getLogger("podium.metrics")

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
STEP_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
WAIT_BUCKETS = (0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)
WORKFLOW_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 86400)


class StoreCollector(Collector):
    """Collects workflow, queue and worker figures from the store on each scrape."""

    def __init__(self, rt: Runtime) -> None:
        self._rt = rt

    def collect(self) -> Iterator[Metric]:
        """Yield the store-backed metric families."""
        view = browse.Browser(self._rt.store)
        yield from _workflow_families(view.status_counts(), view.ended_attempts())
        yield from _queue_families(view.queues(time.time()), time.time())
        yield from _worker_families(view.leases(), self._rt.settings.lease_seconds)
        blobs = blobgc.blob_store_of(self._rt.store)
        if blobs is not None:  # claim checks: blob deletes that failed, waiting for a retry
            pending = blobgc.Collector(self._rt.store.connector, blobs).pending()
            yield GaugeMetricFamily(
                "podium_blob_deletes_pending",
                "Blobs of purged workflows whose delete failed; later sweeps retry them",
                value=pending,
            )


def _workflow_families(
    counts: list[tuple[str, str, int]], ended: list[tuple[str, str, int]]
) -> Iterator[Metric]:
    by_status = GaugeMetricFamily(
        "podium_workflows",
        "Workflows in the store by name and status",
        labels=["workflow", "status"],
    )
    started = _per_workflow("started", "Workflows ever started, by name")
    completed = _per_workflow("completed", "Workflows completed, by name")
    failed = _per_workflow(
        "failed", "Workflow failures (including attempts later resumed), by name"
    )
    cancelled = _per_workflow(
        "cancelled", "Workflow cancellations (including attempts later resumed), by name"
    )
    for workflow, status, n in counts:
        by_status.add_metric([workflow, status], n)
    totals, earlier = _by_workflow(counts), _by_workflow(ended)
    for workflow, statuses in sorted(totals.items()):
        before = earlier.get(workflow, {})
        started.add_metric([workflow], sum(statuses.values()))
        completed.add_metric([workflow], statuses.get("completed", 0))
        failed.add_metric([workflow], statuses.get("failed", 0) + before.get("failed", 0))
        cancelled.add_metric([workflow], statuses.get("cancelled", 0) + before.get("cancelled", 0))
    yield from (by_status, started, completed, failed, cancelled)


def _per_workflow(outcome: str, documentation: str) -> CounterMetricFamily:
    """The counter `podium_workflows_<outcome>`, labelled by workflow name."""
    return CounterMetricFamily(f"podium_workflows_{outcome}", documentation, labels=["workflow"])


def _by_workflow(rows: list[tuple[str, str, int]]) -> dict[str, dict[str, int]]:
    """{workflow: {status: count}} of (workflow, status, count) rows, summed."""
    out: dict[str, dict[str, int]] = {}
    for workflow, status, n in rows:
        statuses = out.setdefault(workflow, {})
        statuses[status] = statuses.get(status, 0) + n
    return out


def _queue_families(rows: list[dict[str, object]], now: float) -> Iterator[Metric]:
    depth = GaugeMetricFamily(
        "podium_queue_depth", "Workflows ready to run and not yet claimed", labels=["queue"]
    )
    age = GaugeMetricFamily(
        "podium_queue_oldest_age_seconds",
        "How long the oldest ready workflow has waited for a worker",
        labels=["queue"],
    )
    running = GaugeMetricFamily("podium_queue_running", "Workflows running now", labels=["queue"])
    for row in rows:
        queue = str(row["queue"])
        depth.add_metric([queue], float(row["ready"] or 0))  # type: ignore[arg-type]
        running.add_metric([queue], float(row["running"] or 0))  # type: ignore[arg-type]
        oldest = row["oldest_ready_at"]
        age.add_metric([queue], max(0.0, now - float(oldest)) if oldest is not None else 0.0)  # type: ignore[arg-type]
    yield from (depth, age, running)


def _worker_families(rows: list[dict[str, object]], lease_seconds: float) -> Iterator[Metric]:
    beat = GaugeMetricFamily(
        "podium_worker_heartbeat_timestamp_seconds",
        "Last lease renewal of each worker holding running workflows (unix time)",
        labels=["worker"],
    )
    held = GaugeMetricFamily(
        "podium_worker_running", "Workflows each worker holds a lease on", labels=["worker"]
    )
    for row in rows:
        worker = str(row["worker"])
        beat.add_metric([worker], float(row["lease_until"]) - lease_seconds)  # type: ignore[arg-type]
        held.add_metric([worker], float(row["running"]))  # type: ignore[arg-type]
    yield from (beat, held)


class EngineMetrics(interceptors.Interceptor):
    """An interceptor counting step attempts, their durations, run outcomes and takeovers."""

    def __init__(self, registry: CollectorRegistry, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self.step_seconds = Histogram(
            "podium_step_duration_seconds",
            "Duration of step attempts",
            ["workflow", "step", "outcome"],
            buckets=STEP_BUCKETS,
            registry=registry,
        )
        self.attempts = Counter(
            "podium_step_attempts",
            "Step attempts run by this process (attempt > 1 is a retry)",
            ["workflow", "step", "outcome", "retry"],
            registry=registry,
        )
        self.runs = Counter(
            "podium_workflow_runs",
            "Workflow runs in this process by how they ended",
            ["workflow", "outcome"],
            registry=registry,
        )
        self.takeovers = Counter(
            "podium_lease_takeovers",
            "Runs that took a workflow over from an expired lease",
            ["workflow"],
            registry=registry,
        )
        self.queue_wait = Histogram(
            "podium_queue_wait_seconds",
            "From a workflow's creation to its first claim by a worker of this process",
            ["queue"],
            buckets=WAIT_BUCKETS,
            registry=registry,
        )
        self.workflow_seconds = Histogram(
            "podium_workflow_duration_seconds",
            "End-to-end latency (creation to end) of workflows that ended in this process",
            ["workflow", "outcome"],
            buckets=WORKFLOW_BUCKETS,
            registry=registry,
        )

    def run_ended(self, end: hooks.RunEnd) -> None:
        """The run listener: the queue wait of a first run, the latency of an ended workflow."""
        wf = end.workflow
        if wf.runs <= 1:
            self.queue_wait.labels(wf.queue).observe(max(0.0, wf.updated_at - wf.created_at))
        if end.ended:
            took = max(0.0, self._clock() - wf.created_at)
            self.workflow_seconds.labels(wf.workflow, end.outcome).observe(took)

    def on_workflow(
        self, info: interceptors.RunInfo, outcome: str, started: float, finished: float
    ) -> None:
        """Count the run and whether it was a takeover."""
        self.runs.labels(info.workflow, outcome).inc()
        if info.takeover:
            self.takeovers.labels(info.workflow).inc()

    def on_step(
        self,
        info: interceptors.StepInfo,
        started: float,
        finished: float,
        outcome: str,
        error: str | None,
    ) -> None:
        """Observe the attempt's duration and count it."""
        self.step_seconds.labels(info.workflow, info.step, outcome).observe(
            max(0.0, finished - started)
        )
        retry = "true" if info.attempt > 1 else "false"
        self.attempts.labels(info.workflow, info.step, outcome, retry).inc()


class ScalingCollector(Collector):
    """`podium_desired_workers{queue=...}` from the app's scaling advice, on each scrape."""

    def __init__(self, scaling: Callable[[], Mapping[str, insight.ScalingAdvice]]) -> None:
        self._scaling = scaling

    def collect(self) -> Iterator[Metric]:
        """Yield the desired workers per queue (nothing when the advice fails)."""
        gauge = GaugeMetricFamily(
            "podium_desired_workers",
            "Workers each queue should have (predictive scaling advice)",
            labels=["queue"],
        )
        try:
            advice = self._scaling()
        except Exception:
            log.exception("scaling advice failed; podium_desired_workers left out")
            return
        for queue, a in sorted(advice.items()):
            gauge.add_metric([queue], a.desired_workers)
        yield gauge


class RoutingCollector(Collector):
    """`podium_routed_total{router=...,lane=...}`: starts routed by this process."""

    def collect(self) -> Iterator[Metric]:
        """Yield the routed starts per router and lane."""
        counter = CounterMetricFamily(
            "podium_routed", "Workflow starts routed to each lane", labels=["router", "lane"]
        )
        for (router, lane), n in sorted(routing.counts().items()):
            counter.add_metric([router, lane], n)
        yield counter


class Metrics:
    """The metrics of one App: a private registry with store and engine collectors."""

    def __init__(
        self,
        app: HasRuntime,
        scaling: Callable[[], Mapping[str, insight.ScalingAdvice]] | None = None,
        *,
        store: bool = True,
    ) -> None:
        """Register the collectors and hooks on `app`'s runtime.

        With `store=False` (a worker's own port) only this process's figures are exported:
        the store-backed gauges and counters come from the server once, not from every worker.
        """
        rt = app.runtime
        self.registry = CollectorRegistry()
        if store:
            self.registry.register(StoreCollector(rt))
        if scaling is not None:
            self.registry.register(ScalingCollector(scaling))
        self.registry.register(RoutingCollector())
        self.engine = EngineMetrics(self.registry, rt.clock.time)
        rt.hooks.add_interceptor(self.engine)
        rt.hooks.add_run_listener(self.engine.run_ended)

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)

    def serve(self, host: str, port: int) -> Callable[[], None]:
        """Serve /metrics without auth on `host:port` in a thread; return what stops it.

        For scrapers: the figures are read-only, and the port is separate from the API's.
        """
        from prometheus_client import start_http_server

        server, thread = start_http_server(port, addr=host, registry=self.registry)

        def stop() -> None:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)

        return stop
