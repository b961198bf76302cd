"""`podium schedules [list|pause|resume]`: the cron schedules in a store.

Schedules are stored by the apps that define them; these commands read and change the store
directly and need no app code.
"""

from __future__ import annotations

import argparse
import contextlib
import time

from podium.cli import common
from podium.patterns import cronwords, schedule

SUMMARY = "List, pause and resume cron schedules"
DETAILS = """\
Schedules are stored by the apps that define them (@app.workflow(schedule=...));
workers fire each tick once. Reads and changes the store directly; needs no app
code.

examples: podium schedules
          podium schedules pause nightly_report
          podium schedules resume nightly_report"""


def add(commands: common.Subcommands) -> None:
    """Add the `schedules` command and its subcommands to podium's parser."""
    parser = common.subparser(commands, "schedules", SUMMARY, DETAILS)
    common.store_option(parser)
    parser.set_defaults(command=cmd_list)
    sub = parser.add_subparsers(title="schedules commands", metavar="COMMAND")
    listing = sub.add_parser("list", help="List every schedule with its next run (default)")
    _store_option(listing)
    listing.set_defaults(command=cmd_list)
    for verb, summary, command in (
        ("pause", "Stop firing a schedule on every worker", cmd_pause),
        ("resume", "Fire a paused schedule again from its next tick", cmd_resume),
    ):
        action = sub.add_parser(verb, help=summary, description=f"{summary}.")
        action.add_argument("name", metavar="NAME", help="the schedule (its workflow's name)")
        _store_option(action)
        action.set_defaults(command=command)


def _store_option(parser: argparse.ArgumentParser) -> None:
    """--database-url after the subcommand; absent, it keeps a value given before it."""
    parser.add_argument(
        "--database-url",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="store URL (default: $PODIUM_DATABASE_URL, else 'sqlite:///podium.db')",
    )


def cmd_list(args: argparse.Namespace) -> int:
    """Print a table of every schedule."""
    with contextlib.closing(common.open_existing_store(args)) as store:
        infos = schedule.listing(store)
    console = common.console()
    if not infos:
        console.print("[dim]no schedules in this store[/]")
        return common.EXIT_OK
    from rich.table import Table  # rich is loaded only when a command prints with it

    table = Table(
        "schedule", "when", "cron", "timezone", "catch-up", "state", "next run", "last run"
    )
    for info in infos:
        table.add_row(
            common.escape(info.name),
            common.escape(cronwords.describe(info.cron, info.timezone)),
            common.escape(info.cron),
            info.timezone,
            info.catchup,
            "[yellow]paused[/]" if info.paused else "[green]active[/]",
            "-" if info.paused else info.next_run.isoformat(),
            "-" if info.last_run is None else info.last_run.isoformat(),
        )
    console.print(table)
    return common.EXIT_OK


def cmd_pause(args: argparse.Namespace) -> int:
    """Pause one schedule."""
    with contextlib.closing(common.open_existing_store(args)) as store:
        schedule.pause(store, args.name, time.time())
    print(f"paused {args.name}")
    return common.EXIT_OK


def cmd_resume(args: argparse.Namespace) -> int:
    """Resume one schedule from its next tick."""
    with contextlib.closing(common.open_existing_store(args)) as store:
        resumed = schedule.resume(store, args.name, time.time())
    print(f"resumed {args.name}" if resumed else f"{args.name} was not paused")
    return common.EXIT_OK
