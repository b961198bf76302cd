"""The dashboard's Intelligence page: remediation rules, their firings, and anomalies drawn.

Rules are those the served app declares plus any other app's found in the store (shown with
their stored state only). Each rule shows its condition, action, cooldown, dry-run flag, its
last evaluation and firing. The firing history is `app.remediations()`. Each telemetry
series with an anomaly in the window is drawn as a line (SVG, no script) with its anomalies
marked in red; without anomalies, the busiest series are drawn so the page shows the data.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from html import escape

from podium.patterns import insight, remediation, telemetry
from podium.server import render
from podium.server.context import ServerState
from podium.store import remediation as remediation_store
from podium.store import telemetry as telemetry_store

WINDOW = 6 * 3600
"""How far back the charts reach (seconds)."""
CHARTS = 8
"""Series drawn at most."""
HISTORY = 100
"""Firings listed."""
WIDTH, HEIGHT, PAD = 640, 120, 6


@dataclasses.dataclass(frozen=True)
class RuleView:
    """A rule as the page shows it (`rule` None: declared by another app)."""

    name: str
    rule: remediation.Rule | None
    state: remediation_store.RuleState | None


@dataclasses.dataclass(frozen=True)
class Chart:
    """One metric series: its points and its anomalies in the window."""

    series: str
    points: list[tuple[float, float]]
    anomalies: list[insight.Anomaly]


@dataclasses.dataclass(frozen=True)
class InsightView:
    """Everything the page shows."""

    rules: list[RuleView]
    decisions: list[remediation.Decision]
    charts: list[Chart]
    anomalies: list[insight.Anomaly]
    now: float


def gather(st: ServerState) -> InsightView:
    """Read the page's data from the served app and its store."""
    app, now = st.app, st.now()
    book = app.store.feature(remediation_store.RemediationStore)
    states = book.rules()
    declared = {r.name: r for r in app.rules.all()}
    if declared:  # a rule's row keeps its last firing; the app's claim row, its last tick
        tick = book.evaluated(list(declared))
        for name, state in states.items():
            if name in declared:
                states[name] = dataclasses.replace(state, tick=tick)
    rules = [
        RuleView(n, declared.get(n), states.get(n)) for n in sorted(set(states) | set(declared))
    ]
    found = app.anomalies(since=now - WINDOW, limit=1000)
    return InsightView(rules, app.remediations(HISTORY), _charts(st, found, now), found, now)


def _metric(series: str) -> tuple[str, Callable[[telemetry.Rollup], float | None], bool] | None:
    base, _, metric = series.rpartition(":")
    for name, value, zero_fill in insight.METRICS.get(base.partition(":")[0], []):
        if name == metric:
            return name, value, zero_fill
    return None


def _charts(st: ServerState, found: list[insight.Anomaly], now: float) -> list[Chart]:
    until = telemetry.minute_of(now)
    rows = st.app.store.feature(telemetry_store.TelemetryStore).rollups(until - WINDOW, until + 60)
    by_series = telemetry.merged(rows)
    marked: dict[str, list[insight.Anomaly]] = {}
    for a in found:
        marked.setdefault(a.series, []).append(a)
    wanted = list(marked)
    if not wanted:  # nothing unusual: draw the busiest series
        busiest = sorted(by_series, key=lambda s: -len(by_series[s]))
        for base in busiest:
            kind = base.partition(":")[0]
            wanted += [f"{base}:{m}" for m, _, _ in insight.METRICS.get(kind, [])[:1]]
    charts = []
    for series in wanted[:CHARTS]:
        metric = _metric(series)
        minutes = by_series.get(series.rpartition(":")[0], {})
        if metric is None:
            continue
        pts = insight.points(minutes, metric[1], metric[2], until)
        charts.append(Chart(series, pts, sorted(marked.get(series, []), key=lambda a: a.at)))
    return charts


# -- HTML -----------------------------------------------------------------------------------


def _ago(moment: float | None, now: float) -> str:
    if moment is None:
        return '<span class="muted">never</span>'
    ago = render.seconds(max(0.0, now - moment))
    return f"{render.iso(moment)} <span class='muted'>({ago} ago)</span>"


def _rule_row(r: RuleView, now: float) -> str:
    state = r.state
    evaluated = None if state is None or state.tick < 0 else state.tick * remediation.TICK
    fired = None if state is None else state.fired_at
    if r.rule is None:
        what = '<td colspan="4" class="muted">declared by another app</td>'
    else:
        rule = r.rule
        left = 0.0 if fired is None else max(0.0, rule.cooldown - (now - fired))
        cooling = f" <span class='muted'>({render.seconds(left)} left)</span>" if left else ""
        dry = '<span class="badge paused">dry run</span>' if rule.dry_run else "acts"
        what = (
            f"<td>{escape(remediation._named(rule.when))}</td><td>{escape(rule.describe())}</td>"
            f"<td>{render.seconds(rule.cooldown) or '0 ms'}{cooling}</td><td>{dry}</td>"
        )
    fires = 0 if state is None else state.fires
    return (
        f'<tr class="rule" data-rule="{escape(r.name)}"><td>{escape(r.name)}</td>{what}'
        f"<td>{_ago(evaluated, now)}</td><td>{_ago(fired, now)}</td>"
        f'<td class="num">{fires}</td></tr>'
    )


def _decision(d: remediation.Decision) -> str:
    dry = ' <span class="badge paused">dry run</span>' if d.dry_run else ""
    failed = " error" if d.result.startswith("failed") else ""
    return (
        f'<tr class="firing" data-rule="{escape(d.rule)}"><td>{render.iso(d.at.timestamp())}</td>'
        f"<td>{escape(d.rule)}{dry}</td><td class='wrap'>{escape(d.condition)}</td>"
        f"<td class='wrap'>{escape(d.action)}</td><td class='wrap{failed}'>{escape(d.result)}</td>"
        "</tr>"
    )


def _table(ident: str, caption: str, head: list[str], rows: list[str], empty: str) -> str:
    cells = "".join(f'<th scope="col">{escape(h)}</th>' for h in head)
    body = "".join(rows) or f'<tr><td colspan="{len(head)}" class="muted">{escape(empty)}</td></tr>'
    return (
        f'<div class="scroll"><table class="workflows" id="{ident}"><caption class="sr-only">'
        f"{escape(caption)}</caption><thead><tr>{cells}</tr></thead><tbody>{body}</tbody>"
        "</table></div>"
    )


def span(chart: Chart, now: float) -> tuple[float, float]:
    """The chart's time axis: from its first point (at most WINDOW back) to this minute."""
    t1 = float(telemetry.minute_of(now))
    times = [t for t, _ in chart.points] + [a.at.timestamp() for a in chart.anomalies]
    return max(t1 - WINDOW, min(times, default=t1 - WINDOW)), t1


def chart_svg(chart: Chart, now: float) -> str:
    """One series as an SVG line over the window, anomalies as red circles with their text."""
    t0, t1 = span(chart, now)
    width = max(t1 - t0, 60.0)
    values = [v for _, v in chart.points] + [a.value for a in chart.anomalies]
    top = max(values, default=1.0) or 1.0

    def xy(t: float, v: float) -> tuple[float, float]:
        x = PAD + (t - t0) / width * (WIDTH - 2 * PAD)
        y = HEIGHT - PAD - v / top * (HEIGHT - 2 * PAD)
        return x, y

    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(t, v) for t, v in chart.points if t >= t0))
    marks = []
    for a in chart.anomalies:
        x, y = xy(max(t0, a.at.timestamp()), a.value)
        marks.append(
            f'<circle class="anomaly" cx="{x:.1f}" cy="{y:.1f}" r="4">'
            f"<title>{escape(a.message)}</title></circle>"
        )
    dots = "".join(marks)
    label = f"{chart.series}: {len(chart.points)} minutes, {len(chart.anomalies)} anomalies"
    return (
        f'<svg class="series" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'data-series="{escape(chart.series)}">'
        f"<title>{escape(label)}</title>"
        f'<polyline class="line" points="{line}"/>{dots}</svg>'
    )


def _axis(chart: Chart, now: float) -> str:
    t0, t1 = span(chart, now)
    first, last = (render.iso(t)[11:16] for t in (t0, t1))
    return f'<div class="chart-axis muted"><span>{first} UTC</span><span>{last} UTC</span></div>'


def _chart(chart: Chart, now: float) -> str:
    latest = chart.points[-1][1] if chart.points else None
    last = "" if latest is None else f" · latest {latest:g}"
    notes = "".join(f"<li>{escape(a.message)}</li>" for a in chart.anomalies[-3:])
    return (
        f'<figure class="chart" data-series="{escape(chart.series)}">'
        f"<figcaption><code>{escape(chart.series)}</code> <span class='muted'>max "
        f"{max((v for _, v in chart.points), default=0):g}{last}</span></figcaption>"
        f"{chart_svg(chart, now)}{_axis(chart, now)}"
        + (f'<ul class="anomaly-notes">{notes}</ul>' if notes else "")
        + "</figure>"
    )


def page(view: InsightView) -> str:
    """The live part of the Intelligence page."""
    rules = _table(
        "rules",
        "Remediation rules",
        [
            "rule",
            "condition",
            "action",
            "cooldown",
            "mode",
            "last evaluated",
            "last fired",
            "fires",
        ],
        [_rule_row(r, view.now) for r in view.rules],
        "No remediation rules (app.remediate(...) declares one).",
    )
    history = _table(
        "firings",
        "Firings, newest first",
        ["at (UTC)", "rule", "condition", "action", "result"],
        [_decision(d) for d in view.decisions],
        "No rule has fired yet.",
    )
    charts = "".join(_chart(c, view.now) for c in view.charts) or (
        '<p class="muted">No telemetry in the last 6 hours (app.telemetry() collects it).</p>'
    )
    summary = (
        f"{len(view.anomalies)} anomal{'y' if len(view.anomalies) == 1 else 'ies'} "
        "in the last 6 hours"
        if view.anomalies
        else "No anomalies in the last 6 hours"
    )
    return (
        '<div data-live="1"><h1>Intelligence</h1>'
        f'<section id="remediation"><h2>Remediation rules</h2>{rules}</section>'
        f'<section id="history"><h2>Firings</h2>{history}</section>'
        f'<section id="anomalies"><h2>Anomalies</h2><p id="anomaly-count">{summary}</p>'
        f'<div class="charts">{charts}</div></section></div>'
    )
