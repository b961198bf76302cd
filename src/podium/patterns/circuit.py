"""Circuit breaker: a frozen policy with pure transition decisions, applied to state in the store.

`app.circuit_breaker("payments", failure_threshold=0.5, min_calls=10, window=60.0,
cooldown=30.0, half_open_calls=1)` declares one; a step with `circuit="payments"` joins it.

- closed: calls run and their outcomes are counted. When a call fails and the window holds at
  least `min_calls` outcomes with a failure rate >= `failure_threshold`, the breaker opens.
- open: calls fail fast with `CircuitOpenError(retry_after=remaining cooldown)`; the step
  does not run. The first call after `cooldown` moves it to half_open.
- half_open: at most `half_open_calls` trial calls run, cluster-wide; the others are refused
  (retry after a tenth of the cooldown). A failed trial re-opens it; when every trial succeeded
  it closes. Trials that report nothing within max(cooldown, window) count as failed (re-open).

State lives in the store (podium.store.breakers), so every worker of every process sees one
breaker per name. The window is measured in tenths (buckets of window / 10 seconds), and
counts start afresh at each transition. Every transition is logged and stored as an event.

With a RetryPolicy, `CircuitOpenError` is retried after the remaining cooldown and a refusal
does not use up an attempt (the step did not run): a workflow waits out an outage durably.
Without one the step fails at once with `CircuitOpenError`. `app.breaker_state(name)` reads
the stored state: "open" stays "open" until a call after the cooldown makes it half_open.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import os
import socket
import threading
import types
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager

from podium import errors
from podium.engine import hooks
from podium.engine.runtime import Runtime
from podium.store import base, breakers

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"
BUCKETS = 10
"""The window is counted in this many buckets; a refused half-open call waits cooldown/BUCKETS."""
MAX_ROUNDS = 5
"""Transitions one admission may make or observe before it gives up (only under heavy races)."""
_HOST = socket.gethostname()


@dataclasses.dataclass(frozen=True)
class Window:
    """The outcomes counted in the current window."""

    calls: int
    failures: int

    @property
    def rate(self) -> float:
        """Failures per call (0.0 with no calls)."""
        return self.failures / self.calls if self.calls else 0.0


@dataclasses.dataclass(frozen=True)
class Admit:
    """Let the call run; `trial` when it is a half-open trial call (it needs a slot)."""

    trial: bool = False


@dataclasses.dataclass(frozen=True)
class Refuse:
    """Fail the call fast; it may be tried again after `retry_after` seconds."""

    retry_after: float


Decision = Admit | Refuse | breakers.Change


@dataclasses.dataclass(frozen=True)
class BreakerPolicy:
    """When a breaker opens, how long it stays open and how it tests the way back."""

    failure_threshold: float = 0.5
    min_calls: int = 10
    window: float = 60.0
    cooldown: float = 30.0
    half_open_calls: int = 1

    def __post_init__(self) -> None:
        problems = []
        rate = self.failure_threshold
        if not _finite(rate, int | float) or not 0 < rate <= 1:
            problems.append(f"failure_threshold={rate!r} must be a number in (0, 1]")
        for name in ("min_calls", "half_open_calls"):
            value = getattr(self, name)
            if not _finite(value, int) or value < 1:
                problems.append(f"{name}={value!r} must be an int >= 1")
        for name in ("window", "cooldown"):
            value = getattr(self, name)
            if not _finite(value, int | float) or value <= 0:
                problems.append(f"{name}={value!r} must be a positive number of seconds")
        if problems:
            raise errors.ConfigurationError("invalid circuit breaker: " + "; ".join(problems))

    @property
    def trial_timeout(self) -> float:
        """Seconds half_open waits for its trials to report before it presumes them failed."""
        return max(self.cooldown, self.window)

    def bucket(self, now: float) -> int:
        """The counting bucket `now` falls in."""
        return math.floor(now * BUCKETS / self.window)

    def first_bucket(self, now: float) -> int:
        """The oldest bucket still inside the window at `now`."""
        return self.bucket(now) - BUCKETS + 1

    def admission(self, snap: breakers.Snapshot, now: float) -> Decision:
        """Whether a call arriving at `now` runs, is refused, or first moves the breaker on."""
        if snap.state == CLOSED:
            return Admit()
        if snap.state == OPEN:
            left = snap.since + self.cooldown - now
            if left > 0:
                return Refuse(left)
            return breakers.Change(
                HALF_OPEN,
                f"cooldown of {self.cooldown:g}s is over; up to {self.half_open_calls} trial "
                "call(s) may run",
            )
        _check_state(snap.state)
        if now - snap.since >= self.trial_timeout:
            return breakers.Change(
                OPEN, f"no trial call reported within {self.trial_timeout:g}s; presumed failed"
            )
        return Admit(trial=True)

    def busy(self, snap: breakers.Snapshot, now: float) -> Refuse:
        """The refusal of a half-open call that found every trial slot taken."""
        left = snap.since + self.trial_timeout - now
        return Refuse(max(0.0, min(self.cooldown / BUCKETS, left)))

    def on_outcome(
        self, snap: breakers.Snapshot, ok: bool, window: Window | None = None
    ) -> breakers.Change | None:
        """The transition an outcome causes, if any.

        `snap` is the state the call was admitted in (for a trial success, with the successes
        counted so far); `window` is the closed breaker's window including this outcome.
        """
        if snap.state == HALF_OPEN:
            if not ok:
                return breakers.Change(OPEN, "a trial call failed")
            if snap.successes >= self.half_open_calls:
                return breakers.Change(CLOSED, f"{snap.successes} trial call(s) succeeded")
            return None
        _check_state(snap.state)
        if snap.state != CLOSED or ok or window is None:
            return None
        if window.calls < self.min_calls or window.rate < self.failure_threshold:
            return None
        return breakers.Change(
            OPEN,
            f"failure rate {window.rate:.0%} of {window.calls} calls in the last "
            f"{self.window:g}s reached {self.failure_threshold:.0%}",
            window.rate,
            window.calls,
            window.failures,
        )


@dataclasses.dataclass(frozen=True)
class Ticket:
    """An admitted call: the state it was admitted in, and whether it holds a trial slot."""

    snapshot: breakers.Snapshot
    trial: bool = False
    holder: str = ""
    """The trial slot's holder ("" for an ordinary call)."""


class Breaker:
    """A declared breaker of one App: its name and policy; its state is in the App's store."""

    def __init__(self, name: str, policy: BreakerPolicy) -> None:
        self.name = name
        self.policy = policy
        self._pruned = 0
        self._stores: dict[int, breakers.Breakers] = {}

    def __repr__(self) -> str:
        return f"<podium circuit breaker {self.name!r} {self.policy}>"

    def admit(self, rt: Runtime, holder: str | None) -> Ticket:
        """Admit a call or raise CircuitOpenError; makes the transitions arrival causes.

        `holder` names the call for a half-open trial slot (None: a fresh name, no reentry).
        """
        store = self._store(rt)
        for _ in range(MAX_ROUNDS):
            now = rt.clock.time()
            snap = store.get(self.name)
            if snap is None:
                store.create(self.name, now)
                continue
            decision = self.policy.admission(snap, now)
            if isinstance(decision, breakers.Change):
                self._move(rt, store, snap, decision, now)
                continue
            if isinstance(decision, Refuse):
                raise errors.CircuitOpenError(self.name, decision.retry_after)
            if not decision.trial:
                return Ticket(snap)
            limit = self.policy.half_open_calls
            holder = holder or uuid.uuid4().hex
            if store.claim_trial(self.name, snap.generation, holder, limit, now):
                return Ticket(snap, True, holder)
            raise errors.CircuitOpenError(self.name, self.policy.busy(snap, now).retry_after)
        raise errors.CircuitOpenError(self.name, self.policy.cooldown / BUCKETS)

    def record(self, rt: Runtime, ticket: Ticket, ok: bool) -> None:
        """Count the outcome of an admitted call and make the transition it causes."""
        store = self._store(rt)
        now = rt.clock.time()
        snap = ticket.snapshot
        if ticket.trial:
            change = self._trial_outcome(store, ticket, ok)
        else:
            store.count(self.name, snap.generation, self.policy.bucket(now), _shard(), not ok)
            self._prune(store, now)
            if ok:
                return
            calls, failures = store.window(
                self.name, snap.generation, self.policy.first_bucket(now)
            )
            change = self.policy.on_outcome(snap, ok, Window(calls, failures))
        if change is not None:
            self._move(rt, store, snap, change, now)

    def _trial_outcome(
        self, store: breakers.Breakers, ticket: Ticket, ok: bool
    ) -> breakers.Change | None:
        snap = ticket.snapshot
        if not ok:
            return self.policy.on_outcome(snap, ok)
        successes = store.trial_succeeded(self.name, snap.generation, ticket.holder)
        if successes is None:
            return None
        return self.policy.on_outcome(dataclasses.replace(snap, successes=successes), ok)

    def _move(
        self,
        rt: Runtime,
        store: breakers.Breakers,
        snap: breakers.Snapshot,
        change: breakers.Change,
        now: float,
    ) -> None:
        if store.transition(self.name, snap, change, now):
            level = logging.WARNING if change.to_state == OPEN else logging.INFO
            rt.log.log(
                level,
                "circuit breaker %r: %s -> %s (%s)",
                self.name,
                snap.state,
                change.to_state,
                change.reason,
            )

    def _store(self, rt: Runtime) -> breakers.Breakers:
        """The breaker verbs on `rt`'s store (made once per connector)."""
        connector = rt.store.connector
        store = self._stores.get(id(connector))
        if store is None or store.connector is not connector:
            store = self._stores[id(connector)] = breakers.Breakers(connector)
        return store

    def _prune(self, store: breakers.Breakers, now: float) -> None:
        """Once per bucket per process, drop the counters that left the window."""
        bucket = self.policy.bucket(now)
        if bucket != self._pruned:
            self._pruned = bucket
            store.forget_buckets(self.name, self.policy.first_bucket(now))


@contextlib.contextmanager
def _guard(breaker: Breaker, rt: Runtime, holder: str | None) -> Iterator[None]:
    """Around one call of a guarded step: admit it, then record how it ended.

    An engine signal or interrupt (no Exception) leaves the call without an outcome.
    """
    ticket = breaker.admit(rt, holder)
    try:
        yield
    except Exception:
        _record(breaker, rt, ticket, ok=False)
        raise
    _record(breaker, rt, ticket, ok=True)


def _record(breaker: Breaker, rt: Runtime, ticket: Ticket, ok: bool) -> None:
    """Record a call's outcome; a failure to is logged (the call's own outcome matters more)."""
    try:
        breaker.record(rt, ticket, ok=ok)
    except Exception as error:
        rt.log.warning(
            "circuit breaker %r: outcome not recorded (%s: %s)",
            breaker.name,
            type(error).__name__,
            error,
        )


_NO_GUARD = contextlib.nullcontext()


class Declared:
    """The circuit breakers one App declared, by name."""

    def __init__(self) -> None:
        self._breakers: dict[str, Breaker] = {}

    def __iter__(self) -> Iterator[Breaker]:
        """The declared breakers, by name."""
        return iter([self._breakers[name] for name in sorted(self._breakers)])

    def __len__(self) -> int:
        return len(self._breakers)

    def declare(self, name: str, policy: BreakerPolicy) -> Breaker:
        """Declare breaker `name`; the same name again must come with the same policy."""
        existing = self._breakers.get(name)
        if existing is not None:
            if existing.policy != policy:
                raise errors.ConfigurationError(
                    f"circuit breaker {name!r} is already declared with {existing.policy}; "
                    "declare each breaker once (every worker must use the same settings)"
                )
            return existing
        breaker = self._breakers[name] = Breaker(name, policy)
        return breaker

    def lookup(self, name: str) -> Breaker:
        """The declared breaker `name`; ConfigurationError names the declared ones."""
        breaker = self._breakers.get(name)
        if breaker is None:
            known = ", ".join(sorted(self._breakers)) or "none"
            raise errors.ConfigurationError(
                f"no circuit breaker named {name!r} is declared in this app (declared: "
                f"{known}); add app.circuit_breaker({name!r}, ...)"
            )
        return breaker

    def state(self, rt: Runtime, name: str) -> str:
        """Breaker `name` as the store holds it: "closed", "open" or "half_open"."""
        self.lookup(name)
        snap = breakers.Breakers(rt.store.connector).get(name)
        return CLOSED if snap is None else snap.state


@dataclasses.dataclass(frozen=True, eq=True)
class StepGuard:
    """The engine's step wrapper (see engine/hooks): the breaker check around each attempt.

    A step without `circuit=` passes through. The call is named after its history position
    for half-open trial slots, so an attempt run again after a crash keeps the slot it held.
    Entering raises CircuitOpenError when the breaker refuses; leaving records the outcome.
    """

    runtime: Runtime
    declared: Declared

    def __call__(self, call: hooks.StepCall) -> AbstractContextManager[None]:
        """The guard of one attempt (a no-op for a step without `circuit=`)."""
        name = call.step.options.circuit
        if name is None:
            return _NO_GUARD
        holder = f"{call.workflow_id}#{call.seq}"
        return _guard(self.declared.lookup(name), self.runtime, holder)


def plain_guard(rt: Runtime, breaker: Breaker) -> AbstractContextManager[None]:
    """The breaker check around a step called outside any workflow (a fresh trial holder)."""
    return _guard(breaker, rt, None)


def force(rt: Runtime, name: str, to_state: str, reason: str) -> bool:
    """Move breaker `name` to `to_state` now (an operator's or a rule's decision).

    False when it already was in that state. Racing a call's own transition is safe: the
    compare-and-set is retried against the state that won.
    """
    _check_state(to_state)
    store = breakers.Breakers(rt.store.connector)
    now = rt.clock.time()
    store.create(name, now)
    for _ in range(10):
        snap = store.get(name)
        if snap is None or snap.state == to_state:
            return False
        if store.transition(name, snap, breakers.Change(to_state, reason), now):
            rt.log.warning("circuit breaker %r: %s -> %s (%s)", name, snap.state, to_state, reason)
            return True
    return False


def transitions(
    store: base.Store, name: str | None = None, since: float = 0.0, limit: int = 1000
) -> list[breakers.BreakerEvent]:
    """The recorded transitions (time, from, to, reason, failure rate), oldest first."""
    return breakers.Breakers(store.connector).events(name, since, limit)


def _shard() -> str:
    """This thread of this process: the counter row only it writes."""
    return f"{_HOST}:{os.getpid()}:{threading.get_ident()}"


def _check_state(state: str) -> None:
    if state not in (CLOSED, OPEN, HALF_OPEN):
        raise ValueError(f"unknown circuit breaker state {state!r}")


def _finite(value: object, kind: type | types.UnionType) -> bool:
    """A finite number of `kind`; bools and NaN/infinity do not count."""
    if isinstance(value, bool) or not isinstance(value, kind):
        return False
    return math.isfinite(value)  # type: ignore[arg-type]
