"""A state machine's definition: its transitions, their validation, the pure transition function.

Nothing here touches a store or a clock. `MachineDefinition.decide(state, event, data,
payload)` is the whole transition logic: the first transition for `(event, state)` whose
guard accepts `(data, payload)` wins, and its `update` (if any) computes the new data.
Guards and updates must be deterministic functions of their arguments.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from podium import errors

Guard = Callable[[Any, Any], Any]
"""`guard(data, payload)`: truthy when the transition may fire."""
Update = Callable[[Any, Any], Any]
"""`update(data, payload)`: the instance's data after the transition."""

SPEC_KEYS = frozenset({"event", "source", "target", "guard", "update"})
_MERMAID_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclasses.dataclass(frozen=True)
class Transition:
    """On `event` in state `source`, go to `target` if `guard(data, payload)` holds."""

    event: str
    source: str
    target: str
    guard: Guard | None = None
    update: Update | None = None

    def accepts(self, data: Any, payload: Any) -> bool:
        """True when this transition's guard (if any) lets it fire."""
        return self.guard is None or bool(self.guard(data, payload))

    def apply(self, data: Any, payload: Any) -> Any:
        """The data after this transition: `update(data, payload)`, else unchanged."""
        return data if self.update is None else self.update(data, payload)

    def label(self) -> str:
        """How a diagram labels it: the event, and the guard's name in brackets."""
        if self.guard is None:
            return self.event
        name = getattr(self.guard, "__name__", "guard")
        return f"{self.event} [{'guard' if name == '<lambda>' else name}]"


@dataclasses.dataclass(frozen=True)
class Decision:
    """What an accepted event does: the transition taken and the data after it."""

    transition: Transition
    data: Any

    @property
    def target(self) -> str:
        """The state the instance moves to."""
        return self.transition.target


class MachineDefinition:
    """A validated state machine: states, initial and final states, ordered transitions.

    Invalid definitions raise ConfigurationError naming every problem found.
    """

    def __init__(
        self,
        name: str,
        initial: str,
        transitions: Iterable[Any],
        final: Iterable[str] | str = (),
        states: Iterable[str] | None = None,
    ) -> None:
        self.name = _check_name(name)
        self.initial = _check_state(name, "initial state", initial)
        self.transitions = parse_all(name, transitions)
        finals = [final] if isinstance(final, str) else list(final)
        self.final = frozenset(_check_state(name, "final state", s) for s in finals)
        declared = None if states is None else list(states)
        self.states = _states(initial, self.transitions, declared)
        problems = check(self, declared)
        if problems:
            raise errors.ConfigurationError(
                f"state machine {name!r} is invalid: " + "; ".join(problems)
            )
        self._by_key: dict[tuple[str, str], list[Transition]] = {}
        for t in self.transitions:
            self._by_key.setdefault((t.event, t.source), []).append(t)

    def __repr__(self) -> str:
        return f"<podium state machine {self.name!r}: {len(self.states)} states>"

    @property
    def events(self) -> list[str]:
        """Every event name, in order of first appearance."""
        return list(dict.fromkeys(t.event for t in self.transitions))

    def outgoing(self, state: str) -> list[Transition]:
        """The transitions that leave `state`, in declaration order."""
        return [t for t in self.transitions if t.source == state]

    def decide(self, state: str, event: str, data: Any, payload: Any) -> Decision | None:
        """The pure transition function: what `event` does in `state`, or None if refused."""
        for transition in self._by_key.get((event, state), ()):
            if transition.accepts(data, payload):
                return Decision(transition, transition.apply(data, payload))
        return None

    def to_mermaid(self, highlight: str | None = None) -> str:
        """A Mermaid `stateDiagram-v2` of this machine; `highlight` marks one state."""
        return mermaid(self, highlight)


def parse_all(name: str, specs: Iterable[Any]) -> list[Transition]:
    """Transitions from tuples `(event, source, target[, guard])` or dicts.

    A dict takes the keys event, source, target, guard and update. A source may be a list
    of states: one transition from each. ConfigurationError names the bad entry.
    """
    if isinstance(specs, str | bytes | Mapping) or not isinstance(specs, Iterable):
        raise errors.ConfigurationError(
            f"state machine {name!r}: transitions must be a list of (event, source, target) "
            f"tuples or dicts, not {specs!r}"
        )
    parsed = [t for index, spec in enumerate(specs) for t in parse(name, index, spec)]
    if not parsed:
        raise errors.ConfigurationError(f"state machine {name!r} needs at least one transition")
    return parsed


def parse(name: str, index: int, spec: Any) -> list[Transition]:
    """One transition spec (tuple or dict) as Transitions; ConfigurationError if malformed."""
    where = f"state machine {name!r} transition #{index} {spec!r}"
    if isinstance(spec, Mapping):
        unknown = set(spec) - SPEC_KEYS
        if unknown or not {"event", "source", "target"} <= set(spec):
            raise errors.ConfigurationError(
                f"{where}: a dict needs the keys event, source, target (optional: guard, "
                f"update); unknown keys: {sorted(map(str, unknown))}"
            )
        fields = [spec["event"], spec["source"], spec["target"]]
        guard, update = spec.get("guard"), spec.get("update")
    elif isinstance(spec, tuple | list) and len(spec) in (3, 4):
        fields = list(spec[:3])
        guard, update = (spec[3] if len(spec) == 4 else None), None
    else:
        raise errors.ConfigurationError(
            f"{where}: write (event, source, target), (event, source, target, guard) or "
            "{'event': ..., 'source': ..., 'target': ..., 'guard': ...}"
        )
    event, sources, target = fields
    sources = list(sources) if isinstance(sources, list | tuple) else [sources]
    for value in (event, target, *sources):
        if not isinstance(value, str) or not value:
            raise errors.ConfigurationError(f"{where}: {value!r} must be a non-empty string")
    for what, fn in (("guard", guard), ("update", update)):
        if fn is not None and not callable(fn):
            raise errors.ConfigurationError(f"{where}: {what} {fn!r} must be a function")
    return [Transition(event, source, target, guard, update) for source in sources]


def check(machine: MachineDefinition, declared: list[str] | None) -> list[str]:
    """Every problem of a parsed machine, worded for the user ([] when it is valid)."""
    return [
        *_unknown_states(machine, declared),
        *_duplicates(machine.transitions),
        *_final_problems(machine),
        *_unreachable(machine),
    ]


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name or ":" in name:
        raise errors.ConfigurationError(
            f"state machine name {name!r} must be a non-empty string without ':'"
        )
    return name


def _check_state(machine: str, what: str, state: Any) -> str:
    if not isinstance(state, str) or not state:
        raise errors.ConfigurationError(
            f"state machine {machine!r}: {what} {state!r} must be a non-empty string"
        )
    return state


def _states(initial: str, transitions: list[Transition], declared: list[str] | None) -> list[str]:
    """All states in a stable order: declared ones, else initial then as transitions name them."""
    found = [initial, *(s for t in transitions for s in (t.source, t.target))]
    return list(dict.fromkeys(declared if declared is not None else found))


def _unknown_states(machine: MachineDefinition, declared: list[str] | None) -> list[str]:
    known = set(machine.states)
    problems = []
    if declared is not None:
        used = [machine.initial, *(s for t in machine.transitions for s in (t.source, t.target))]
        for state in dict.fromkeys(s for s in used if s not in known):
            problems.append(f"unknown state {state!r} (states= declares {sorted(known)})")
    for state in sorted(machine.final - known):
        problems.append(f"unknown final state {state!r} (no transition reaches it)")
    return problems


def _duplicates(transitions: list[Transition]) -> list[str]:
    """An unguarded transition for (event, source) leaves later ones for it unreachable."""
    problems = []
    unguarded: set[tuple[str, str]] = set()
    for t in transitions:
        if (t.event, t.source) in unguarded:
            problems.append(
                f"duplicate transition for event {t.event!r} from state {t.source!r} (an "
                "earlier one without a guard always wins; give the earlier one a guard)"
            )
        elif t.guard is None:
            unguarded.add((t.event, t.source))
    return problems


def _final_problems(machine: MachineDefinition) -> list[str]:
    problems = []
    for state in machine.states:
        leaving = machine.outgoing(state)
        if state in machine.final and leaving:
            events = ", ".join(repr(t.event) for t in leaving)
            problems.append(f"final state {state!r} has outgoing transitions ({events})")
        elif state not in machine.final and not leaving:
            problems.append(
                f"state {state!r} has no outgoing transitions; declare it in final= if the "
                "machine ends there"
            )
    return problems


def _unreachable(machine: MachineDefinition) -> list[str]:
    seen = {machine.initial}
    frontier = [machine.initial]
    while frontier:
        state = frontier.pop()
        for t in machine.outgoing(state):
            if t.target not in seen:
                seen.add(t.target)
                frontier.append(t.target)
    lost = [s for s in machine.states if s not in seen]
    if not lost:
        return []
    return [f"unreachable state(s) {lost!r}: no path leads there from {machine.initial!r}"]


def mermaid(machine: MachineDefinition, highlight: str | None = None) -> str:
    """Render `machine` as Mermaid `stateDiagram-v2` text (names that are not ids get aliases)."""
    ids = _mermaid_ids(machine.states)
    lines = ["stateDiagram-v2"]
    lines += [f'    state "{_escape(s)}" as {ids[s]}' for s in machine.states if ids[s] != s]
    lines.append(f"    [*] --> {ids[machine.initial]}")
    for t in machine.transitions:
        lines.append(f"    {ids[t.source]} --> {ids[t.target]} : {_escape(t.label())}")
    lines += [f"    {ids[s]} --> [*]" for s in machine.states if s in machine.final]
    if highlight is not None and highlight in ids:
        lines.append("    classDef current fill:#fde68a,stroke:#b45309,stroke-width:2px")
        lines.append(f"    class {ids[highlight]} current")
    return "\n".join(lines) + "\n"


def _mermaid_ids(states: list[str]) -> dict[str, str]:
    """A Mermaid id per state: the name itself when it is one, else an unused alias."""
    taken = set(states)
    ids = {}
    for index, state in enumerate(states):
        alias = state
        if not _MERMAID_ID.match(state) or state == "state":
            alias = f"s{index}"
            while alias in taken:
                alias += "_"
            taken.add(alias)
        ids[state] = alias
    return ids


def _escape(text: str) -> str:
    """Mermaid entity codes for the characters that would end a name or a label."""
    return text.replace("#", "#35;").replace('"', "#quot;").replace(":", "#58;").replace("\n", " ")
