"""`podium demo`: run the order checkout of `podium.demo` and print what `podium show` gives."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib.util
import os
import tempfile
import time

from podium import demo as checkout
from podium import errors
from podium.cli import common, render
from podium.store import factory

SUMMARY = "Run an order checkout end to end and watch what podium does"
DETAILS = """\
Reserve stock, charge a payment gateway that times out once (retried with backoff
under one idempotency key), wait on a durable timer, ship, send a receipt; then
print the same report 'podium show' gives. Uses a fresh SQLite file in a temporary
folder unless --database-url is given (PODIUM_DATABASE_URL is not used here).

With --incident: a payment outage instead, on a simulated clock (two hours in seconds): the
gateway starts timing out, telemetry raises anomalies, remediation rules open the payments
breaker, page on-call and retry the failed checkouts once it has recovered. Each event is
printed as it happens (read back from the store: anomalies, audited decisions, breaker
transitions), then the detection delay and the checkouts' tallies. With --database-url
sqlite:///FILE (a new file) the store is kept, its simulated hours ending now, for the
dashboard: podium server podium.cli.incident:app --database-url sqlite:///FILE --no-auth."""


def add(commands: common.Subcommands) -> None:
    """Add `demo` to podium's parser."""
    parser = common.subparser(commands, "demo", SUMMARY, DETAILS)
    parser.add_argument(
        "--database-url", metavar="URL", help="keep the demo's store here, e.g. sqlite:///demo.db"
    )
    parser.add_argument(
        "--incident",
        action="store_true",
        help="play a payment outage that podium detects and remediates (simulated clock)",
    )
    parser.add_argument(
        "--per-minute",
        type=int,
        default=4,
        metavar="N",
        help="with --incident: checkouts per simulated minute (default 4)",
    )
    parser.set_defaults(command=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the checkout demo and print its story and its `podium show` report."""
    if args.incident:
        return _incident(args)
    if args.database_url:
        factory.open_store(args.database_url).close()
        return _demo(args.database_url, kept=True)
    with tempfile.TemporaryDirectory(prefix="podium-demo-") as folder:
        return _demo(f"sqlite:///{os.path.join(folder, 'demo.db')}", kept=False)


def _demo(url: str, *, kept: bool) -> int:
    console = common.console()
    workflow_id = checkout.run(console, url)
    console.print()
    console.rule(f"podium show {common.escape(workflow_id)}")
    with contextlib.closing(factory.open_store(url)) as store:
        render.show(console, store, workflow_id)
    console.print()
    if kept:
        flag = f"--database-url {common.escape(url)}"
        console.print(f"explore it: [bold]podium ls {flag}[/], [bold]podium show ID {flag}[/]")
    else:
        console.print(
            "[dim]the store was a temporary file; keep one with "
            "'podium demo --database-url sqlite:///demo.db' and explore it with podium ls/show[/]"
        )
    return common.EXIT_OK


def _incident(args: argparse.Namespace) -> int:
    """Play the incident and print its timeline; keep its store with --database-url."""
    if importlib.util.find_spec("numpy") is None:
        raise common.UsageError(
            "podium demo --incident scores telemetry with numpy: pip install 'podium[ai]'"
        )
    from podium.cli import incident

    keep = _kept_file(args.database_url) if args.database_url else None
    per_minute = args.per_minute
    if per_minute < 2 or per_minute > 60:
        raise common.UsageError(f"--per-minute {per_minute}: give 2 to 60 checkouts a minute")
    console = common.console()
    incident.heading(console)
    console.print(
        "  [dim]a shop takes checkouts on a simulated clock; after a 70-minute warm-up (the "
        "anomaly detector's baseline) its payment gateway fails for 10 minutes[/]"
    )
    scenario = incident.Scenario(per_minute=per_minute)
    if keep is not None:  # end the simulated hours now, so the dashboard's recent views show them
        start = (time.time() // 60 - incident.minutes(scenario)) * 60.0
        scenario = dataclasses.replace(scenario, start=start, keep=keep)
    report = incident.run(scenario, lambda event: incident.line(console, event))
    incident.summary(console, report)
    console.print()
    if keep is None:
        console.print(
            "[dim]the store was a temporary file; keep it with 'podium demo --incident "
            "--database-url sqlite:///incident.db' and open the dashboard on it[/]"
        )
    else:
        url = common.escape(args.database_url)
        console.print("see it on the dashboard (anomalies, remediations, the retried checkouts):")
        # One unwrapped line, so that the command copies whole from any terminal width.
        command = f"podium server podium.cli.incident:app --database-url {url} --no-auth"
        console.print(f"  [bold]{command}[/]", soft_wrap=True)
        console.print("then open http://127.0.0.1:8080/")
    return common.EXIT_OK


def _kept_file(url: str) -> str:
    """The new SQLite file `url` names for --incident's store.

    Refused: another kind of store, or a file that exists already (it is not overwritten).
    """
    if not url.lower().startswith("sqlite:"):
        raise common.UsageError(
            f"--incident keeps its store in a SQLite file only (sqlite:///incident.db), not {url!r}"
        )
    try:
        path, _ = factory.sqlite_path(url)
    except errors.ConfigurationError as exc:
        raise common.UsageError(str(exc)) from None
    if os.path.exists(path):
        raise common.UsageError(
            f"--incident writes a new store: {path} exists already; remove it or name another file"
        )
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise common.UsageError(f"--database-url {url}: the folder {folder} does not exist")
    return path
