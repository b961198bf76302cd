"""A Python workflow's steps and children as a DAG, drawn from its history as inline SVG.

Positions run top to bottom in history order. Children created one after another (a fan-out:
`step.submit`, `start_child`, `map`) sit side by side in one row, each an edge out of the
position before them and a link to the child's page; a gather that recorded which children it
joined (see podium.patterns.fanout) draws an edge in from each of them. A history with a
gather recorded before gathers named their children is drawn as a plain sequence instead,
since which children each gather joined is not known. A saga's unwinding (its "saga" record
and the compensations after it) is drawn inside a band, each compensation labelled with the
step it undoes (see podium.server.unwind).
"""

from __future__ import annotations

import dataclasses
import urllib.parse
from collections.abc import Callable
from html import escape
from typing import Any

from podium.patterns import fanout
from podium.server import render, unwind

SIDE = 8
"""Children of one fan-out drawn side by side; the rest share one "+N more" node."""
MIN_NODES = 2
"""Fewer positions than this draw no graph (one step says nothing a graph could add)."""
MAX_ROWS = 60
"""Rows drawn at most; the positions after them share one "+N more positions" box."""
CHAR, BOX_H, GAP_X, GAP_Y, PAD, BAND_LEFT, UNDO_GAP = 7.0, 30.0, 16.0, 36.0, 16.0, 96.0, 14.0


@dataclasses.dataclass
class Node:
    """One box: a history position, a child, or the "+N more" children of a fan-out."""

    key: str
    label: str
    kind: str
    status: str
    title: str
    href: str | None = None
    ref: str | None = None
    """A child's workflow id."""
    count: int = 1
    x: float = 0.0
    y: float = 0.0
    row: int = 0

    @property
    def w(self) -> float:
        """The box's width (from its label)."""
        return max(56.0, len(self.label) * CHAR + 22)


@dataclasses.dataclass
class Graph:
    """Rows of nodes top to bottom, the edges between them, and the unwinding bands."""

    rows: list[list[Node]]
    edges: list[tuple[str, str]]
    sequence: bool
    """Drawn as a plain sequence (the history predates recorded joins)."""
    bands: list[tuple[int, int, str]]
    """(first row, last row, caption) of each saga's unwinding."""
    undone: list[tuple[str, str]]
    """(compensation, the forward step it undoes) of each compensation drawn."""

    def nodes(self) -> dict[str, Node]:
        """Every node by key."""
        return {n.key: n for row in self.rows for n in row}


Lookup = Callable[[list[str]], dict[str, str]]
"""Child workflow ids -> their statuses (those that exist)."""


def link(workflow_id: str) -> str:
    """The dashboard page of a workflow."""
    return "/dashboard/workflows/" + urllib.parse.quote(workflow_id, safe="")


def _events(data: dict[str, Any], now: float | None) -> list[dict[str, Any]]:
    """History positions, plus a "retrying" one for a step that has only failed attempts.

    A timer whose moment has passed by `now` shows as fired, as in the timeline.
    """
    events = list(data.get("history") or [])
    if now is not None:
        events = [render.timer_state(e, now) for e in events]
    seen = {e["seq"] for e in events}
    for a in data.get("attempts") or []:
        if a["seq"] not in seen:
            seen.add(a["seq"])
            events.append(
                {"seq": a["seq"], "kind": "step", "name": a["name"], "status": "retrying"}
            )
    return sorted(events, key=lambda e: int(e["seq"]))


def _child_id(event: dict[str, Any], parent: str) -> str:
    payload = event.get("payload")
    if isinstance(payload, dict) and isinstance(payload.get("id"), str):
        return str(payload["id"])
    return f"{parent}/{event['seq']}"


def _joined(event: dict[str, Any], seq_of: dict[str, int]) -> list[int] | None:
    """The child positions a wait joined: a gather's, or those a `map` window saw end."""
    payload = event.get("payload")
    if event["kind"] == "gather":
        return fanout.joined(payload)
    if event["kind"] == "map" and isinstance(payload, dict) and "done" in payload:
        return [seq_of[i] for i in payload["done"] if i in seq_of]
    return None


def _node(event: dict[str, Any], undo: dict[int, unwind.Undo]) -> Node:
    """The box of one position on the main line."""
    seq, kind, name = int(event["seq"]), str(event["kind"]), str(event["name"])
    status = str(event.get("status", ""))
    title = f"#{seq} {kind} {name}: {status}"
    if seq in undo:
        u = undo[seq]
        at = "" if u.step_seq is None else f" #{u.step_seq}"
        return Node(f"p{seq}", f"undo {u.step}{at}", "compensation", status, u.label())
    if kind == "gather":
        joined = fanout.joined(event.get("payload"))
        label = "gather" if joined is None else f"gather ({len(joined)})"
        return Node(f"p{seq}", label, kind, status, title)
    if kind == "saga":
        return Node(f"p{seq}", "unwind", kind, status, title)
    if kind == "map":  # a window of `map(max_concurrency=...)`: some children ended
        return Node(f"p{seq}", "map window", kind, status, title)
    label = name if kind in ("step", name) else f"{kind} {name}"
    return Node(f"p{seq}", label, kind, status, title)


def build(data: dict[str, Any], now: float | None = None) -> Graph:
    """The DAG of a workflow's detail (podium.server.api.detail with its `children`).

    With `now`, timers whose moment has passed are drawn as fired.
    """
    events = _events(data, now)
    kids = {c["id"]: c for c in data.get("children") or []}
    undo = unwind.undos(events)
    sequence = any(
        e["kind"] == "gather"
        and e.get("status") in ("completed", "failed")
        and fanout.joined(e.get("payload")) is None
        for e in events
    )
    rows: list[list[Node]] = []
    edges: list[tuple[str, str]] = []
    where: dict[int, str] = {}  # child position -> the node drawing it
    seq_of: dict[str, int] = {}  # child id -> its position
    fork: dict[int, str | None] = {}  # child position -> the main-line node before it
    status = str(data.get("status", ""))
    start = Node("start", str(data["workflow"]), "start", status, f"{data['workflow']} started")
    rows.append([start])
    spine: str | None = start.key
    group: list[Node] | None = None

    def edge(a: str | None, b: str) -> None:
        if a is not None and (a, b) not in edges:
            edges.append((a, b))

    left_out = 0
    for event in events:
        seq = int(event["seq"])
        if len(rows) >= MAX_ROWS and not (event["kind"] == "child" and group is not None):
            left_out += 1
            continue
        if event["kind"] == "child" and not sequence:
            if group is None:
                group = []
                rows.append(group)
            node = _child(event, data["id"], kids, group)
            where[seq], fork[seq] = node.key, spine
            seq_of[_child_id(event, data["id"])] = seq
            edge(spine, node.key)
            continue
        group = None
        if event["kind"] == "child":  # drawn as a sequence: a child is one more box in line
            node = _child(event, data["id"], kids, [])
        else:
            node = _node(event, undo)
        rows.append([node])
        joined = None if sequence else _joined(event, seq_of)
        if joined is not None:
            for child in joined:
                edge(where.get(child), node.key)
            if spine not in {fork.get(c) for c in joined}:
                edge(spine, node.key)  # the main line went on while the children ran
        else:
            edge(spine, node.key)
        spine = node.key
    if left_out:
        title = f"{left_out} more positions: see the event history"
        rows.append([Node("rest", f"+{left_out} more positions", "more", "", title)])
        edge(spine, "rest")
    elif status in ("completed", "failed", "cancelled"):
        rows.append([Node("end", status, "end", status, f"the workflow {status}")])
        edge(spine, "end")
    for row_index, row in enumerate(rows):
        for n in row:
            n.row = row_index
    drawn = {n.key for row in rows for n in row}
    undone = [
        (f"p{u.seq}", f"p{u.step_seq}")
        for u in undo.values()
        if f"p{u.seq}" in drawn and f"p{u.step_seq}" in drawn
    ]
    return Graph(rows, edges, sequence, _bands(rows, events), undone)


def _child(
    event: dict[str, Any], parent: str, kids: dict[str, dict[str, Any]], group: list[Node]
) -> Node:
    """A child's box in its fan-out row (or the row's "+N more" box once it is full)."""
    child_id = _child_id(event, parent)
    status = str(kids.get(child_id, {}).get("status", ""))
    name = str(event["name"]).removeprefix(fanout.RUNNER_PREFIX)
    if len(group) >= SIDE:
        more = group[-1]
        if more.kind != "more":
            more = Node(f"more{event['seq']}", "", "more", "", "", count=0)
            more.href = "/dashboard?" + urllib.parse.urlencode({"parent": parent})
            group.append(more)
        more.count += 1
        more.label = f"+{more.count} more"
        more.title = f"{more.count} more children: list them"
        return more
    node = Node(f"c{event['seq']}", name, "child", status, f"child {child_id}: {status}")
    node.href, node.ref = link(child_id), child_id
    group.append(node)
    return node


def _bands(rows: list[list[Node]], events: list[dict[str, Any]]) -> list[tuple[int, int, str]]:
    row_of = {n.key: n.row for row in rows for n in row}
    out = []
    for band in unwind.bands(events):
        drawn = [row_of[f"p{s}"] for s in band.positions if f"p{s}" in row_of]
        if drawn:
            out.append((min(drawn), max(drawn), band.heading()))
    return out


def _place(graph: Graph) -> tuple[float, float]:
    """Give every node its x and y (rows centred); return the drawing's width and height."""
    left = PAD + (BAND_LEFT if graph.bands else 0.0)
    widths = [sum(n.w for n in row) + GAP_X * (len(row) - 1) for row in graph.rows]
    inner = max(widths, default=0.0)
    for row, width in zip(graph.rows, widths, strict=True):
        x = left + (inner - width) / 2
        for n in row:
            n.x, n.y = x, PAD + n.row * (BOX_H + GAP_Y)
            x += n.w + GAP_X
    right = UNDO_GAP * (len(graph.undone) + 1) if graph.undone else 0.0
    return left + inner + right + PAD, PAD + len(graph.rows) * (BOX_H + GAP_Y) - GAP_Y + PAD


def _undo(a: Node, b: Node, depth: int, rows: list[list[Node]]) -> str:
    """A compensation's dashed arc up to the step it undoes, right of the rows between."""
    edge = max(n.x + n.w for row in rows[b.row : a.row + 1] for n in row)
    side = edge + UNDO_GAP * (depth + 1)
    y0, y1 = a.y + BOX_H / 2, b.y + BOX_H / 2
    x0, x1 = a.x + a.w, b.x + b.w
    d = (
        f"M{x0:.1f},{y0:.1f} C{side:.1f},{y0:.1f} {side:.1f},{y0:.1f} {side:.1f},{y0 - 12:.1f} "
        f"L{side:.1f},{y1 + 12:.1f} C{side:.1f},{y1:.1f} {side:.1f},{y1:.1f} {x1:.1f},{y1:.1f}"
    )
    return (
        f'<path class="dag-undo" data-from="{a.key}" data-to="{b.key}" d="{d}" '
        'marker-end="url(#dag-undo-arrow)"/>'
    )


def _edge(
    a: Node, b: Node, rows: list[list[Node]], slot: tuple[int, int] = (0, 1), lane: int = 0
) -> str:
    """An edge from `a`'s bottom into `b`'s top, at entry `slot` (index, count) of `b`'s.

    An edge that skips rows goes round them on the left, in `lane` (0-2) of three lanes so
    that several such edges do not draw over each other.
    """
    x0, y0, y1 = a.x + a.w / 2, a.y + BOX_H, b.y
    x1 = b.x + b.w * (slot[0] + 1) / (slot[1] + 1)
    if b.row - a.row > 1:
        side = min(n.x for row in rows[a.row + 1 : b.row] for n in row) - 8 - 4 * (lane % 3)
        side = max(2.0, min(side, x0 - 10, x1 - 10))
        d = (
            f"M{x0:.1f},{y0:.1f} C{x0:.1f},{y0 + 18:.1f} {side:.1f},{y0 + 8:.1f} "
            f"{side:.1f},{y0 + GAP_Y:.1f} L{side:.1f},{y1 - GAP_Y:.1f} "
            f"C{side:.1f},{y1 - 8:.1f} {x1:.1f},{y1 - 18:.1f} {x1:.1f},{y1:.1f}"
        )
    else:
        d = f"M{x0:.1f},{y0:.1f} L{x1:.1f},{y1:.1f}"
    return (
        f'<path class="dag-edge" data-from="{a.key}" data-to="{b.key}" d="{d}" '
        'marker-end="url(#dag-arrow)"/>'
    )


def _box(n: Node) -> str:
    classes = f"dag-node {escape(n.kind)} {escape(n.status)}"
    body = (
        f"<title>{escape(n.title)}</title>"
        f'<rect x="{n.x:.1f}" y="{n.y:.1f}" width="{n.w:.1f}" height="{BOX_H:.1f}" rx="6"/>'
        f'<text x="{n.x + n.w / 2:.1f}" y="{n.y + BOX_H / 2 + 4:.1f}" text-anchor="middle">'
        f"{escape(n.label)}</text>"
    )
    if n.href is not None:
        body = f'<a href="{escape(n.href)}" class="dag-link">{body}</a>'
    return f'<g class="{classes}" data-node="{n.key}">{body}</g>'


def svg(graph: Graph, name: str) -> str:
    """The graph as an inline `<svg>`."""
    width, height = _place(graph)
    nodes = graph.nodes()
    bands = "".join(
        f'<g class="unwind-band" data-rows="{first}-{last}"><title>{escape(caption)}</title>'
        f'<rect x="{PAD / 2:.1f}" y="{PAD + first * (BOX_H + GAP_Y) - 10:.1f}" '
        f'width="{width - PAD:.1f}" height="{(last - first) * (BOX_H + GAP_Y) + BOX_H + 20:.1f}" '
        f'rx="8"/><text x="{PAD:.1f}" y="{PAD + first * (BOX_H + GAP_Y) + 8:.1f}">unwinding</text>'
        f'<text x="{PAD:.1f}" y="{PAD + first * (BOX_H + GAP_Y) + 24:.1f}">newest first</text>'
        "</g>"
        for first, last, caption in graph.bands
    )
    into: dict[str, list[str]] = {}
    for a, b in graph.edges:
        into.setdefault(b, []).append(a)
    into = {b: sorted(srcs, key=lambda k: nodes[k].x) for b, srcs in into.items()}
    skips = [(a, b) for a, b in graph.edges if nodes[b].row - nodes[a].row > 1]
    edges = "".join(
        _edge(
            nodes[a],
            nodes[b],
            graph.rows,
            (into[b].index(a), len(into[b])),
            skips.index((a, b)) if (a, b) in skips else 0,
        )
        for a, b in graph.edges
    )
    edges += "".join(
        _undo(nodes[a], nodes[b], depth, graph.rows) for depth, (a, b) in enumerate(graph.undone)
    )
    boxes = "".join(_box(n) for n in nodes.values())
    label = f"steps and children of {name}"
    return (
        f'<svg class="dag" xmlns="http://www.w3.org/2000/svg" role="group" '
        f'aria-label="{escape(label)}" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}"><title>{escape(label)}</title>'
        '<defs><marker id="dag-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>'
        '<marker id="dag-undo-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>'
        f"</defs>{bands}{edges}{boxes}</svg>"
    )


def section(data: dict[str, Any], statuses: Lookup | None = None, now: float | None = None) -> str:
    """The graph section of a Python workflow's page ("" when it has too little to draw).

    `statuses` looks up the status of drawn children missing from `data["children"]` (the
    page lists only the first ones) in one query.
    """
    graph = build(data, now)
    positions = [n for row in graph.rows for n in row if n.kind not in ("start", "end")]
    if len(positions) < MIN_NODES:
        return ""
    unknown = [n for row in graph.rows for n in row if n.ref is not None and not n.status]
    if unknown and statuses is not None:
        found = statuses([str(n.ref) for n in unknown])
        for n in unknown:
            n.status = found.get(str(n.ref), "")
            n.title = f"child {n.ref}: {n.status or 'not found'}"
    note = (
        '<p class="muted" id="dag-sequence">Drawn as a sequence: this history was recorded '
        "before gathers named the children they joined.</p>"
        if graph.sequence
        else ""
    )
    return (
        f'<section class="dag-graph" id="graph"><h2>Graph</h2>{note}'
        f'<div class="diagram">{svg(graph, str(data["workflow"]))}</div></section>'
    )
