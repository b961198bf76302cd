"""An ASL workflow's states on its dashboard page, drawn by `diagram`, with its path lit.

History records only effects, not state entries; `asl.trace` rebuilds the path by replaying
those effects through the interpreter, so Pass and Choice states light up too and the state
the workflow is in now is marked current. Each Parallel state's branches and each Map state's
item processor are drawn below it as diagrams of their own (nested ones too, up to MAX_DEPTH);
their states are not lit, since the trace follows the top level only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from podium import serialization
from podium.asl import trace
from podium.asl import workflow as asl_workflow
from podium.patterns.machinedef import MachineDefinition, Transition
from podium.server import diagram
from podium.server.context import ServerState
from podium.store.base import WorkflowRecord


class AslShape(MachineDefinition):
    """An ASL machine's top-level states as a MachineDefinition for `diagram` (unvalidated).

    ASL allows what podium machines forbid (an End Task with Catch edges), so this skips
    MachineDefinition's checks; it is only ever drawn, never run.
    """

    def __init__(self, name: str, machine: Mapping[str, Any]) -> None:
        states: Mapping[str, Any] = machine.get("States", {})
        self.name = name
        self.initial = str(machine["StartAt"])
        self.transitions = [t for n, s in states.items() for t in _transitions(n, s)]
        self.final = frozenset(n for n, s in states.items() if _ends(s))
        self.states = list(states)
        self._by_key = {}


def _ends(state: Mapping[str, Any]) -> bool:
    return bool(state.get("End")) or state.get("Type") in ("Succeed", "Fail")


def _transitions(name: str, state: Mapping[str, Any]) -> Iterable[Transition]:
    """The edges leaving one state: Next, each Choice rule, Default and each Catch."""
    if "Next" in state:
        yield Transition("next", name, str(state["Next"]))
    for index, rule in enumerate(state.get("Choices", []), 1):
        yield Transition(f"rule {index}", name, str(rule["Next"]))
    if "Default" in state:
        yield Transition("default", name, str(state["Default"]))
    for catcher in state.get("Catch", []):
        errors = ",".join(catcher.get("ErrorEquals", []))
        yield Transition(f"catch {errors}", name, str(catcher["Next"]))


MAX_DEPTH = 3
"""Levels of nested Parallel/Map states drawn below the top-level diagram."""
LAYOUT_MIN = 8
"""A diagram of at least this many states is laid out again in the browser by dagre
(vendored under static/, see podium.js); smaller ones keep the server's column layout."""


def _layout(shape: AslShape) -> str | None:
    return "dagre" if len(shape.states) >= LAYOUT_MIN else None


def inner_machines(
    machine: Mapping[str, Any], prefix: str = "", depth: int = 1
) -> list[tuple[str, Mapping[str, Any]]]:
    """(label, machine) of every Parallel branch and Map item processor, outermost first."""
    found: list[tuple[str, Mapping[str, Any]]] = []
    for name, state in machine.get("States", {}).items():
        kind = state.get("Type")
        if kind == "Parallel":
            subs = [(f"branch {i}", b) for i, b in enumerate(state.get("Branches", []), 1)]
        elif kind == "Map":
            inner = state.get("ItemProcessor") or state.get("Iterator")
            subs = [("each item", inner)] if inner else []
        else:
            continue
        for label, sub in subs:
            if not isinstance(sub, Mapping) or "StartAt" not in sub:
                continue
            title = f"{prefix}{kind} {name}: {label}"
            found.append((title, sub))
            if depth < MAX_DEPTH:
                found += inner_machines(sub, f"{title} / ", depth + 1)
    return found


def _inner(workflow: str, machine: Mapping[str, Any]) -> str:
    """The branch diagrams of a machine's Parallel and Map states ("" when it has none)."""
    figures = []
    for n, (title, sub) in enumerate(inner_machines(machine)):
        shape = AslShape(f"{workflow.replace(':', '_')}_inner{n}", sub)
        drawn = diagram.svg(shape, relayout=_layout(shape))
        for name, state in sub.get("States", {}).items():
            if state.get("Type") == "Fail":
                drawn = _add_classes(drawn, name, "fail")
        figures.append(
            f'<figure class="asl-branch" data-branch="{escape(title)}">'
            f"<figcaption>{escape(title)}</figcaption>"
            f'<div class="diagram">{drawn}</div></figure>'
        )
    if not figures:
        return ""
    return f'<div class="asl-branches" id="asl-branches">{"".join(figures)}</div>'


def svg(workflow: str, machine: Mapping[str, Any], path: trace.Path) -> str:
    """The machine as diagram's SVG: states on `path` are "taken", where it is "current"."""
    shape = AslShape(workflow.replace(":", "_"), machine)
    out = diagram.svg(shape, relayout=_layout(shape))
    extra: dict[str, list[str]] = {n: ["taken"] for n in path.states}
    if path.current is not None:
        extra[path.current].append("current")
    for name, state in machine.get("States", {}).items():
        if state.get("Type") == "Fail":
            extra.setdefault(name, []).append("fail")
    for name, classes in extra.items():
        out = _add_classes(out, name, " ".join(classes))
    return out


def _add_classes(svg_text: str, state: str, classes: str) -> str:
    """Append `classes` to the class list of `state`'s node in diagram's output."""
    node = f'data-state="{escape(state)}"'
    pattern = re.compile(f'class="(sm-state[^"]*)" {re.escape(node)}')
    return pattern.sub(lambda m: f'class="{m.group(1)} {classes}" {node}', svg_text)


def section(st: ServerState, record: WorkflowRecord) -> str:
    """For an ASL workflow's page: its state diagram with the path it took so far lit."""
    definition = st.app.registry.workflows.get(record.workflow)
    if not isinstance(definition, asl_workflow.AslWorkflow):
        return ""
    machine = definition.machine
    if "StartAt" not in machine:
        return ""
    path = _walk(st, record, machine)
    where = "ended" if path.ended else f"now in {path.current or machine['StartAt']}"
    taken = " → ".join(path.states) or "not started yet"
    return (
        f'<section class="machine asl" id="asl" data-workflow="{escape(record.workflow)}">'
        f"<h2>ASL states of <code>{escape(record.workflow)}</code></h2>"
        f'<p class="muted asl-path">Path: {escape(taken)} ({escape(where)})</p>'
        f'<div class="diagram">{svg(record.workflow, machine, path)}</div>'
        f"{_inner(record.workflow, machine)}</section>"
    )


def _walk(st: ServerState, record: WorkflowRecord, machine: Mapping[str, Any]) -> trace.Path:
    """Replay the recorded effects through the interpreter (nothing runs, nothing is written)."""
    if record.status == "pending" and record.runs == 0:
        return trace.Path([], ended=False)
    try:
        args, _ = serialization.loads_call(record.input)
    except Exception:
        return trace.Path([], ended=False)
    events = st.app.store.load_history(record.id)
    value = args[0] if args else None
    now = None if record.status in _ENDED else st.now()
    path = trace.walk(machine, value, events, execution=record.id, name=record.workflow, now=now)
    if record.status in _ENDED and not path.ended:
        # The walk stopped at an effect it cannot replay (a callback or a child execution):
        # the states after it are unknown, but the workflow is in none of them any more.
        return trace.Path(path.states, ended=True)
    return path


_ENDED = frozenset({"completed", "failed", "cancelled"})
