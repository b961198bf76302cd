"""An ASL workflow's states on its dashboard page, drawn by `diagram`, with the ran Tasks lit.

History records only effects, not state entries: each Task's step is named after its
resource (`<workflow>:<resource without the ARN prefix>` for plain functions), so the states
lit are the Task states whose resource's step ran (completed or failed). Pass, Choice and
end states leave no trace and are never lit; two Tasks on one resource light together.
Only the top level is drawn (Parallel/Map branches are not expanded).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from podium.patterns.machinedef import MachineDefinition, Transition
from podium.server import diagram
from podium.server.context import ServerState

_ARN = re.compile(r"^arn:aws:[a-z]+:[^:]*:[^:]*:")


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


def ran_tasks(machine: Mapping[str, Any], workflow: str, step_names: Iterable[str]) -> list[str]:
    """The Task states whose resource's step appears in `step_names`."""
    ran = set(step_names)
    out = []
    for name, state in machine.get("States", {}).items():
        resource = state.get("Resource")
        if state.get("Type") != "Task" or not isinstance(resource, str):
            continue
        short = _ARN.sub("", resource)
        if ran & {f"{workflow}:{short}", resource, short}:
            out.append(name)
    return out


def svg(workflow: str, machine: Mapping[str, Any], lit: Iterable[str]) -> str:
    """The machine as diagram's SVG; `lit` states get "current taken", Fail states "fail"."""
    out = diagram.svg(AslShape(workflow.replace(":", "_"), machine))
    extra: dict[str, list[str]] = {n: ["current", "taken"] for n in lit}
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


def section(st: ServerState, workflow: str, workflow_id: str) -> str:
    """For an ASL workflow's page: its state diagram with the Task states that ran lit."""
    definition = st.app.registry.workflows.get(workflow)
    machine = getattr(definition, "asl_definition", None)
    if not isinstance(machine, Mapping) or "StartAt" not in machine:
        return ""
    history = st.app.store.load_history(workflow_id)
    steps = [e.name for e in history if e.kind == "step" and e.status in ("completed", "failed")]
    lit = ran_tasks(machine, workflow, steps)
    return (
        f'<section class="machine asl" id="asl" data-workflow="{escape(workflow)}">'
        f"<h2>ASL states of <code>{escape(workflow)}</code></h2>"
        f'<p class="muted">Highlighted: the Task states whose step ran '
        f"({escape(', '.join(lit)) or 'none yet'}); other states leave no trace in the "
        f"history.</p>"
        f'<div class="diagram">{svg(workflow, machine, lit)}</div></section>'
    )
