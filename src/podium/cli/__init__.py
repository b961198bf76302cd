"""The `podium` command line: run workers and the server, start, inspect and steer workflows.

`main` is the console script (`podium = "podium.cli:main"`) and `python -m podium`. Each
subcommand group lives in its own module, all of them built on `podium.cli.common`; this
module only assembles their parsers and turns user mistakes into one line and exit code 2:

    __init__  ->  worker, workflows, export, demo, asl, server, tokens, schedules, completion
              ->  render, common

User mistakes (bad JSON, unknown names or ids, bad URLs) print one `error: ...` line to
stderr and exit 2; a workflow that ends badly under `start --wait` exits 1.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sqlite3
from collections.abc import Sequence

from podium import errors
from podium.cli import (
    asl,
    common,
    completion,
    demo,
    export,
    governance,
    insight,
    operate,
    schedules,
    server,
    tokens,
    worker,
    workflows,
)

__all__ = ["build_parser", "main"]

SUBCOMMAND_GROUPS = (
    worker,
    workflows,
    operate,
    insight,
    export,
    demo,
    asl,
    server,
    tokens,
    governance,
    schedules,
    completion,
)
"""The modules whose `add(commands)` adds their commands, in the order --help lists them."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `podium` command line; return the process exit code."""
    try:
        args = common.parse(build_parser(), argv)
        command: common.Command = args.command
        return command(args)
    except (common.UsageError, errors.PodiumError) as exc:
        common.print_error(str(exc))
        return common.EXIT_USAGE
    except sqlite3.DatabaseError as exc:  # a corrupt or foreign file given as the store
        common.print_error(f"the SQLite store cannot be read: {exc}")
        return common.EXIT_USAGE
    except Exception as exc:
        if not type(exc).__module__.startswith("psycopg"):
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        common.print_error(f"the PostgreSQL store failed: {first}")
        return common.EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def version() -> str:
    """The installed podium's version (from its package metadata)."""
    try:
        return importlib.metadata.version("podium")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = common.Parser(
        prog="podium",
        description="Durable workflows for Python: run workers, start and inspect workflows.",
        epilog="Try 'podium demo' for a guided run. Each command has its own --help.",
    )
    parser.add_argument("--version", action="version", version=f"podium {version()}")
    parser.set_defaults(command=common.help_command(parser))
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for group in SUBCOMMAND_GROUPS:
        group.add(commands)
    common.name_each_help(parser)
    return parser
