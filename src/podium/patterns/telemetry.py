"""Telemetry: per-minute rollups per workflow type, step and queue, kept in the store.

Collected in memory by engine hooks in every process (a step observer for each attempt, a
run listener for each run's end), flushed by a worker service every `flush_interval`
seconds: each process rewrites its own rows of the minutes it touched (one row per series,
minute and process), so the step path never writes to the store and processes never
contend on a row. Series are named `step:<name>`, `workflow:<name>` and `queue:<name>`.
A queue's arrivals are not collected by hooks: `count_arrivals` counts each complete minute's
created workflows from the store, once in the cluster, so they are dated by creation.

Latency is kept in a `Sketch`: counts in fixed log-scale buckets (about 19% wide), which
merge by adding, so p50/p95 of a minute across many processes is exact up to a bucket.
"""

from __future__ import annotations

import bisect
import collections
import dataclasses
import json
import logging
import math
import threading
from collections.abc import Iterable
from typing import TypeVar

from podium import errors
from podium.engine import hooks
from podium.engine.runtime import Runtime
from podium.store import base
from podium.store import queues as queue_store
from podium.store import telemetry as telemetry_store

log = logging.getLogger("podium.telemetry")

T = TypeVar("T")

_PER_OCTAVE = 4
_SMALLEST = 1e-4
"""Latencies at or below 0.1 ms share bucket 0; each bucket is 2**(1/4) times the last."""
_LOG_BASE = math.log(2.0) / _PER_OCTAVE
_BOUNDS = [_SMALLEST * 2.0 ** (k / _PER_OCTAVE) for k in range(_PER_OCTAVE * 300)]
"""Bucket i > 0 holds the latencies above `_BOUNDS[i - 1]` up to `_BOUNDS[i]`, so the bucket
of a latency is one binary search, with no logarithm to take. The bounds reach 1e86 s; a
longer latency (or an infinite one) counts in the bucket past the last bound."""


class Sketch:
    """A mergeable latency histogram: counts per fixed log-scale bucket of seconds."""

    __slots__ = ("counts", "n", "total")

    def __init__(self, counts: dict[int, int] | None = None) -> None:
        self.counts: dict[int, int] = dict(counts or {})
        self.n = sum(self.counts.values())
        self.total = 0.0

    @staticmethod
    def bucket(seconds: float) -> int:
        """The bucket index of a latency (0 for 0.1 ms or less, or a negative one)."""
        return bisect.bisect_left(_BOUNDS, seconds)

    @staticmethod
    def value(index: int) -> float:
        """The representative latency of bucket `index` (its geometric middle)."""
        if index <= 0:
            return _SMALLEST
        return _SMALLEST * math.exp((index - 0.5) * _LOG_BASE)

    def add(self, seconds: float) -> None:
        """Count one latency."""
        index = self.bucket(seconds)
        counts = self.counts
        counts[index] = counts.get(index, 0) + 1
        self.n += 1
        self.total += seconds

    def add_many(self, latencies: list[float]) -> None:
        """Count many latencies at once (sorts `latencies` in place; a negative one is 0).

        Sorted, the latencies of one bucket lie side by side: each bucket they reach costs
        two binary searches, one for its index and one for where it ends in the list, so a
        batch of thousands spread over a dozen buckets costs a dozen searches, not thousands.
        """
        latencies.sort()
        counts, bounds, last = self.counts, _BOUNDS, len(_BOUNDS)
        find, cut = bisect.bisect_left, bisect.bisect_right
        n, i = len(latencies), 0
        while i < n:
            index = find(bounds, latencies[i])
            end = n if index >= last else cut(latencies, bounds[index], i)
            counts[index] = counts.get(index, 0) + end - i
            i = end
        self.n += n
        if n and latencies[0] < 0.0:  # a clock stepped back: such a latency counts as 0
            self.total += sum(v for v in latencies if v > 0.0)
        else:
            self.total += sum(latencies)

    def merge(self, other: Sketch) -> None:
        """Add `other`'s counts to these."""
        for index, count in other.counts.items():
            self.counts[index] = self.counts.get(index, 0) + count
        self.n += other.n
        self.total += other.total

    def quantile(self, q: float) -> float | None:
        """The latency below which a share `q` of the counted ones fall (None when empty)."""
        if not 0.0 <= q <= 1.0:
            raise errors.ConfigurationError(f"quantile {q!r} must be between 0 and 1")
        if self.n == 0:
            return None
        rank = q * self.n
        seen = 0
        for index in sorted(self.counts):
            seen += self.counts[index]
            if seen >= rank:
                return self.value(index)
        return self.value(max(self.counts))

    def dumps(self) -> str:
        """The sketch as JSON (bucket counts and the sum of latencies)."""
        return json.dumps(
            {"b": {str(k): v for k, v in sorted(self.counts.items())}, "s": self.total}
        )

    @classmethod
    def loads(cls, text: str | None) -> Sketch:
        """A sketch from `dumps` (empty for None)."""
        if not text:
            return cls()
        data = json.loads(text)
        sketch = cls({int(k): int(v) for k, v in data.get("b", {}).items()})
        sketch.total = float(data.get("s", 0.0))
        return sketch


@dataclasses.dataclass
class Rollup:
    """The counts of one series in one minute (in one process, or merged)."""

    starts: int = 0
    completions: int = 0
    failures: int = 0
    retries: int = 0
    arrivals: int = 0
    depth: int | None = None
    wait_sum: float = 0.0
    wait_count: int = 0
    latency: Sketch = dataclasses.field(default_factory=Sketch)

    def merge(self, other: Rollup) -> None:
        """Add `other` (another process's counts of the same minute)."""
        self.starts += other.starts
        self.completions += other.completions
        self.failures += other.failures
        self.retries += other.retries
        self.arrivals += other.arrivals
        if other.depth is not None:
            self.depth = other.depth if self.depth is None else max(self.depth, other.depth)
        self.wait_sum += other.wait_sum
        self.wait_count += other.wait_count
        self.latency.merge(other.latency)

    @property
    def wait(self) -> float | None:
        """The mean queue wait in seconds (None when nothing was claimed)."""
        return self.wait_sum / self.wait_count if self.wait_count else None

    def row(self, series: str, minute: int, process: str) -> telemetry_store.RollupRow:
        """The store row of these counts."""
        return telemetry_store.RollupRow(
            series,
            minute,
            process,
            self.starts,
            self.completions,
            self.failures,
            self.retries,
            self.arrivals,
            self.depth,
            self.wait_sum,
            self.wait_count,
            self.latency.dumps() if self.latency.n else None,
        )

    @classmethod
    def of(cls, row: telemetry_store.RollupRow) -> Rollup:
        """The counts of a store row."""
        return cls(
            int(row.starts),
            int(row.completions),
            int(row.failures),
            int(row.retries),
            int(row.arrivals),
            None if row.depth is None else int(row.depth),
            float(row.wait_sum),
            int(row.wait_count),
            Sketch.loads(row.latency),
        )


@dataclasses.dataclass(frozen=True)
class TelemetrySettings:
    """How telemetry is collected and kept."""

    flush_interval: float = 10.0
    retention: float = 7 * 86400.0
    score: bool = True
    """Score each completed minute for anomalies (needs numpy: the `podium[ai]` extra)."""
    worker_startup: float = 60.0
    """Seconds from asking for a worker until it serves: the scaling advice's horizon."""
    wait_target: float = 10.0
    """Queue wait (s) the scaling advice sizes for: at most 5% of arrivals wait longer."""

    def __post_init__(self) -> None:
        for name in ("flush_interval", "retention"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise errors.ConfigurationError(
                    f"telemetry {name}={value!r} must be a positive number of seconds"
                )
        for name in ("worker_startup", "wait_target"):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not (0 <= value <= 86_400)
            ):
                raise errors.ConfigurationError(
                    f"telemetry {name}={value!r} must be 0 to 86400 seconds"
                )


def _take(noted: collections.deque[T]) -> list[T]:
    """The notes in `noted` now, taken out (one appended meanwhile waits for the next take)."""
    pop = noted.popleft
    return [pop() for _ in range(len(noted))]


def minute_of(t: float) -> int:
    """The epoch second at which the minute holding `t` starts."""
    return int(t // 60) * 60


DRAIN_AT = 4096
"""Noted attempts or runs at which the hook that notes one counts them all at once."""

_Attempt = tuple[str, int, float, float, bool]
"""A noted step attempt: (step, attempt, started, finished, ok)."""
_Run = tuple[str, str, int, float, float, str, float | None, float]
"""A noted run end: (workflow type, queue, runs, created, claimed, outcome, when a resumed
attempt began (None unless resumed: counted from creation), when the run ended). Plain
values only: a tuple of them is one the garbage collector stops tracking, where one holding
the record would keep the record, its arguments and its result alive and scanned until the
drain."""


class Collector:
    """The in-memory rollups of one process: fed by engine hooks, drained by `flush`.

    The hooks run on the step path of every workflow, so they only note what happened (a
    tuple appended to a deque, safe across threads without a lock); `drain` counts the notes
    into the minutes' rollups in one pass, under the lock, when `flush` writes them or when
    `DRAIN_AT` notes wait. Counting a batch pays the lock and the lookups of a series'
    rollup once per distinct (step, minute, attempt, outcome) instead of once per attempt,
    and a latency bucket once per bucket reached (`Sketch.add_many`).
    A note holds plain values only, never a record: the garbage collector stops tracking
    such a tuple, while one holding a record keeps the record's arguments and result alive
    and scanned until the drain (that alone cost about 6% of W1's CPU with `app.run`).
    """

    def __init__(self, rt: Runtime, settings: TelemetrySettings) -> None:
        self.rt = rt
        self.settings = settings
        self.process = rt.new_owner("telemetry")
        self._time = rt.clock.time
        self._lock = threading.Lock()
        self._minutes: dict[int, dict[str, Rollup]] = {}
        self._dirty: set[int] = set()
        self._attempts: collections.deque[_Attempt] = collections.deque()
        self._runs: collections.deque[_Run] = collections.deque()

    def _rollup(self, series: str, minute: int) -> Rollup:
        """The rollup of `series` in `minute`, marked for the next flush (under the lock)."""
        by_series = self._minutes.get(minute)
        if by_series is None:
            by_series = self._minutes[minute] = {}
        found = by_series.get(series)
        if found is None:
            found = by_series[series] = Rollup()
        self._dirty.add(minute)
        return found

    def attempt_ran(
        self, workflow: str, step: str, attempt: int, started: float, finished: float, ok: bool
    ) -> None:
        """The step observer: note one attempt of `step` (counted at the next drain)."""
        attempts = self._attempts
        attempts.append((step, attempt, started, finished, ok))
        if len(attempts) >= DRAIN_AT:
            self.drain()

    def run_ended(self, end: hooks.RunEnd) -> None:
        """The run listener: note a workflow's run end (counted at the next drain).

        A workflow's latency runs from the start of its current attempt to its end: from its
        creation, or for one that was resumed (`app.resume`, a `retry failed` rule) from that
        resume. The failed attempt before it was already counted when it failed; timing the
        retry from creation would add the time it lay failed, waiting for someone to act,
        and make a fixed incident look like minutes-long checkouts. Sleeps and waits inside
        an attempt still count: they are part of what the workflow took.
        """
        wf = end.workflow
        resumed = self._attempt_start(wf) if wf.runs > 1 and end.ended else None
        runs = self._runs
        runs.append(
            (
                wf.workflow,
                wf.queue,
                wf.runs,
                wf.created_at,
                wf.updated_at,
                end.outcome,
                resumed,
                self._time(),
            )
        )
        if len(runs) >= DRAIN_AT:
            self.drain()

    def drain(self) -> None:
        """Count every noted attempt and run into the rollups of their minutes."""
        with self._lock:
            self._count_attempts(_take(self._attempts))
            self._count_runs(_take(self._runs))

    def _count_attempts(self, attempts: list[_Attempt]) -> None:
        """Count step attempts, their latencies grouped first by (step, minute, attempt, ok)."""
        groups: dict[tuple[str, int, int, bool], list[float]] = {}
        for step, attempt, started, finished, ok in attempts:
            key = (step, int(finished // 60), attempt, ok)
            latencies = groups.get(key)
            if latencies is None:
                groups[key] = [finished - started]
            else:
                latencies.append(finished - started)
        for (step, minute, attempt, ok), latencies in groups.items():
            n = len(latencies)
            r = self._rollup("step:" + step, minute * 60)
            r.starts += n
            if attempt > 1:
                r.retries += n
            if ok:
                r.completions += n
            else:
                r.failures += n
            r.latency.add_many(latencies)

    def _count_runs(self, runs: list[_Run]) -> None:
        """Count run ends: each workflow's start and end, its queue's wait and service time.

        Grouped by (workflow type, queue, minute): the latencies of a group are counted
        into its sketches at once (`Sketch.add_many`).
        """
        groups: dict[tuple[str, str, int], tuple[Rollup, Rollup, list[float], list[float]]] = {}
        for workflow, queue, n_runs, created, claimed, outcome, resumed, now in runs:
            minute = int(now // 60) * 60
            group = groups.get((workflow, queue, minute))
            if group is None:
                group = groups[workflow, queue, minute] = (
                    self._rollup("workflow:" + workflow, minute),
                    self._rollup("queue:" + queue, minute),
                    [],
                    [],
                )
            r, q, latencies, services = group
            if n_runs <= 1:
                r.starts += 1
                q.wait_count += 1
                wait = claimed - created
                q.wait_sum += wait if wait > 0.0 else 0.0
            if outcome == "completed" or outcome == "failed":
                if outcome == "completed":
                    r.completions += 1
                else:
                    r.failures += 1
                latencies.append(now - (created if resumed is None else resumed))
                services.append(now - claimed)  # service time of the last run
        for r, q, latencies, services in groups.values():
            r.latency.add_many(latencies)
            q.completions += len(services)
            q.latency.add_many(services)

    def _attempt_start(self, wf: base.WorkflowRecord) -> float:
        """When `wf` (claimed more than once) began its current attempt: creation or resume.

        Only a workflow claimed more than once can have been resumed, so `run_ended` asks
        only for those: a single-run workflow costs no store read.
        """
        attempts = self.rt.store.load_workflow_attempts(wf.id)
        return attempts[-1].started_at if attempts else wf.created_at

    def sample_queues(self, queues: Iterable[str], now: float) -> None:
        """Record each queue's depth now (the highest sample of a minute is kept)."""
        connector = self.rt.store.connector
        for name in queues:
            depth = queue_store.stats(connector, name, now - 60).depth
            with self._lock:
                r = self._rollup("queue:" + name, minute_of(now))
                r.depth = depth if r.depth is None else max(r.depth, depth)

    def flush(self, now: float) -> int:
        """Write the minutes touched since the last flush; forget minutes long complete."""
        self.drain()
        with self._lock:
            dirty, self._dirty = self._dirty, set()
            rows = [
                rollup.row(series, minute, self.process)
                for minute in sorted(dirty)
                for series, rollup in self._minutes[minute].items()
            ]
            current = minute_of(now)
            for minute in [m for m in self._minutes if m < current - 120]:
                del self._minutes[minute]
        try:
            self.rt.store.feature(telemetry_store.TelemetryStore).put(rows, now)
        except Exception:
            with self._lock:
                self._dirty |= dirty  # written again at the next flush
            raise
        return len(rows)


ARRIVALS_MARK = "arrivals"
ARRIVAL_GRACE = 5.0
"""Seconds after a minute ends before its arrivals are counted (commits still in flight)."""
CATCH_UP = 10 * 60
"""How far back the first count (or the first after a long stop) reaches, in seconds."""
CREATED = "created"
"""The process name of the rows that hold arrivals counted from the store."""


def count_arrivals(store: base.Store, now: float) -> int:
    """Count the workflows created in each minute completed since the last count, per queue.

    Arrivals are counted from the workflows' creation times in the store, once per minute in
    the cluster (the process that advances the cursor), so a queue's arrivals are when work
    came in, not when its first run ended, and include children, schedules and events.
    The first count, and the first after a long stop, covers the last ten minutes. Returns
    the rows written.
    """
    book = store.feature(telemetry_store.TelemetryStore)
    last = minute_of(now - ARRIVAL_GRACE) - 60
    mark = book.mark(ARRIVALS_MARK, last - CATCH_UP - 60)
    if mark >= last or not book.move_mark(ARRIVALS_MARK, mark, last):
        return 0
    first = max(mark + 60, last - CATCH_UP)
    rows = [
        telemetry_store.RollupRow("queue:" + queue, minute, CREATED, arrivals=n)
        for queue, minute, n in book.created(first, last + 60)
    ]
    book.put(rows, now)
    return len(rows)


def merged(
    rows: Iterable[telemetry_store.RollupRow],
) -> dict[str, dict[int, Rollup]]:
    """{series: {minute: Rollup}} with every process's rows of a minute added up."""
    out: dict[str, dict[int, Rollup]] = {}
    for row in rows:
        minutes = out.setdefault(row.series, {})
        rollup = Rollup.of(row)
        if row.minute in minutes:
            minutes[row.minute].merge(rollup)
        else:
            minutes[row.minute] = rollup
    return out


def rollups(
    store: base.Store, since: float, until: float, series: str | None = None
) -> dict[str, dict[int, Rollup]]:
    """The merged rollups of minutes from `since` up to (not including) `until`."""
    found = store.feature(telemetry_store.TelemetryStore).rollups(
        minute_of(since), minute_of(until), series
    )
    return merged(found)
