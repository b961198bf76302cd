"""The dashboard's Operations page: queues, circuit breakers, schedules and state machines.

It reads the same store the engine writes (nothing here changes state) and renders plain
escaped HTML; state machines are drawn by podium.server.diagram.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from html import escape
from typing import Any

from podium import errors
from podium.patterns import circuit, cronwords, queues, schedule, statemachine
from podium.server import diagram, machines_api, render
from podium.server.context import ServerState
from podium.store import breakers
from podium.store import queues as queue_store

PAUSED = ' <span class="badge paused queue-paused">paused</span>'
RECENT = 8
"""Transitions shown per breaker (the most recent ones)."""
COUNT_CAP = 1000
"""Instances counted per state at most (a larger count shows as `1000+`)."""


@dataclasses.dataclass(frozen=True)
class BreakerView:
    """One declared breaker: its state, settings and latest transitions."""

    name: str
    state: str
    settings: dict[str, Any]
    recent: list[breakers.BreakerEvent]


@dataclasses.dataclass(frozen=True)
class MachineView:
    """One state machine with its instance count per state."""

    machine: statemachine.StateMachine
    counts: dict[str, int]


@dataclasses.dataclass(frozen=True)
class OpsView:
    """Everything the Operations page shows."""

    queues: list[queues.QueueStats]
    breakers: list[BreakerView]
    schedules: list[schedule.ScheduleInfo]
    machines: list[MachineView]
    now: float
    paused: tuple[str, ...] = ()
    """The paused queues."""


def gather(st: ServerState) -> OpsView:
    """Read the page's data from the served app and its store."""
    return OpsView(
        queues=[st.app.queue_stats(name) for name in queue_names(st)],
        breakers=_breakers(st),
        schedules=st.app.schedules(),
        machines=[_machine(m) for _, m in sorted(machines_api.machines(st).items())],
        now=st.now(),
        paused=tuple(st.app.paused_queues()),
    )


def queue_names(st: ServerState) -> list[str]:
    """Configured queues, queues of registered workflows and queues holding workflows."""
    names = set(queue_store.configs(st.app.store.connector, fresh=True))
    names.update(d.options.queue for d in st.app.registry.workflows.values())
    names.update(str(row["queue"]) for row in st.browser.queues(st.now()))
    return sorted(names)


def _breakers(st: ServerState) -> list[BreakerView]:
    """Breakers the served app declares plus every breaker in the store (any app's)."""
    app = st.app
    stored = breakers.Breakers(app.store.connector).states()
    declared = {b.name: b for b in app.breakers}
    return [
        BreakerView(
            name=name,
            state=stored.get(name, circuit.CLOSED),
            settings=dataclasses.asdict(declared[name].policy) if name in declared else {},
            recent=circuit.transitions(app.store, name)[-RECENT:],
        )
        for name in sorted(set(stored) | set(declared))
    ]


def _machine(machine: statemachine.StateMachine) -> MachineView:
    states = list(diagram.layers(machine.definition))
    return MachineView(machine, {s: len(machine.instances(s, COUNT_CAP)) for s in states})


Buttons = Callable[[str, str, str], str]
"""`buttons(kind, name, state)`: a row's action buttons (kind: queue, schedule or breaker)."""


def page(view: OpsView, buttons: Buttons | None = None) -> str:
    """The live part of the Operations page (with each row's action buttons if given)."""
    return (
        '<div data-live="1" class="ops"><h1>Operations</h1>'
        f"{_queues(view, buttons)}{_breakers_html(view, buttons)}{_schedules(view, buttons)}"
        f"{_machines(view)}</div>"
    )


def _table(
    ident: str, head: list[str], rows: list[str], empty: str, buttons: Buttons | None = None
) -> str:
    """A table of `rows` under `head`, with an "actions" column when there are `buttons`."""
    if buttons is not None:
        head = [*head, "actions"]
    cells = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join(rows) or f'<tr><td colspan="{len(head)}" class="muted">{escape(empty)}</td></tr>'
    return (
        f'<table class="workflows ops-table" id="{ident}"><thead><tr>{cells}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def _actions(buttons: Buttons | None, kind: str, name: str, state: str) -> str:
    """The action-buttons cell of a row ("" without buttons)."""
    return "" if buttons is None else f"<td>{buttons(kind, name, state)}</td>"


def _limits(config: queues.QueueConfig | None) -> str:
    if config is None:
        return '<span class="muted">no limits</span>'
    parts = []
    if config.concurrency is not None:
        parts.append(f"concurrency {config.concurrency}")
    if config.per_key_concurrency is not None:
        parts.append(f"per key {config.per_key_concurrency}")
    if config.rate_limit is not None:
        parts.append(f"rate {config.rate_limit} / {render.seconds(config.rate_period)}")
    if config.max_depth is not None:
        parts.append(f"max depth {config.max_depth}")
    if not config.priority:
        parts.append("no priority")
    return escape(", ".join(parts)) or '<span class="muted">no limits</span>'


def _queues(view: OpsView, buttons: Buttons | None = None) -> str:
    paused = set(view.paused)
    rows = [
        f'<tr class="queue" data-queue="{escape(q.name)}"><td>{escape(q.name)}'
        f"{PAUSED if q.name in paused else ''}</td>"
        f'<td class="num">{q.depth}</td><td class="num">{q.running}</td>'
        f"<td>{render.seconds(q.oldest_age) or '—'}</td>"
        f'<td class="num">{q.throughput * 60:.1f}/min</td><td>{_limits(q.config)}</td>'
        + _actions(buttons, "queue", q.name, "paused" if q.name in paused else "active")
        + "</tr>"
        for q in view.queues
    ]
    head = ["queue", "depth", "running", "oldest pending", "throughput", "limits"]
    table = _table("queues", head, rows, "No queues.", buttons)
    return f"<section><h2>Queues</h2>{table}</section>"


def _transition(event: breakers.BreakerEvent) -> str:
    rate = "" if event.failure_rate is None else f" ({event.failure_rate:.0%} failed)"
    return (
        f"<li>{render.iso(event.at)} <span class='breaker {escape(event.from_state)}'>"
        f"{escape(event.from_state)}</span> → <span class='breaker {escape(event.to_state)}'>"
        f"{escape(event.to_state)}</span> <span class='muted'>{escape(event.reason)}"
        f"{rate}</span></li>"
    )


def _breaker(b: BreakerView, buttons: Buttons | None) -> str:
    settings = ", ".join(f"{k} {v}" for k, v in b.settings.items()) or "declared by another app"
    moves = "".join(_transition(e) for e in reversed(b.recent))
    recent = f'<ul class="moves">{moves}</ul>' if moves else '<span class="muted">none</span>'
    return (
        f'<tr class="breaker-row" data-breaker="{escape(b.name)}"><td>{escape(b.name)}</td>'
        f'<td><span class="breaker {escape(b.state)}">{escape(b.state)}</span></td>'
        f'<td class="wrap">{escape(settings)}</td><td class="wrap">{recent}</td>'
        + _actions(buttons, "breaker", b.name, b.state)
        + "</tr>"
    )


def _breakers_html(view: OpsView, buttons: Buttons | None = None) -> str:
    rows = [_breaker(b, buttons) for b in view.breakers]
    head = ["breaker", "state", "settings", "recent transitions (newest first)"]
    table = _table("breakers", head, rows, "No circuit breakers declared.", buttons)
    return f"<section><h2>Circuit breakers</h2>{table}</section>"


def _when(moment: dt.datetime | None) -> str:
    return "" if moment is None else render.iso(moment.timestamp())


def _upcoming(s: schedule.ScheduleInfo) -> str:
    ticks = schedule.upcoming(s)
    if not ticks:
        return "—"
    later = "".join(f"<br><small class='muted'>then {_when(t)}</small>" for t in ticks[1:])
    return f"{_when(ticks[0])}{later}"


def _schedules(view: OpsView, buttons: Buttons | None = None) -> str:
    rows = [
        f'<tr class="schedule" data-schedule="{escape(s.name)}"><td>{escape(s.name)}</td>'
        f'<td><span class="cron-words">{escape(cronwords.describe(s.cron, s.timezone))}</span>'
        f" <code class=muted>{escape(s.cron)}</code></td><td>{escape(s.timezone)}</td>"
        f"<td>{_upcoming(s)}</td><td>{_when(s.last_run) or '—'}</td>"
        f"<td>{'<b class=error>paused</b>' if s.paused else 'active'}</td>"
        + _actions(buttons, "schedule", s.name, "paused" if s.paused else "active")
        + "</tr>"
        for s in view.schedules
    ]
    head = ["schedule", "when", "timezone", "next tick", "last tick", "state"]
    table = _table("schedules", head, rows, "No schedules.", buttons)
    return f"<section><h2>Schedules</h2>{table}</section>"


def _counts(m: MachineView) -> str:
    final = m.machine.definition.final
    rows = [
        f'<tr data-state="{escape(s)}"><td>{escape(s)}'
        f"{' <span class=muted>(final)</span>' if s in final else ''}</td>"
        f'<td class="num">{n}{"+" if n >= COUNT_CAP else ""}</td></tr>'
        for s, n in m.counts.items()
    ]
    return _table(f"counts-{escape(m.machine.name)}", ["state", "instances"], rows, "No states.")


def _machines(view: OpsView) -> str:
    blocks = [
        f'<div class="machine" data-machine="{escape(m.machine.name)}">'
        f'<h3>{escape(m.machine.name)}</h3><div class="machine-body">'
        f'<div class="diagram">{diagram.svg(m.machine.definition)}</div>{_counts(m)}</div></div>'
        for m in view.machines
    ]
    body = "".join(blocks) or '<p class="muted">No state machines registered.</p>'
    return f'<section id="machines"><h2>State machines</h2>{body}</section>'


def machine_section(st: ServerState, workflow: str, workflow_id: str) -> str:
    """For a state machine instance's workflow page: the diagram with its current state."""
    if not workflow.startswith(statemachine.WORKFLOW_PREFIX):
        return ""
    name = workflow.removeprefix(statemachine.WORKFLOW_PREFIX)
    machine = machines_api.machines(st).get(name)
    if machine is None or not workflow_id.startswith(name + ":"):
        return ""
    instance = workflow_id[len(name) + 1 :]
    try:
        current = machine.state(instance)
    except (errors.WorkflowNotFound, errors.ConfigurationError):
        return ""
    return (
        f'<section class="machine" id="machine" data-machine="{escape(name)}">'
        f"<h2>State machine <code>{escape(name)}</code>: instance "
        f'<code>{escape(instance)}</code> is <span class="breaker current" id="machine-state">'
        f"{escape(current)}</span></h2>"
        f'<div class="diagram">{diagram.svg(machine.definition, current)}</div></section>'
    )
