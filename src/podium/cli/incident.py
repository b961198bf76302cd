"""`podium demo --incident`: a payment outage, seen and handled by podium itself.

A shop takes checkouts (reserve, charge, ship) at a steady rate on a simulated clock. After a
warm-up that gives the anomaly detector its baseline, the payment gateway starts timing out;
podium's telemetry sees the charge step's failures and latency, the detector raises
anomalies, and remediation rules act: one opens the `payments` breaker when the charge
failure rate passes 25% (calls then fail fast instead of waiting on a dead gateway), one
pages on-call on the anomaly (an event), and once the breaker has been closed again for a
minute (its half-open trial succeeded after the gateway recovered) one retries the failed
checkouts. Everything runs on the real engine and store under `podium.testing.TestEnv`'s
fake clock, so two simulated hours take seconds; the timeline is read back from the store
(anomalies, audited decisions, breaker transitions).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import random
import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from podium import app as app_mod
from podium import errors
from podium.intelligence import actions, conditions
from podium.patterns import circuit, remediation
from podium.patterns import retry as retry_mod
from podium.testing import TestEnv

if TYPE_CHECKING:
    from rich.console import Console

START = dt.datetime(2026, 1, 5, 13, 0, tzinfo=dt.UTC).timestamp()
"""When the simulated day starts (the detector needs about 65 minutes of history first)."""
ONE_TRY = retry_mod.RetryPolicy(max_attempts=1)


@dataclasses.dataclass(frozen=True)
class Scenario:
    """The incident's shape, in simulated minutes."""

    warmup: int = 70
    outage: int = 10
    after: int = 12
    per_minute: int = 4
    seed: int = 7
    remediate: bool = True
    """Declare the rules (False: the same shop with nobody acting, a benchmark's baseline)."""
    start: float = START
    """When the simulated clock starts (epoch seconds)."""
    keep: str | None = None
    """A SQLite file to copy the store into at the end (it must not exist yet), so the
    dashboard can show the incident afterwards; None: the store is thrown away."""

    def __post_init__(self) -> None:
        for name in ("warmup", "outage", "after", "per_minute"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise errors.ConfigurationError(f"{name}={value!r} must be an int >= 1")
        if self.per_minute < 2:
            raise errors.ConfigurationError(
                f"per_minute={self.per_minute}: the failure-rate rule needs at least 2 a minute "
                "(4 ends in its 2-minute window)"
            )
        if self.warmup < 66:
            raise errors.ConfigurationError(
                f"warmup={self.warmup} minutes: the anomaly detector needs at least 66"
            )


@dataclasses.dataclass(frozen=True)
class Event:
    """One line of the timeline: simulated epoch seconds, a kind and a sentence."""

    at: float
    kind: str
    text: str


@dataclasses.dataclass
class Report:
    """The incident's timeline and its tallies."""

    events: list[Event]
    checkouts: int
    completed: int
    failed: int
    retried: int
    outage_start: float
    outage_end: float
    calls_while_down: int = 0
    """Calls that reached the gateway while it was down (the load a breaker spares it)."""
    recovered_at: float | None = None
    """When the last checkout started before the outage's end completed (None: some never did)."""

    def first(self, kind: str) -> Event | None:
        """The first event of `kind` (None when there was none)."""
        return next((e for e in self.events if e.kind == kind), None)


class Gateway:
    """The payment gateway: about 80 ms a charge; during the outage it mostly times out."""

    def __init__(self, seed: int) -> None:
        self.down = False
        self.rng = random.Random(seed)
        self.calls_while_down = 0

    def charge(self, env: TestEnv, amount: float) -> str:
        """Take `amount` (moving the fake clock by the time the call takes)."""
        self.calls_while_down += self.down
        if self.down and self.rng.random() < 0.8:
            env.clock.advance(self.rng.uniform(2.0, 3.0))
            raise TimeoutError("payment gateway timed out after 2.5 s")
        env.clock.advance(self.rng.uniform(0.06, 0.1))
        return f"ch_{self.rng.randrange(16**8):08x}"


def build(env_holder: list[TestEnv], gateway: Gateway, remediate: bool = True) -> app_mod.App:
    """The shop: a checkout workflow, the payments breaker and three remediation rules."""
    app = app_mod.App("incident-demo")
    app.telemetry(flush_interval=5.0)
    # The breaker opens only when a rule says so (min_calls out of reach), then tests the
    # gateway with three trial calls after each 2-minute cooldown.
    app.circuit_breaker("payments", min_calls=1_000_000, cooldown=120.0, half_open_calls=3)

    @app.step
    def reserve(order: dict[str, Any]) -> str:
        env_holder[0].clock.advance(0.02)
        return f"R-{order['n']}"

    @app.step(retry=ONE_TRY, circuit="payments")
    def charge(order: dict[str, Any]) -> str:
        return gateway.charge(env_holder[0], order["total"])

    @app.step
    def ship(order: dict[str, Any], reservation: str) -> str:
        env_holder[0].clock.advance(0.03)
        return f"1Z{order['n']:06d}"

    @app.workflow
    def checkout(order: dict[str, Any]) -> dict[str, str]:
        reservation = reserve(order)
        payment = charge(order)
        return {"charge": payment, "tracking": ship(order, reservation)}

    failing = conditions.FailureRate("charge", above=0.25, over=120, min_count=4)

    def charge_failing(s: remediation.Signals) -> str:
        # Failures from before the breaker last closed are not news: wait a window first.
        return failing(s) if s.breaker_closed("payments", for_seconds=120) else ""

    def charge_anomalous(s: remediation.Signals) -> str:
        return "an anomaly on step charge" if s.anomaly("step:charge", within=300) else ""

    def payments_recovered(s: remediation.Signals) -> str:
        if not s.breaker_recovered("payments", for_seconds=60):
            return ""
        failed = app.list(status="failed", workflow="checkout", limit=1000)
        return f"payments closed again for 60 s; {len(failed)} failed checkouts" if failed else ""

    if not remediate:
        return app
    app.remediate("payments-failing", when=charge_failing, do=actions.open_breaker("payments"))
    app.remediate(
        "page-on-call",
        when=charge_anomalous,
        do=actions.publish("ops.page", {"why": "step charge is anomalous"}),
        cooldown=900,
    )
    app.remediate(
        "retry-checkouts",
        when=payments_recovered,
        do=actions.retry_failed("checkout"),
        cooldown=120,
    )
    return app


def run(scenario: Scenario | None = None, listener: Listener | None = None) -> Report:
    """Play the incident on a fake clock; `listener` hears each timeline event as it happens."""
    logger = logging.getLogger("podium")
    level = logger.level
    logger.setLevel(logging.ERROR)  # the timeline tells what the warnings would
    try:
        return _play(scenario or Scenario(), listener)
    finally:
        logger.setLevel(level)


Listener = Callable[[Event], object]


class Timeline:
    """The incident's events in the order they happen, told to a listener as they come."""

    def __init__(self, markers: list[Event], listener: Listener | None) -> None:
        self.events: list[Event] = []
        self._markers = sorted(markers, key=lambda e: e.at)
        self._listener = listener
        self._transitions = 0

    def add(self, event: Event) -> None:
        """Record `event` and tell the listener."""
        self.events.append(event)
        if self._listener is not None:
            self._listener(event)

    def catch_up(self, app: app_mod.App, now: float) -> None:
        """What happened up to `now`: markers, breaker moves, then a round of the services."""
        while self._markers and self._markers[0].at <= now:
            self.add(self._markers.pop(0))
        self._breaker(app)
        found = app.tick()
        for a in found.anomalies:
            self.add(Event(now, "anomaly", a.message))
        for d in found.decisions:
            self.add(_decision(d))
        self._breaker(app)

    def _breaker(self, app: app_mod.App) -> None:
        moves = circuit.transitions(app.store, "payments")
        for t in moves[self._transitions :]:
            text = f"breaker payments: {t.from_state} -> {t.to_state} ({t.reason})"
            self.add(Event(t.at, "breaker", text))
        self._transitions = len(moves)


def _play(scenario: Scenario, listener: Listener | None) -> Report:
    gateway = Gateway(scenario.seed)
    holder: list[TestEnv] = []
    app = build(holder, gateway, scenario.remediate)
    start = scenario.start
    outage_start = start + 60 * scenario.warmup
    outage_end = outage_start + 60 * scenario.outage
    timeline = Timeline(
        [
            Event(
                outage_start, "incident", "the payment gateway starts timing out (80% of charges)"
            ),
            Event(outage_end, "recovery", "the payment gateway answers again"),
        ],
        listener,
    )
    with TestEnv(app, start=start) as env:
        holder.append(env)
        total = scenario.warmup + scenario.outage + scenario.after
        for minute in range(total):
            begin = start + 60 * minute
            for k in range(scenario.per_minute):
                at = begin + k * 60.0 / scenario.per_minute
                _move(env, gateway, at, outage_start, outage_end)
                n = minute * scenario.per_minute + k
                env.start("checkout", {"n": n, "total": 20.0 + n % 7}, id=f"order-{n:05d}")
                env.run_until_idle()
                timeline.catch_up(app, env.now())
        _move(env, gateway, start + 60 * total, outage_start, outage_end)
        timeline.catch_up(app, env.now())
        if scenario.keep is not None:
            _copy(env.database_path, scenario.keep)
        everything = app.store.list_workflows(workflow="checkout", limit=100_000)
        completed = sum(1 for w in everything if w.status == "completed")
        resumed = sum(1 for w in everything if w.runs > 1)
        failed = sum(1 for w in everything if w.status == "failed")
        hit = [w for w in everything if w.created_at < outage_end]
        done = all(w.status == "completed" for w in hit)
        recovered = max((w.updated_at for w in hit), default=None) if done else None
    return Report(
        timeline.events,
        len(everything),
        completed,
        failed,
        resumed,
        outage_start,
        outage_end,
        gateway.calls_while_down,
        recovered,
    )


def _copy(source: str, target: str) -> None:
    """Copy the SQLite store at `source` into a new file `target`.

    SQLite's backup API gives a consistent copy while the store is open.
    """
    with contextlib.closing(sqlite3.connect(source)) as src:
        with contextlib.closing(sqlite3.connect(target)) as dst:
            src.backup(dst)


def minutes(scenario: Scenario) -> int:
    """How many simulated minutes the scenario lasts."""
    return scenario.warmup + scenario.outage + scenario.after


def __getattr__(name: str) -> app_mod.App:
    """`podium.cli.incident:app`: the demo's shop, for `podium server` on a kept store."""
    if name == "app":
        return build([], Gateway(Scenario().seed))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _move(env: TestEnv, gateway: Gateway, at: float, outage_start: float, end: float) -> None:
    """Run what falls due up to `at`, then set the gateway's health for that moment."""
    if at > env.now():
        env.advance(at - env.now())
    gateway.down = outage_start <= env.now() < end


def _decision(d: remediation.Decision) -> Event:
    return Event(d.at.timestamp(), "decision", f"rule {d.rule}: {d.result} ({d.condition})")


STYLE = {
    "incident": "bold red",
    "recovery": "bold green",
    "anomaly": "yellow",
    "decision": "cyan",
    "breaker": "magenta",
}


def heading(console: Console) -> None:
    """The timeline's title."""
    console.print()
    console.rule("[bold]podium demo --incident[/]: a payment outage, handled by podium")


def line(console: Console, event: Event) -> None:
    """Print one timeline event: its simulated time, kind and sentence."""
    from rich.markup import escape

    when = dt.datetime.fromtimestamp(event.at, dt.UTC).strftime("%H:%M:%S")
    mark = STYLE.get(event.kind, "")
    console.print(
        f"  [dim]{when}[/]  [{mark}]{event.kind:<9}[/]  {escape(event.text)}", highlight=False
    )


def summary(console: Console, report: Report) -> None:
    """Print the detection delays and the checkouts' tallies."""
    console.print()
    detected = report.first("anomaly")
    acted = report.first("decision")
    for label, found in (("anomaly raised", detected), ("first action", acted)):
        if found is not None:
            delay = (found.at - report.outage_start) / 60
            console.print(f"  {label:<15} {delay:4.1f} min after the outage began")
    console.print(
        f"  checkouts       {report.checkouts} started, {report.completed} completed, "
        f"{report.failed} still failed; {report.retried} failed ones were retried by a rule"
    )


def show(console: Console, report: Report) -> None:
    """Print the whole timeline and the tallies (after the fact)."""
    heading(console)
    for event in report.events:
        line(console, event)
    summary(console, report)
