"""`podium schedules [list|pause|resume]`: cron schedules in a store, registered by podium.cli."""

from __future__ import annotations

import argparse
import time
from typing import Any

from podium import cli
from podium.patterns import schedule


def add(commands: Any) -> None:
    """Add the `schedules` command and its subcommands to podium's parser."""
    parser = cli._subparser(
        commands,
        "schedules",
        "List, pause and resume cron schedules",
        "Schedules are stored by the apps that define them (@app.workflow(schedule=...));\n"
        "workers fire each tick once. Reads and changes the store directly; needs no app\n"
        "code.\n\n"
        "examples: podium schedules\n"
        "          podium schedules pause nightly_report\n"
        "          podium schedules resume nightly_report",
    )
    cli._store_option(parser)
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
    store = cli._open_existing_store(args)
    try:
        infos = schedule.listing(store)
    finally:
        store.close()
    console = cli._console()
    if not infos:
        console.print("[dim]no schedules in this store[/]")
        return cli.EXIT_OK
    from rich.table import Table

    table = Table("schedule", "cron", "timezone", "catch-up", "state", "next run", "last run")
    for info in infos:
        table.add_row(
            cli._escape(info.name),
            cli._escape(info.cron),
            info.timezone,
            info.catchup,
            "[yellow]paused[/]" if info.paused else "[green]active[/]",
            "-" if info.paused else info.next_run.isoformat(),
            "-" if info.last_run is None else info.last_run.isoformat(),
        )
    console.print(table)
    return cli.EXIT_OK


def cmd_pause(args: argparse.Namespace) -> int:
    """Pause one schedule."""
    store = cli._open_existing_store(args)
    try:
        schedule.pause(store, args.name, time.time())
    finally:
        store.close()
    print(f"paused {args.name}")
    return cli.EXIT_OK


def cmd_resume(args: argparse.Namespace) -> int:
    """Resume one schedule from its next tick."""
    store = cli._open_existing_store(args)
    try:
        resumed = schedule.resume(store, args.name, time.time())
    finally:
        store.close()
    print(f"resumed {args.name}" if resumed else f"{args.name} was not paused")
    return cli.EXIT_OK
