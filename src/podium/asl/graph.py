"""A state machine as a Mermaid flowchart (for `podium asl graph` and the dashboard)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any


def mermaid(machine: Mapping[str, Any], taken: Iterable[str] = ()) -> str:
    """Mermaid `flowchart TD` text; states named in `taken` are highlighted."""
    lines = ["flowchart TD", f"    __start__(( )) --> {_id(machine['StartAt'])}"]
    lines.extend(_states(machine, ""))
    path = [_id(name) for name in taken]
    if path:
        lines.append("    classDef taken fill:#d4f7d4,stroke:#2a2")
        lines.append(f"    class {','.join(path)} taken")
    return "\n".join(lines) + "\n"


def _states(machine: Mapping[str, Any], prefix: str) -> Iterable[str]:
    for name, state in machine.get("States", {}).items():
        node = _id(prefix + name)
        kind = state.get("Type", "?")
        label = f"{name}<br/><small>{kind}</small>".replace('"', "'")
        shape = (
            ("{{", "}}")
            if kind == "Choice"
            else ("([", "])")
            if kind in ("Succeed", "Fail")
            else ("[", "]")
        )
        yield f'    {node}{shape[0]}"{label}"{shape[1]}'
        if state.get("End") or kind in ("Succeed", "Fail"):
            yield f"    {node} --> __end__(( ))"
        if "Next" in state:
            yield f"    {node} --> {_id(prefix + state['Next'])}"
        for rule in state.get("Choices", []):
            yield f"    {node} -->|rule| {_id(prefix + rule['Next'])}"
        if "Default" in state:
            yield f"    {node} -->|default| {_id(prefix + state['Default'])}"
        for catcher in state.get("Catch", []):
            errors = ",".join(catcher.get("ErrorEquals", []))
            yield f'    {node} -.->|"{errors}"| {_id(prefix + catcher["Next"])}'
        subs = list(state.get("Branches", []))
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                subs.append(state[key])
        for index, sub in enumerate(subs):
            inner = f"{prefix}{name}/{index}/"
            yield f'    subgraph {_id(inner)}["{name} branch {index}"]'
            yield from (f"    {line}" for line in _states(sub, inner))
            yield "    end"
            yield f"    {node} -.-> {_id(inner + sub['StartAt'])}"


def _id(name: str) -> str:
    return "s_" + re.sub(r"[^A-Za-z0-9_]", lambda m: f"_{ord(m.group()):x}_", name)
