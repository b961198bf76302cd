"""A state machine drawn as inline SVG: boxes for states, arrows labelled with their events.

The layout is layered: the initial state on the left, every other state in the column of its
breadth-first distance from it (unreachable states in a last column). Forward arrows are
straight; arrows back, within a column, or to the same state are curves below the boxes.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import deque
from html import escape

from podium.patterns.machinedef import MachineDefinition

CHAR = 7.2
"""Approximate width of one character of the diagram's 12px font."""
BOX_H, GAP_X, GAP_Y, PAD = 30.0, 90.0, 46.0, 20.0


@dataclasses.dataclass(frozen=True)
class Box:
    """Where one state sits."""

    x: float
    y: float
    w: float
    layer: int

    @property
    def mid_y(self) -> float:
        """The vertical centre."""
        return self.y + BOX_H / 2


def layers(definition: MachineDefinition) -> dict[str, int]:
    """Each state's column: its breadth-first distance from the initial state."""
    found = {definition.initial: 0}
    todo = deque([definition.initial])
    while todo:
        state = todo.popleft()
        for t in definition.outgoing(state):
            if t.target not in found:
                found[t.target] = found[state] + 1
                todo.append(t.target)
    last = max(found.values()) + 1
    return {s: found.get(s, last) for s in _ordered(definition)}


def _ordered(definition: MachineDefinition) -> list[str]:
    """States in order of first mention (initial first), then any declared-only ones."""
    seen = [definition.initial]
    for t in definition.transitions:
        seen += [t.source, t.target]
    seen += sorted(definition.states)
    return list(dict.fromkeys(seen))


def layout(definition: MachineDefinition) -> dict[str, Box]:
    """A box per state, column by column."""
    by_layer: dict[int, list[str]] = {}
    for state, layer in layers(definition).items():
        by_layer.setdefault(layer, []).append(state)
    boxes: dict[str, Box] = {}
    x = PAD
    for layer in sorted(by_layer):
        names = by_layer[layer]
        width = max(len(n) for n in names) * CHAR + 28
        for row, name in enumerate(names):
            boxes[name] = Box(x, PAD + row * (BOX_H + GAP_Y), width, layer)
        x += width + GAP_X
    return boxes


def _edges(definition: MachineDefinition) -> dict[tuple[str, str], list[str]]:
    """Transitions grouped by (source, target), each with its labels."""
    edges: dict[tuple[str, str], list[str]] = {}
    for t in definition.transitions:
        labels = edges.setdefault((t.source, t.target), [])
        if t.label() not in labels:
            labels.append(t.label())
    return edges


def _label(x: float, y: float, text: str, anchor: str = "middle") -> str:
    where = f'x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"'
    return f'<text class="sm-event" {where}>{escape(text)}</text>'


def _path(points: list[tuple[float, float]], cls: str, marker: str) -> str:
    (x0, y0), *rest = points
    verb = "L" if len(rest) == 1 else "C"
    tail = " ".join(f"{x:.1f},{y:.1f}" for x, y in rest)
    return f'<path class="{cls}" d="M{x0:.1f},{y0:.1f} {verb}{tail}" marker-end="url(#{marker})"/>'


def _edge(a: Box, b: Box, text: str, marker: str, bend: int) -> str:
    if a is b:  # a loop above the box
        x0, x1, y = a.x + a.w * 0.35, a.x + a.w * 0.65, a.y
        loop = [(x0, y), (x0 - 12, y - 34), (x1 + 12, y - 34), (x1, y)]
        return _path(loop, "sm-edge loop", marker) + _label(a.x + a.w / 2, y - 28, text)
    if b.layer > a.layer:  # forward: straight, right side to left side
        x0, y0, x1, y1 = a.x + a.w, a.mid_y, b.x, b.mid_y
        line = _path([(x0, y0), (x1, y1)], "sm-edge", marker)
        return line + _label((x0 + x1) / 2, (y0 + y1) / 2 - 5, text)
    if b.layer == a.layer:  # same column: straight down/up to a neighbour, else arc right
        return _sideways(a, b, text, marker)
    x0, y0 = a.x + a.w * 0.3, a.y + BOX_H  # back: a curve below the boxes
    x1, y1 = b.x + b.w * 0.75, b.y + BOX_H
    dip = max(y0, y1) + 26 + 16 * bend
    curve = _path([(x0, y0), (x0, dip), (x1, dip), (x1, y1)], "sm-edge back", marker)
    return curve + _label((x0 + x1) / 2, (y0 + y1) / 8 + dip * 3 / 4 + 12, text)


def _sideways(a: Box, b: Box, text: str, marker: str) -> str:
    x = a.x + a.w / 2
    if abs(a.y - b.y) <= BOX_H + GAP_Y:
        down = b.y > a.y
        y0, y1 = (a.y + BOX_H, b.y) if down else (a.y, b.y + BOX_H)
        line = _path([(x, y0), (x, y1)], "sm-edge", marker)
        return line + _label(x + 6, (y0 + y1) / 2 + 4, text, "start")
    right = a.x + a.w
    arc = [(right, a.mid_y), (right + 44, a.mid_y), (right + 44, b.mid_y), (right, b.mid_y)]
    return _path(arc, "sm-edge", marker) + _label(right + 40, (a.mid_y + b.mid_y) / 2, text)


def _node(name: str, box: Box, definition: MachineDefinition, highlight: str | None) -> str:
    classes = ["sm-state"]
    if name == definition.initial:
        classes.append("initial")
    if name in definition.final:
        classes.append("final")
    if name == highlight:
        classes.append("current")
    inner = ""
    if name in definition.final:  # a double border marks a final state
        inner = (
            f'<rect class="sm-inner" x="{box.x + 3:.1f}" y="{box.y + 3:.1f}" '
            f'width="{box.w - 6:.1f}" height="{BOX_H - 6:.1f}" rx="4"/>'
        )
    return (
        f'<g class="{" ".join(classes)}" data-state="{escape(name)}">'
        f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.1f}" height="{BOX_H:.1f}" rx="6"/>'
        f'{inner}<text x="{box.x + box.w / 2:.1f}" y="{box.mid_y + 4:.1f}" '
        f'text-anchor="middle">{escape(name)}</text></g>'
    )


def svg(
    definition: MachineDefinition, highlight: str | None = None, relayout: str | None = None
) -> str:
    """The machine as an inline `<svg>`; `highlight` (the current state) is filled.

    Each transition is a `g.sm-transition` with `data-from`/`data-to`, so a browser-side
    layout (`relayout="dagre"`: podium.js lays large ASL graphs out again with the vendored
    dagre) can place states and route edges anew; this layout is what shows without it.
    """
    boxes = layout(definition)
    marker = "sm-arrow-" + hashlib.sha1(definition.name.encode()).hexdigest()[:10]
    edges = []
    bends: dict[int, int] = {}
    for (source, target), labels in _edges(definition).items():
        a, b = boxes[source], boxes[target]
        bend = 0
        if b.layer < a.layer:
            bend = bends[a.layer] = bends.get(a.layer, -1) + 1
        edges.append(
            f'<g class="sm-transition" data-from="{escape(source)}" data-to="{escape(target)}">'
            f"{_edge(a, b, ', '.join(labels), marker, bend)}</g>"
        )
    nodes = "".join(_node(n, b, definition, highlight) for n, b in boxes.items())
    width = max(b.x + b.w for b in boxes.values()) + PAD
    height = (
        max(b.y for b in boxes.values()) + BOX_H + PAD + 30 + 16 * max(bends.values(), default=0)
    )
    marked = "" if relayout is None else f' data-layout="{escape(relayout)}"'
    return (
        f'<svg class="sm-diagram"{marked} xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="state machine {escape(definition.name)}" width="{width:.0f}" '
        f'height="{height + 30:.0f}" viewBox="0 -30 {width:.0f} {height + 30:.0f}">'
        f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>'
        f"</defs>{''.join(edges)}{nodes}</svg>"
    )
