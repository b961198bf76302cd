"""The chaos harness: worker processes SIGKILLed under a mixed load, then every invariant checked.

`run(config)` starts `config.workers` worker processes of `tests.chaos.chaosapp` on one store,
runs one uncrashed reference workflow per variant, then starts `config.workflows` workflows at
a steady rate while it SIGKILLs a busy worker (and starts a replacement) every
`config.kill_interval` seconds until `config.kills` kills are done; optionally a `restart`
callback takes the store down and brings it back in between (PostgreSQL). When every workflow
has ended (or `config.settle` seconds passed) it checks, from the store and the side log:

- every workflow (children included) is terminal: none stranded;
- each output equals `chaosapp.expected` and the reference run's, each history has the
  reference run's shape (one completed record per position, the same kinds and names);
- each step ran at most 1 + (kills that hit it) times, apart from its planned failures:
  every execution but the last is a planned failure or was cut short by a kill of its pid;
- every compensation ended and was committed exactly once;
- the idempotency key is the same across re-executions of a step.

`benchmarks/chaos.py` runs it at scale; `tests/chaos/test_chaos.py` runs a bounded slice.
"""

from __future__ import annotations

import dataclasses
import json
import random
import sqlite3
import subprocess
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from podium import serialization
from tests.chaos import chaosapp
from tests.recovery.conftest import Procs, wait_for
from tests.recovery.crashapp import read_lines

TERMINAL = ("completed", "failed", "cancelled")
VARIANTS = 4
MODULE = "tests.chaos.chaosapp"


@dataclasses.dataclass
class Config:
    """The size and timings of one chaos run."""

    database_url: str
    workdir: Path
    workflows: int = 200
    kills: int = 300
    workers: int = 4
    concurrency: int = 4
    lease: float = 1.0
    rate: float = 20.0
    """Workflows started per second."""
    kill_interval: float = 0.25
    settle: float = 180.0
    """Seconds to wait, after the last kill, for every workflow to end."""
    seed: int = 0


@dataclasses.dataclass
class Report:
    """What a run did and found."""

    store: str
    workflows: int = 0
    children: int = 0
    kills: int = 0
    busy_kills: int = 0
    restarts: int = 0
    executions: int = 0
    re_executions: int = 0
    planned_failures: int = 0
    compensations: int = 0
    stranded: int = 0
    wall_seconds: float = 0.0
    resume_seconds: list[float] = dataclasses.field(default_factory=list)
    violations: list[str] = dataclasses.field(default_factory=list)

    def line(self) -> str:
        """The report as one JSON line (violations counted, the first few listed)."""
        data = dataclasses.asdict(self)
        data["violations"] = len(self.violations)
        data["first_violations"] = self.violations[:10]
        data["resume_seconds"] = [round(s, 3) for s in self.resume_seconds]
        data["wall_seconds"] = round(self.wall_seconds, 1)
        return json.dumps(data)


class Db:
    """Read-only SQL on the run's store, bypassing the engine (`?` placeholders on both).

    On PostgreSQL the tables are read in `schema`, or the URL's `?schema=`.
    """

    def __init__(self, database_url: str, schema: str | None = None) -> None:
        self.postgres = database_url.startswith("postgres")
        self.url = database_url
        self.schema = schema or dict(urllib.parse.parse_qsl(database_url.partition("?")[2])).get(
            "schema"
        )

    def rows(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        """All rows of one query; [] when the store cannot answer right now (PostgreSQL down)."""
        if not self.postgres:
            lite = sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=30)
            try:
                return [tuple(row) for row in lite.execute(query, params).fetchall()]
            finally:
                lite.close()
        import psycopg
        from psycopg import sql

        base_url = self.url.split("?", 1)[0]
        with psycopg.connect(base_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute("SET application_name = 'podium-chaos-check'")
            if self.schema:
                conn.execute(sql.SQL("SET search_path = {}").format(sql.Identifier(self.schema)))
            statement = sql.SQL(query.replace("?", "%s"))
            return [tuple(row) for row in conn.execute(statement, params).fetchall()]

    def try_rows(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        """`rows`, or [] when the store does not answer (it may be down on purpose)."""
        try:
            return self.rows(query, *params)
        except Exception:
            return []


def wf_ids(count: int) -> list[tuple[str, int]]:
    """The ids and variants of the chaos workflows."""
    return [(f"chaos-{i:05d}", i % VARIANTS) for i in range(count)]


class Feeder:
    """Starts the workflows (and sends each its message) from a thread at a steady rate."""

    def __init__(
        self, chaos: chaosapp.ChaosApp, log: str, items: list[tuple[str, int]], rate: float
    ) -> None:
        self.error: BaseException | None = None
        self.started = 0
        self._args = (chaos, log, items, rate)
        self._thread = threading.Thread(target=self._feed, name="feeder", daemon=True)
        self._thread.start()

    def _feed(self) -> None:
        chaos, log, items, rate = self._args
        begin = time.monotonic()
        for i, (wf_id, variant) in enumerate(items):
            time.sleep(max(0.0, begin + i / rate - time.monotonic()))
            deadline = time.monotonic() + 120
            while True:  # the store may be restarting: retry until it answers
                try:
                    handle = chaos.app.start(chaos.mixed, log, wf_id, variant, id=wf_id)
                    handle.send("go", {"go": wf_id}, id=f"go-{wf_id}")
                    break
                except Exception as exc:
                    if time.monotonic() > deadline:
                        self.error = exc
                        return
                    time.sleep(0.2)
            self.started += 1

    def feeding(self) -> bool:
        """Whether workflows are still being started."""
        return self._thread.is_alive()

    def join(self) -> None:
        """Wait for the last start; re-raise what stopped the feeder."""
        self._thread.join()
        if self.error is not None:
            raise self.error


def pid_of(owner: str | None) -> int | None:
    """The pid inside a lease owner (`host:pid:role:nonce`)."""
    if not owner:
        return None
    try:
        return int(owner.split(":")[-3])
    except (IndexError, ValueError):
        return None


def busy_pids(db: Db, workers: list[subprocess.Popen[bytes]]) -> list[int]:
    """Pids of live workers holding at least one running workflow now."""
    owners = db.try_rows("SELECT lease_owner FROM podium_workflows WHERE status = 'running'")
    held = Counter(pid_of(owner) for (owner,) in owners)
    return [proc.pid for proc in workers if held[proc.pid] > 0]


def unfinished(db: Db) -> int | None:
    """How many workflows (children included) have not ended; None when the store is down."""
    try:
        return int(
            db.rows(
                "SELECT COUNT(*) FROM podium_workflows WHERE status NOT IN (?, ?, ?)", *TERMINAL
            )[0][0]
        )
    except Exception:
        return None


def run(
    config: Config,
    db: Db,
    chaos: chaosapp.ChaosApp,
    restart: Callable[[random.Random], float] | None = None,
    restarts: int = 0,
) -> Report:
    """One chaos run (see the module docstring); the report carries every violation found.

    `restart(rng)` takes the store down and back up and returns when it is back (the moment,
    time.time()); it is called `restarts` times, spread over the kills.
    """
    rng = random.Random(config.seed)
    report = Report(store="postgresql" if db.postgres else "sqlite")
    log = str(config.workdir / "steps.log")
    launcher = Procs(config.workdir, config.database_url)
    overrides = {"PODIUM_LEASE_SECONDS": str(config.lease)}
    killed: set[int] = set()
    begin = time.monotonic()
    try:
        workers = [spawn(launcher, config, overrides) for _ in range(config.workers)]
        wait_up(launcher, workers)
        refs = [(f"ref-{v}", v) for v in range(VARIANTS)]
        for wf_id, variant in refs:
            chaos.app.start(chaos.mixed, log, wf_id, variant, id=wf_id).send("go", {"go": wf_id})
        for wf_id, _ in refs:
            chaos.app.get(wf_id).result(timeout=120)
        items = wf_ids(config.workflows)
        feeder = Feeder(chaos, log, items, config.rate)
        restart_every = max(1, config.kills // (restarts + 1)) if restarts else 0
        while report.kills < config.kills:
            time.sleep(rng.uniform(0.5, 1.5) * config.kill_interval)
            if not feeder.feeding() and unfinished(db) == 0:
                break  # nothing left to interrupt
            busy = busy_pids(db, workers)
            report.busy_kills += bool(busy)
            chosen = rng.choice(busy) if busy else rng.choice(workers).pid
            victim = next(proc for proc in workers if proc.pid == chosen)
            launcher.kill9(victim)
            killed.add(victim.pid)
            report.kills += 1
            workers.remove(victim)
            workers.append(spawn(launcher, config, overrides))
            if restart and report.restarts < restarts and report.kills % restart_every == 0:
                back = restart(rng)
                report.restarts += 1
                report.resume_seconds.append(resumed_after(log, back))
        feeder.join()
        deadline = time.monotonic() + config.settle
        while unfinished(db) != 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        report.wall_seconds = time.monotonic() - begin
        for proc in workers:
            if proc.poll() is None:
                launcher.stop(proc)
    finally:
        launcher.close()
    check(config, db, log, killed, report)
    return report


def spawn(launcher: Procs, config: Config, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start one chaosapp worker process."""
    return launcher.spawn("worker", "--concurrency", str(config.concurrency), module=MODULE, **env)


def wait_up(launcher: Procs, workers: list[subprocess.Popen[bytes]]) -> None:
    """Wait until every worker says it serves."""
    for proc in workers:
        out = launcher.tmp_path / f"{launcher.names[proc.pid]}.out"
        wait_for(lambda: b" up" in out.read_bytes(), 60, f"worker {proc.pid}")  # noqa: B023


def resumed_after(log: str, back: float, timeout: float = 30.0) -> float:
    """Seconds from `back` to the first step that started after it (the work's resumption)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        starts = [float(w[5]) for w in read_lines(log) if w[2] == "start" and float(w[5]) > back]
        if starts:
            return min(starts) - back
        time.sleep(0.05)
    return timeout


def check(config: Config, db: Db, log: str, killed: set[int], report: Report) -> None:
    """Check every invariant; append a line per violation to `report.violations`."""
    bad = report.violations
    items = wf_ids(config.workflows)
    statuses = dict(db.rows("SELECT id, status FROM podium_workflows"))
    report.workflows = sum(1 for wf_id, _ in items if wf_id in statuses)
    report.children = len(statuses) - report.workflows - VARIANTS
    stranded = [wf_id for wf_id, status in statuses.items() if status not in TERMINAL]
    report.stranded = len(stranded)
    bad.extend(f"stranded: {wf_id} is {statuses[wf_id]}" for wf_id in stranded[:20])
    bad.extend(f"never started: {wf_id}" for wf_id, _ in items if wf_id not in statuses)

    shapes = {v: history_shape(db, f"ref-{v}") for v in range(VARIANTS)}
    for wf_id, variant in [(f"ref-{v}", v) for v in range(VARIANTS)] + items:
        record = db.rows("SELECT status, output FROM podium_workflows WHERE id = ?", wf_id)
        if not record:
            continue
        status, output = record[0]
        if status != "completed":
            bad.append(f"{wf_id} ended {status}: {output}")
            continue
        got = serialization.loads(output)
        if got != chaosapp.expected(wf_id, variant):
            bad.append(f"{wf_id} output {got} != {chaosapp.expected(wf_id, variant)}")
        shape = history_shape(db, wf_id)
        if shape != shapes[variant]:
            bad.append(f"{wf_id} history {shape} != reference {shapes[variant]}")

    check_executions(items, log, killed, report)


def history_shape(db: Db, wf_id: str) -> list[tuple[Any, ...]]:
    """(position, kind, name, status) of each history record of `wf_id`, in order."""
    return db.rows(
        "SELECT seq, kind, name, status FROM podium_history WHERE workflow_id = ? ORDER BY seq",
        wf_id,
    )


def expected_labels(variant: int) -> set[str]:
    """The step labels a workflow of `variant` executes."""
    labels = {"a", "retried", "z", *(f"part{i}" for i in range(chaosapp.FANOUT))}
    if chaosapp.saga_compensates(variant):
        labels |= {"book1", "book2", "refuse", "cancel-book1", "cancel-book2"}
    return labels


def check_executions(
    items: list[tuple[str, int]], log: str, killed: set[int], report: Report
) -> None:
    """Executions per step from the side log: bounded by kills, one key, compensations once."""
    bad = report.violations
    runs: dict[tuple[str, str], list[list[str]]] = defaultdict(list)
    for words in read_lines(log):
        runs[(words[0], words[1])].append(words)
    variants = dict(items)
    for wf_id, variant in items:
        labels = {label for (w, label) in runs if w == wf_id}
        if labels != expected_labels(variant):
            bad.append(
                f"{wf_id} ran steps {sorted(labels)}, not {sorted(expected_labels(variant))}"
            )
    for (wf_id, label), lines in runs.items():
        if wf_id not in variants:
            continue  # a reference workflow
        starts = [w for w in lines if w[2] == "start"]
        report.executions += len(starts)
        keys = {w[4] for w in lines}
        if len(keys) != 1:
            bad.append(f"{wf_id} {label}: idempotency keys differ across executions: {keys}")
        fails = sum(1 for w in lines if w[2] == "fail")
        report.planned_failures += fails
        if label.startswith("cancel-"):
            report.compensations += 1
        # pair each start with how it ended: by the same pid, the next end/fail after it
        outcomes: list[tuple[str, str]] = []
        open_by_pid: dict[str, int] = {}
        for w in lines:
            if w[2] == "start":
                open_by_pid[w[3]] = len(outcomes)
                outcomes.append((w[3], "cut"))
            elif w[3] in open_by_pid:
                outcomes[open_by_pid.pop(w[3])] = (w[3], w[2])
        last_pid, last_end = outcomes[-1]
        wanted = "fail" if label == "refuse" else "end"
        if last_end != wanted:
            bad.append(f"{wf_id} {label}: last execution by {last_pid} ended {last_end!r}")
        report.re_executions += sum(1 for _, ended in outcomes[:-1] if ended != "fail")
        hit: Counter[str] = Counter()
        for pid, ended in outcomes[:-1]:
            if ended == "fail":
                continue
            if int(pid) not in killed:
                bad.append(f"{wf_id} {label}: ran again after a run by live pid {pid}: {lines}")
            hit[pid] += 1
        extra = [pid for pid, n in hit.items() if n > 1]
        if extra:
            bad.append(f"{wf_id} {label}: one kill cut more than one execution: {extra}")
        if label.startswith("cancel-") and len(outcomes) - sum(hit.values()) != 1:
            bad.append(f"{wf_id} {label}: compensation not exactly once: {lines}")
