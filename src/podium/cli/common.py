"""What every `podium` subcommand shares: parser pieces, stores, apps, console and errors.

The command modules of this package build on these helpers and this module imports none of
them, so the package's imports only point down. User mistakes raise `UsageError` (or a
`PodiumError`); `podium.cli.main()` turns either into one `error: ...` line and exit code 2.
`rich` is imported inside the functions so that `podium --help` stays light.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TypeAlias, TypeVar

from podium import config, errors, serialization
from podium.app import App
from podium.store import base, factory, urls

if TYPE_CHECKING:
    from rich.console import Console

N = TypeVar("N", int, float)

EXIT_OK = 0
"""The command did what was asked."""
EXIT_FAILED = 1
"""The command ran, but what it ran failed: a workflow under `start --wait`, an ASL check."""
EXIT_USAGE = 2
"""The command was called wrongly (bad option, unknown id, missing store): nothing was done."""

Command: TypeAlias = Callable[[argparse.Namespace], int]
"""What a parser stores as `command`: it runs with the parsed arguments, returns the exit code."""

Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""What `add_subparsers()` returns (argparse gives its class a private name only)."""


class UsageError(Exception):
    """A mistake in how the command was called; printed as one line, exit code 2."""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors become one `error:` line instead of usage + message."""

    def error(self, message: str) -> NoReturn:
        """Raise the mistake as a UsageError that names this (sub)command's --help."""
        raise UsageError(f"{message} (see '{self.prog} --help')")


def name_each_help(parser: argparse.ArgumentParser) -> None:
    """Give every (sub)command's arguments `help_prog`: the command whose --help to point to.

    argparse reports unrecognized arguments from the top parser, which names only
    'podium --help'; `parse` names the subcommand that was actually called instead.
    """
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                sub.set_defaults(help_prog=sub.prog)
                name_each_help(sub)


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse `argv`; arguments no command takes raise a UsageError naming that command's --help."""
    args, extra = parser.parse_known_args(argv)
    if extra:
        prog = getattr(args, "help_prog", parser.prog)
        raise UsageError(f"unrecognized arguments: {' '.join(extra)} (see '{prog} --help')")
    return args


def print_error(message: str) -> None:
    """Write `message` to stderr as one `error: ...` line (newlines and runs of space fold)."""
    sys.stderr.write(f"error: {' '.join(message.split())}\n")
    sys.stderr.flush()


# -- building parsers ------------------------------------------------------------------------


def subparser(
    commands: Subcommands, name: str, summary: str, details: str
) -> argparse.ArgumentParser:
    """Add command `name`: `summary` in the command list, summary and `details` in its --help."""
    return commands.add_parser(
        name,
        help=summary,
        description=f"{summary}.\n\n{details}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def help_command(parser: argparse.ArgumentParser, *, stdout: bool = False) -> Command:
    """A command that prints `parser`'s help (on stderr unless `stdout`) and exits 2.

    Used where a command was given without the subcommand it needs.
    """

    def show_help(_args: argparse.Namespace) -> int:
        parser.print_help(sys.stdout if stdout else sys.stderr)
        return EXIT_USAGE

    return show_help


def app_argument(parser: argparse.ArgumentParser) -> None:
    """The MODULE:APP positional of the commands that run app code (worker, start, server)."""
    parser.add_argument("target", metavar="MODULE:APP", help="where the podium.App lives")


def otel_option(parser: argparse.ArgumentParser) -> None:
    """`--otel`: OpenTelemetry spans per run and step (also env PODIUM_OTEL=1)."""
    parser.add_argument(
        "--otel",
        action="store_true",
        help="trace runs and steps with OpenTelemetry, exported over OTLP when "
        "opentelemetry-exporter-otlp is installed (also: env PODIUM_OTEL=1)",
    )


def store_option(parser: argparse.ArgumentParser, app_default: bool = False) -> None:
    """The --database-url option; `app_default` when MODULE:APP's own URL is the fallback."""
    fallback = "the app's own database_url" if app_default else f"'{config.DEFAULT_DATABASE_URL}'"
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help=f"store URL such as sqlite:///podium.db (default: $PODIUM_DATABASE_URL, else "
        f"{fallback})",
    )


def count_option(
    parser: argparse.ArgumentParser, flag: str, default: int | None, metavar: str, text: str
) -> None:
    """An option that takes a whole number of 1 or more (`text` is its --help line)."""
    parser.add_argument(flag, type=positive_int, default=default, metavar=metavar, help=text)


def metrics_options(parser: argparse.ArgumentParser, what: str) -> None:
    """--metrics-port/--metrics-host: /metrics without auth on a port of its own."""
    parser.add_argument(
        "--metrics-port",
        type=tcp_port,
        default=None,
        metavar="PORT",
        help=f"also serve /metrics (Prometheus, no auth) on this port: {what}",
    )
    parser.add_argument(
        "--metrics-host",
        default="127.0.0.1",
        metavar="HOST",
        help="address of --metrics-port (default 127.0.0.1; 0.0.0.0 for a scraper elsewhere)",
    )


def seconds_option(parser: argparse.ArgumentParser, flag: str, text: str) -> None:
    """An option that takes a number of seconds, 0 or more; None when not given."""
    parser.add_argument(flag, type=seconds, default=None, metavar="S", help=text)


# -- argument types --------------------------------------------------------------------------


def tcp_port(text: str) -> int:
    """An argparse type: a TCP port, 1 to 65535."""
    value = _number(text, int, "a port number")
    if not 0 < value < 65536:
        raise argparse.ArgumentTypeError(f"{value} is not a TCP port (1-65535)")
    return value


def positive_int(text: str) -> int:
    """An argparse type: a whole number of 1 or more."""
    value = _number(text, int, "a whole number")
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    return value


def seconds(text: str) -> float:
    """An argparse type: a number of seconds, 0 or more (not NaN)."""
    value = _number(text, float, "a number of seconds")
    if value < 0 or value != value:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 seconds or more")
    return value


def _number(text: str, kind: Callable[[str], N], what: str) -> N:
    """`text` read by `kind` (int or float); an ArgumentTypeError saying it is not `what`."""
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None


def queue_list(text: str) -> list[str]:
    """An argparse type: comma-separated queue names, at least one."""
    queues = [q.strip() for q in text.split(",") if q.strip()]
    if not queues:
        raise argparse.ArgumentTypeError(f"{text!r} names no queue; write e.g. default,emails")
    return queues


def parse_json(option: str, text: str) -> Any:
    """The JSON value `text` given to `option`; a UsageError with a quoting hint if invalid."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{option} is not valid JSON ({exc.msg} at position {exc.pos}): {_clip(text)!r}; "
            """quote it for the shell, e.g. --input '{"sku": "A1", "qty": 2}'"""
        ) from None
    except RecursionError:
        raise UsageError(f"{option} is nested too deeply") from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise UsageError(f"{option} holds a value podium cannot read: {exc}") from None
    try:
        serialization.check(value, option)
    except errors.SerializationError as exc:
        raise UsageError(str(exc)) from None
    return value


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else f"{text[:limit]}..."


# -- stores and apps -------------------------------------------------------------------------


def database_url(args: argparse.Namespace, app: App | None = None) -> str:
    """--database-url, else $PODIUM_DATABASE_URL, else the app's settings or the default."""
    url: str | None = args.database_url or os.environ.get("PODIUM_DATABASE_URL")
    if url:
        return url
    return app.settings.database_url if app is not None else config.DEFAULT_DATABASE_URL


def open_existing_store(args: argparse.Namespace) -> base.Store:
    """Open the store of a read/steer command; a SQLite file or PostgreSQL schema must exist.

    A typo in the URL would otherwise create an empty database and show nothing.
    """
    url = database_url(args)
    if url.split(":", 1)[0].lower() == "sqlite":
        path, _ = factory.sqlite_path(url)
        if path != ":memory:" and not os.path.exists(path):
            raise UsageError(
                f"database file {os.path.abspath(path)!r} (from {url!r}) does not exist; "
                "pass --database-url or set PODIUM_DATABASE_URL to the store your workers use"
            )
    elif (schema := factory.postgres_schema_missing(url)) is not None:
        raise UsageError(
            f"PostgreSQL schema {schema!r} (from {urls.redact(url)!r}) does not exist; check "
            "?schema= in --database-url or PODIUM_DATABASE_URL against the store your workers use"
        )
    return factory.open_store(url)


def load_app(args: argparse.Namespace) -> App:
    """Import MODULE:APP and point it at the store chosen by --database-url or the environment."""
    app = App.from_path(args.target)
    url = database_url(args, app)
    if url != app.settings.database_url:
        app.settings = app.settings.evolve(database_url=url)
    return app


# -- output ----------------------------------------------------------------------------------


def console(stderr: bool = False) -> Console:
    """A rich console; wide when not a terminal so tables are not squeezed in pipes and logs."""
    from rich.console import Console

    found = Console(stderr=stderr)
    if not found.is_terminal and "COLUMNS" not in os.environ:
        found = Console(stderr=stderr, width=160)
    return found


def escape(value: str) -> str:
    """`value` with rich markup escaped, to print user data inside a markup string."""
    from rich.markup import escape as escape_markup

    return escape_markup(value)
