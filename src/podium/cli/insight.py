"""`podium anomalies`, `podium remediations`, `podium scale`: findings, decisions, workers."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json

from podium.app import App
from podium.cli import common


def add(commands: common.Subcommands) -> None:
    """Add the anomalies and scale commands."""
    parser = common.subparser(
        commands, "anomalies", "List the anomalies found in the telemetry", ANOMALIES
    )
    parser.add_argument("--since", metavar="ISO", help="only those at or after this time")
    common.count_option(parser, "--limit", 100, "N", "show at most N (default 100)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    common.store_option(parser)
    parser.set_defaults(command=cmd_anomalies)
    parser = common.subparser(
        commands, "remediations", "List the decisions of the remediation rules", REMEDIATIONS
    )
    common.count_option(parser, "--limit", 100, "N", "show at most N (default 100)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    common.store_option(parser)
    parser.set_defaults(command=cmd_remediations)
    parser = common.subparser(commands, "scale", "Print each queue's desired workers", SCALE)
    common.app_argument(parser)
    parser.add_argument("--json", action="store_true", help="the advice as one JSON object")
    common.store_option(parser, app_default=True)
    parser.set_defaults(command=cmd_scale)


ANOMALIES = """\
Each line: when, score, and a sentence naming the series, its value and what was
expected. Needs the app to collect telemetry (app.telemetry()).

example: podium anomalies --since 2024-05-01T14:00:00+00:00"""
REMEDIATIONS = """\
Each line: when, the rule, what it did (or, in a dry run, would have done), why,
and the result. Rules are declared with app.remediate(...).

example: podium remediations --limit 20"""
SCALE = """\
Per queue: the desired worker count (Erlang-C for the wait target on the forecast's
upper band of arrivals, bounded and with hysteresis), the live workers now, and why.

example: podium scale shop.workflows:app"""


def _since(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise common.UsageError(
            f"--since {text!r} is not an ISO time such as 2024-05-01T14:00"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def cmd_anomalies(args: argparse.Namespace) -> int:
    """Print the stored anomalies, newest first."""
    since = _since(args.since)
    app = App("podium-cli", store=common.open_existing_store(args))
    try:
        found = app.anomalies(since=since, limit=args.limit)
    finally:
        app.close()
    for a in found:
        if args.json:
            row = {**dataclasses.asdict(a), "at": a.at.isoformat()}
            print(json.dumps(row), flush=True)
        else:
            print(f"{a.at:%Y-%m-%d %H:%M} UTC  score {a.score:.2f}  {a.message}", flush=True)
    if not found and not args.json:
        print("no anomalies", flush=True)
    return common.EXIT_OK


def cmd_remediations(args: argparse.Namespace) -> int:
    """Print the audited remediation decisions, newest first."""
    app = App("podium-cli", store=common.open_existing_store(args))
    try:
        found = app.remediations(limit=args.limit)
    finally:
        app.close()
    for d in found:
        if args.json:
            print(json.dumps({**dataclasses.asdict(d), "at": d.at.isoformat()}), flush=True)
        else:
            dry = "  (dry run)" if d.dry_run else ""
            print(
                f"{d.at:%Y-%m-%d %H:%M:%S} UTC  {d.rule}: {d.action}{dry}  when {d.condition}"
                f"  -> {d.result}",
                flush=True,
            )
    if not found and not args.json:
        print("no remediations", flush=True)
    return common.EXIT_OK


def cmd_scale(args: argparse.Namespace) -> int:
    """Print the scaling advice of every queue the app serves."""
    app = common.load_app(args)
    try:
        advice = app.scaling()
    finally:
        app.close()
    if args.json:
        print(json.dumps({q: dataclasses.asdict(a) for q, a in advice.items()}), flush=True)
        return common.EXIT_OK
    for queue, a in advice.items():
        print(
            f"{queue}: desired {a.desired_workers} (now {a.now_workers}, "
            f"bounds {a.min_workers}-{a.max_workers}); {a.reason}",
            flush=True,
        )
    return common.EXIT_OK
