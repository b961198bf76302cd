"""Automatic remediation: rules from signals (anomalies, breakers, queues) to engine actions.

`app.remediate(name, when=..., do=..., cooldown=300, dry_run=False)` declares a rule. Every
worker runs an `Evaluator` beside it; each tick (`TICK` seconds) one process in the cluster
evaluates the rules: the one whose compare-and-set moves the rule set's claim row in the
store to the tick (one write a tick, however many rules; a rule's own row is written only
when it fires). It
builds a `Signals` snapshot, calls `when(signals)`, and if that is true (a non-empty string
is true and becomes the recorded condition) and the rule's cooldown since its last firing is
over, it marks the rule fired and logs the decision in one transaction fenced by the tick,
then carries the action out and records its result. With `dry_run=True` the decision is
logged (and the cooldown runs) but nothing changes. The rule's last firing is in the store,
so a restarted process does not act again inside the cooldown.

Actions are the values of `podium.intelligence.actions` (each idempotent: opening an open
breaker, pausing a paused queue, resuming failed workflows that were already resumed change
nothing more) or a callable given the app; its return value, if any, is the result.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import threading
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from podium import arguments, errors
from podium.engine import background
from podium.engine.runtime import Runtime
from podium.intelligence import actions
from podium.patterns import bulk, circuit, insight, pausing, queues, telemetry
from podium.patterns import events as events_mod
from podium.store import base
from podium.store import breakers as breaker_store
from podium.store import queues as queue_store
from podium.store import remediation as remediation_store

TICK = 10.0
"""Seconds between evaluations of a rule (one process per tick)."""
ANOMALY_WINDOW = 15 * 60.0
"""How far back `Signals.anomalies` reaches."""


@dataclasses.dataclass(frozen=True)
class BreakerSignal:
    """A breaker's state, since when (epoch seconds), and how many transitions it made."""

    state: str
    since: float
    generation: int = 0


@dataclasses.dataclass(frozen=True)
class Signals:
    """What a rule's condition sees: recent anomalies, breakers and queues, at `now`."""

    now: float
    anomalies: list[insight.Anomaly]
    breakers: dict[str, BreakerSignal]
    queues: dict[str, queues.QueueStats]
    paused_queues: list[str]
    telemetry: Counts | None = None
    """The telemetry rollups, read on demand (None: a snapshot without a store)."""

    def anomaly(self, series: str = "", within: float = ANOMALY_WINDOW) -> bool:
        """Whether a series starting with `series` had an anomaly in the last `within` s."""
        since = self.now - within
        return any(
            a.series.startswith(series) and a.at.timestamp() >= since for a in self.anomalies
        )

    def breaker_open(self, name: str, for_seconds: float = 0.0) -> bool:
        """Whether breaker `name` is open (or half open) and has been for `for_seconds`."""
        found = self.breakers.get(name)
        return (
            found is not None
            and found.state != circuit.CLOSED
            and self.now - found.since >= for_seconds
        )

    def breaker_closed(self, name: str, for_seconds: float = 0.0) -> bool:
        """Whether breaker `name` is closed (or unused) and has been for `for_seconds`."""
        found = self.breakers.get(name)
        if found is None:
            return True
        return found.state == circuit.CLOSED and self.now - found.since >= for_seconds

    def breaker_recovered(
        self, name: str, for_seconds: float = 60.0, within: float = 600.0
    ) -> bool:
        """Whether breaker `name` closed again after being open, `for_seconds` to `within` ago.

        What "the dependency is healthy again" means to a rule that retries the work that
        failed while it was down: false for a breaker that never opened.
        """
        found = self.breakers.get(name)
        if found is None or found.state != circuit.CLOSED or found.generation == 0:
            return False
        return for_seconds <= self.now - found.since <= within

    def queue_wait(self, name: str) -> float:
        """The age in seconds of queue `name`'s oldest pending workflow (0 when none)."""
        found = self.queues.get(name)
        return (found.oldest_age or 0.0) if found is not None else 0.0

    def failures(self, series: str, over: float) -> tuple[int, int]:
        """(failed, ended) of telemetry `series` in the minutes overlapping the last `over` s.

        `series` is `step:NAME` or `workflow:NAME`; what `conditions.FailureRate` reads.
        """
        if self.telemetry is None:
            return 0, 0
        return self.telemetry.failures(series, self.now - over, self.now)


class Counts:
    """Telemetry rollups of one store as a snapshot reads them: once per series and window."""

    def __init__(self, store: base.Store) -> None:
        self.store = store
        self._read: dict[tuple[str, float], tuple[int, int]] = {}

    def failures(self, series: str, since: float, until: float) -> tuple[int, int]:
        """(failed, ended) of `series` in the minutes from the one holding `since` on."""
        key = (series, since)
        if key not in self._read:
            minutes = telemetry.rollups(self.store, since, until + 60, series).get(series, {})
            failed = sum(r.failures for r in minutes.values())
            ended = failed + sum(r.completions for r in minutes.values())
            self._read[key] = (failed, ended)
        return self._read[key]


Condition = Callable[[Signals], object]
Do = actions.Action | Callable[[Any], object]


@dataclasses.dataclass(frozen=True)
class Rule:
    """A declared rule: a condition, an action, a cooldown, and whether it only records."""

    name: str
    when: Condition
    do: Do
    cooldown: float
    dry_run: bool

    def describe(self) -> str:
        """The action in words."""
        if isinstance(self.do, actions.Action):
            return self.do.describe()
        return f"call {getattr(self.do, '__name__', repr(self.do))}"


@dataclasses.dataclass(frozen=True)
class Decision:
    """An audited decision: a rule's condition held and it acted (or, with dry_run, would)."""

    rule: str
    at: dt.datetime
    condition: str
    action: str
    dry_run: bool
    result: str


class Round(NamedTuple):
    """What one round of the self-driving services found and did (`app.tick()`)."""

    anomalies: list[insight.Anomaly]
    decisions: list[Decision]


def define(name: str, when: object, do: object, cooldown: object, dry_run: object) -> Rule:
    """A checked rule; ConfigurationError names the wrong argument."""
    name = arguments.check_name(name, "name")
    if not callable(when):
        raise errors.ConfigurationError(f"when={when!r} must be a callable taking the signals")
    if not isinstance(do, actions.Action) and not callable(do):
        raise errors.ConfigurationError(
            f"do={do!r} must be an action of podium.intelligence.actions or a callable"
        )
    ok = isinstance(cooldown, int | float) and not isinstance(cooldown, bool)
    if not ok or not math.isfinite(float(cooldown)) or float(cooldown) < 0:  # type: ignore[arg-type]
        raise errors.ConfigurationError(f"cooldown={cooldown!r} must be seconds >= 0")
    if not isinstance(dry_run, bool):
        raise errors.ConfigurationError(f"dry_run={dry_run!r} must be True or False")
    return Rule(name, when, do, float(cooldown), dry_run)  # type: ignore[arg-type]


class Rules:
    """The rules one app declared, and what their callables are given (the app)."""

    def __init__(self, subject: object) -> None:
        self.subject = subject
        self._rules: dict[str, Rule] = {}
        self._lock = threading.Lock()

    def add(self, rule: Rule) -> None:
        """Declare `rule` (the same name again replaces it)."""
        with self._lock:
            self._rules[rule.name] = rule

    def __len__(self) -> int:
        return len(self._rules)

    def all(self) -> list[Rule]:
        """The rules, by name."""
        with self._lock:
            return [self._rules[n] for n in sorted(self._rules)]


def signals(rt: Runtime, queue_names: Sequence[str], now: float) -> Signals:
    """The snapshot a condition sees at `now`."""
    found = insight.anomalies(rt, now - ANOMALY_WINDOW, 1000)
    book = breaker_store.Breakers(rt.store.connector)
    states: dict[str, BreakerSignal] = {}
    for name in book.states():
        snap = book.get(name)
        if snap is not None:
            states[name] = BreakerSignal(snap.state, snap.since, snap.generation)
    stats = {q: queues.stats(rt, q) for q in dict.fromkeys(queue_names)}
    return Signals(now, found, states, stats, pausing.paused_queues(rt), Counts(rt.store))


def evaluate(rt: Runtime, rules: Rules, queue_names: Sequence[str], now: float) -> list[Decision]:
    """One tick: evaluate every rule this process wins the tick of; the decisions it made."""
    book = rt.store.feature(remediation_store.RemediationStore)
    tick = math.floor(now / TICK)
    declared = rules.all()
    names = [r.name for r in declared]
    if not declared or not book.claim(names, tick):
        return []
    states = book.states(names)
    snapshot: Signals | None = None
    made: list[Decision] = []
    for rule in declared:
        state = states[rule.name]
        if state.fired_at is not None and now - state.fired_at < rule.cooldown:
            continue
        if snapshot is None:
            snapshot = signals(rt, queue_names, now)
        try:
            held = rule.when(snapshot)
        except Exception:
            rt.log.exception("remediation rule %r: its condition raised", rule.name)
            continue
        if not held:
            continue
        condition = held if isinstance(held, str) else _named(rule.when)
        action = rule.describe()
        result = "dry run: nothing changed" if rule.dry_run else "started"
        if not book.fire(rule.name, tick, now, condition, action, rule.dry_run, result):
            continue
        if not rule.dry_run:
            result = _act(rt, rules.subject, rule, tick)
            book.set_result(rule.name, tick, result)
        rt.log.warning("remediation rule %r: %s (%s): %s", rule.name, action, condition, result)
        made.append(Decision(rule.name, _aware(now), condition, action, rule.dry_run, result))
    return made


def _act(rt: Runtime, subject: object, rule: Rule, tick: int) -> str:
    """Carry out `rule`'s action; what it did, or why it failed."""
    try:
        if isinstance(rule.do, actions.Action):
            return perform(rt, rule.do, f"remediation:{rule.name}:{tick}")
        out = rule.do(subject)
        return "done" if out is None else f"done: {out}"
    except Exception as exc:
        rt.log.exception("remediation rule %r: its action failed", rule.name)
        return f"failed: {type(exc).__name__}: {exc}"


def perform(rt: Runtime, action: actions.Action, event_id: str) -> str:
    """Carry out one engine action now; a short account of what changed."""
    now = rt.clock.time()
    kind, target = action.kind, action.target
    if kind in ("open_breaker", "close_breaker"):
        to = circuit.OPEN if kind == "open_breaker" else circuit.CLOSED
        moved = circuit.force(rt, target, to, f"remediation ({event_id})")
        return f"breaker {target!r} {'is now' if moved else 'was already'} {to}"
    if kind == "pause_queue":
        pausing.pause_queue(rt, target)
        return f"queue {target!r} paused"
    if kind == "resume_queue":
        pausing.resume_queue(rt, target)
        return f"queue {target!r} resumed"
    if kind in ("set_concurrency", "set_rate"):
        old = queue_store.configs(rt.store.connector, fresh=True).get(target)
        config = old or queue_store.QueueConfig(target)
        if kind == "set_concurrency":
            config = dataclasses.replace(config, concurrency=action.count)
        else:
            config = dataclasses.replace(
                config, rate_limit=action.count, rate_period=action.seconds
            )
        queues.sync(rt, {target: config})
        return action.describe()
    if kind == "retry_failed":
        resumed = bulk.resume_many(rt.store, bulk.Filters("failed", target), now)
        if resumed:
            rt.notifier.work_available()
        return f"{len(resumed)} failed workflow(s) of {target!r} resumed"
    if kind == "publish":
        events_mod.publish(rt, target, action.payload, id=event_id)
        return f"event {event_id!r} published on {target!r}"
    raise errors.ConfigurationError(f"unknown remediation action {kind!r}")


def decisions(rt: Runtime, limit: int) -> list[Decision]:
    """The audited decisions, newest first."""
    arguments.check_int(limit, "limit", minimum=1)
    rows = rt.store.feature(remediation_store.RemediationStore).decisions(limit)
    return [
        Decision(r.rule, _aware(r.at), r.condition, r.action, r.dry_run, r.result) for r in rows
    ]


def _named(when: object) -> str:
    return str(getattr(when, "__name__", None) or repr(when))


def _aware(at: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(at, dt.UTC)


# -- the worker service ---------------------------------------------------------------------


class Evaluator:
    """The worker service factory: every worker evaluates rules each tick (one wins each)."""

    def __init__(
        self,
        rt: Runtime,
        rules: Rules,
        queue_names: Callable[[], list[str]],
        flush: Callable[[], object] | None = None,
    ) -> None:
        self.rt = rt
        self.rules = rules
        self.queue_names = queue_names
        self.flush = flush
        """Writes this process's telemetry before a tick, so conditions see its latest counts."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Evaluator) and other.rt is self.rt and other.rules is self.rules

    def __hash__(self) -> int:
        return hash((id(self.rt), id(self.rules)))

    def tick(self) -> list[Decision]:
        """Evaluate the rules once now (after flushing this process's telemetry)."""
        if self.flush is not None:
            try:
                self.flush()
            except Exception:
                self.rt.log.exception("remediation: flushing telemetry before a tick failed")
        return evaluate(self.rt, self.rules, self.queue_names(), self.rt.clock.time())

    def __call__(self) -> background.Periodic:
        """A loop for one more worker: evaluates the rules, if any, about twice per tick."""
        return background.Periodic("podium-remediation", self.rt.log, self._tick_ruled, _half_tick)

    def _tick_ruled(self) -> None:
        """A tick, when there are rules to evaluate."""
        if len(self.rules):
            self.tick()


def _half_tick() -> float:
    return TICK / 2
