"""The order checkout `podium demo` runs, and a live narration of it read from the store.

The workflow reserves stock, charges a payment gateway that times out once (a retried step
with backoff, made safe by `podium.idempotency_key()`), waits on a durable timer, ships and
sends a receipt. The narration polls the store, as any observer would: what it prints is
what the store knows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

from podium import app as app_mod
from podium import context, serialization
from podium import workflow as workflow_mod
from podium.patterns import retry
from podium.store import base
from podium.types import TERMINAL_STATUSES

if TYPE_CHECKING:
    from rich.console import Console

PACKING_SECONDS = 1.0
"""The durable timer: long enough that the workflow is unloaded while it waits."""

CHARGE_RETRY = retry.RetryPolicy(max_attempts=3, initial_delay=0.4, backoff=2.0, jitter=False)

ORDER: dict[str, Any] = {
    "customer": "ada@example.com",
    "items": [{"sku": "TEA-EARLGREY", "qty": 2}, {"sku": "MUG-BLUE", "qty": 1}],
    "total": "27.50",
}


class FlakyGateway:
    """A payment provider that times out on the first call for each key, and dedupes by key."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: set[str] = set()
        self._charges: dict[str, dict[str, Any]] = {}

    def charge(self, key: str, amount: str) -> dict[str, Any]:
        """Charge `amount` once per `key`; a repeated key returns the first charge."""
        with self._lock:
            if key not in self._seen:
                self._seen.add(key)
                raise ConnectionError("payment gateway timed out")
            if key not in self._charges:
                digest = hashlib.sha256(key.encode()).hexdigest()[:12]
                self._charges[key] = {"charge_id": f"ch_{digest}", "amount": amount}
            return self._charges[key]

    @property
    def charges(self) -> int:
        """How many distinct charges were made."""
        return len(self._charges)


@dataclasses.dataclass
class Demo:
    """The demo app, its checkout workflow and the fake gateway it charges."""

    app: app_mod.App
    checkout: workflow_mod.WorkflowDefinition[..., Any]
    gateway: FlakyGateway


def build(database_url: str) -> Demo:
    """Define the checkout app on `database_url` (short grace so timers unload the workflow)."""
    app = app_mod.App(
        "podium-demo", database_url=database_url, suspend_grace=0.2, poll_interval=0.05
    )
    gateway = FlakyGateway()

    @app.step
    def reserve_inventory(order: dict[str, Any]) -> dict[str, Any]:
        time.sleep(0.03)
        units = sum(item["qty"] for item in order["items"])
        return {"reservation": f"R-{uuid.uuid4().hex[:6]}", "units": units}

    @app.step(retry=CHARGE_RETRY)
    def charge_payment(order: dict[str, Any]) -> dict[str, Any]:
        time.sleep(0.08)
        return gateway.charge(context.idempotency_key(), order["total"])

    @app.step
    def ship(order: dict[str, Any], reservation: dict[str, Any]) -> dict[str, Any]:
        time.sleep(0.05)
        return {"tracking": f"1Z{uuid.uuid4().hex[:10].upper()}", "carrier": "UPS"}

    @app.step
    def send_receipt(order: dict[str, Any], charge: dict[str, Any]) -> dict[str, Any]:
        time.sleep(0.02)
        return {"sent_to": order["customer"], "charge_id": charge["charge_id"]}

    @app.workflow
    def checkout(order: dict[str, Any]) -> dict[str, Any]:
        reservation = reserve_inventory(order)
        charge = charge_payment(order)
        context.sleep(PACKING_SECONDS)
        shipment = ship(order, reservation)
        receipt = send_receipt(order, charge)
        return {
            "charge_id": charge["charge_id"],
            "tracking": shipment["tracking"],
            "receipt_to": receipt["sent_to"],
            "completed_at": context.now().isoformat(timespec="seconds"),
        }

    return Demo(app, checkout, gateway)


def run(console: Console, database_url: str, timeout: float = 30.0) -> str:
    """Run one checkout on a background worker, narrating it live; return the workflow id."""
    from rich.markup import escape

    demo = build(database_url)
    _introduce(console, database_url)
    with demo.app, demo.app.worker(concurrency=2):
        narrator = Narrator(console, demo.app.store, f"order-{uuid.uuid4().hex[:6]}")
        handle = demo.app.start(demo.checkout, ORDER, id=narrator.workflow_id)
        narrator.say(f"[yellow]●[/] started workflow [bold]{escape(handle.id)}[/] (pending)")
        narrator.follow(timeout)
    once = "exactly once" if demo.gateway.charges == 1 else f"{demo.gateway.charges} times"
    console.print(
        f"  [dim]the gateway saw two calls and charged {once}: "
        "both attempts sent the step's idempotency key[/]"
    )
    return handle.id


def _introduce(console: Console, database_url: str) -> None:
    from rich.markup import escape

    console.print()
    console.rule("[bold]podium demo[/]: an order checkout, run durably")
    console.print(
        f"  store     [cyan]{escape(database_url)}[/]\n"
        "  workflow  checkout = reserve_inventory → charge_payment → "
        f"sleep({PACKING_SECONDS:g}s) → ship → send_receipt\n"
        f"  retry     charge_payment: up to {CHARGE_RETRY.max_attempts} attempts, "
        f"{_delay(1)}s before the 2nd, {_delay(2)}s before the 3rd "
        "(the gateway times out once)\n"
    )


def _delay(attempt: int) -> str:
    return f"{CHARGE_RETRY.delay_for(attempt):g}"


class Narrator:
    """Prints each new history position, failed attempt and status change of one workflow."""

    def __init__(self, console: Console, store: base.Store, workflow_id: str) -> None:
        self.console = console
        self.store = store
        self.workflow_id = workflow_id
        self.started = time.time()
        self.printed: set[tuple[int, int, int]] = set()
        self.status: str | None = None
        self.runs = 0

    def follow(self, timeout: float) -> base.WorkflowRecord:
        """Poll until the workflow ends (or `timeout`), printing what is new; return its record."""
        deadline = self.started + timeout
        with self.console.status("running…", spinner="dots"):
            while True:
                record = self.poll()
                if record.status in TERMINAL_STATUSES or time.time() > deadline:
                    return record
                time.sleep(0.02)

    def poll(self) -> base.WorkflowRecord:
        """One consistent look at the store: wake-ups, then new events, then the status."""
        while True:
            before = self._record()
            events = self.store.load_history(self.workflow_id)
            attempts = self.store.load_attempts(self.workflow_id)
            after = self._record()
            if (before.status, before.updated_at) == (after.status, after.updated_at):
                break
        if after.runs > self.runs:
            self._claimed(first=self.runs == 0)
        new = [item for item in self._lines(events, attempts) if item[0] not in self.printed]
        for key, line in sorted(new):
            self.printed.add(key)
            self.say(line)
        if (after.status, after.runs) != (self.status, self.runs):
            self._status_changed(after)
        self.status, self.runs = after.status, after.runs
        return after

    def _record(self) -> base.WorkflowRecord:
        record = self.store.get_workflow(self.workflow_id)
        assert record is not None, "the demo workflow disappeared from its store"
        return record

    def _lines(
        self, events: list[base.HistoryEvent], attempts: list[base.Attempt]
    ) -> list[tuple[tuple[int, int, int], str]]:
        lines = [((a.seq, 0, a.attempt), _attempt_line(a)) for a in attempts]
        lines += [((e.seq, 1, 0), _event_line(e)) for e in events]
        return lines

    def say(self, line: str) -> None:
        """Print `line` after the seconds since the narration started."""
        stamp = f"+{time.time() - self.started:.2f}s"
        self.console.print(f"  [dim]{stamp:>7}[/]  {line}", highlight=False)

    def _claimed(self, first: bool) -> None:
        if first:
            self.say("[cyan]▶[/] a worker claimed it (running)")
        else:
            self.say(
                "[cyan]▶[/] woken on time; a worker replays its history: finished steps "
                "return their recorded results, nothing runs twice"
            )

    def _status_changed(self, record: base.WorkflowRecord) -> None:
        from rich.markup import escape

        if record.status == "waiting":
            wait = (record.ready_at or time.time()) - time.time()
            self.say(
                f"[blue]⏸[/] unloaded while it waits ({max(wait, 0):.2f}s left): "
                "no thread is held, its wake-up time is a row in the store"
            )
        elif record.status == "completed":
            self.say("[bold green]✔ completed[/]")
        elif record.status in TERMINAL_STATUSES:
            self.say(
                f"[bold red]✘ {escape(record.status)}[/]: {escape(record.error_message or '')}"
            )


def _attempt_line(attempt: base.Attempt) -> str:
    from rich.markup import escape

    wait = (attempt.retry_at or attempt.finished_at) - attempt.finished_at
    return (
        f"[red]✗[/] {escape(attempt.name)} attempt {attempt.attempt} failed: "
        f"[red]{escape(attempt.error_type)}: {escape(attempt.error_message)}[/] "
        f"→ retry in {wait:.2f}s (backoff)"
    )


def _event_line(event: base.HistoryEvent) -> str:
    from rich.markup import escape

    if event.kind == "sleep":
        fire_at = float(serialization.loads(event.payload))
        when = dt.datetime.fromtimestamp(fire_at).strftime("%H:%M:%S.%f")[:-3]
        length = fire_at - (event.started_at or fire_at)
        return f"[blue]⏲[/] durable timer: sleep {length:g}s, fires at {when} (recorded in history)"
    if event.kind == "now":
        moment = dt.datetime.fromtimestamp(float(serialization.loads(event.payload)))
        return f"[dim]•[/] recorded podium.now() = {moment.isoformat(timespec='milliseconds')}"
    if event.kind != "step":
        return f"[dim]•[/] recorded podium.{event.kind}() = {escape(_short(event.payload))}"
    millis = ((event.finished_at or 0.0) - (event.started_at or 0.0)) * 1000
    if event.status == "failed":
        return f"[red]✗ {escape(event.name)} failed[/] after attempt {event.attempt}"
    tries = f", attempt {event.attempt}" if event.attempt > 1 else ""
    return (
        f"[green]✓[/] {escape(event.name)} [dim]({millis:.0f} ms{tries})[/] "
        f"→ {escape(_short(event.payload))}"
    )


def _short(payload: str | None, width: int = 70) -> str:
    text = json.dumps(json.loads(payload)) if payload else "null"
    return text if len(text) <= width else text[: width - 1] + "…"
