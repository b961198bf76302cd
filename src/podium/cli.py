"""The `podium` command line: run workers, start and inspect workflows, and the demo.

User mistakes (bad JSON, unknown names or ids, bad URLs) print one `error: ...` line to
stderr and exit 2; a workflow that ends badly under `start --wait` exits 1. `rich` is
imported inside the commands so that `import podium` stays light.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from podium import config, errors, render
from podium.store import base, children, factory
from podium.types import STATUSES

if TYPE_CHECKING:
    from rich.console import Console

    from podium.app import App

EXIT_OK, EXIT_WORKFLOW_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A mistake in how the command was called; printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors become one `error:` line instead of usage + message."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


# -- entry point -----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `podium` command line; return the process exit code."""
    try:
        args = build_parser().parse_args(argv)
        command: Callable[[argparse.Namespace], int] = args.command
        return command(args)
    except (UsageError, errors.PodiumError) as exc:
        _error(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _error(message: str) -> None:
    sys.stderr.write(f"error: {' '.join(message.split())}\n")
    sys.stderr.flush()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = _Parser(
        prog="podium",
        description="Durable workflows for Python: run workers, start and inspect workflows.",
        epilog="Try 'podium demo' for a guided run. Each command has its own --help.",
    )
    parser.set_defaults(command=_no_command(parser))
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for add in (_add_worker, _add_start, _add_ls, _add_show, _add_cancel, _add_resume, _add_demo):
        add(commands)
    _add_asl(commands)
    _add_server(commands)
    _add_schedules(commands)
    return parser


def _add_schedules(commands: Any) -> None:
    from podium import schedules_cli

    schedules_cli.add(commands)


def _add_asl(commands: Any) -> None:
    from podium.asl import cli as asl_cli

    asl_cli.add(commands)


def _add_server(commands: Any) -> None:
    from podium.server import cli as server_cli

    server_cli.add(commands)


def _no_command(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    def show_help(_args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return EXIT_USAGE

    return show_help


def _store_option(parser: argparse.ArgumentParser, app_default: bool = False) -> None:
    fallback = "the app's own database_url" if app_default else f"'{config.DEFAULT_DATABASE_URL}'"
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help=f"store URL such as sqlite:///podium.db (default: $PODIUM_DATABASE_URL, else "
        f"{fallback})",
    )


def _subparser(commands: Any, name: str, summary: str, details: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=summary,
        description=f"{summary}.\n\n{details}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


# -- argument types --------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if value < 0 or value != value:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 seconds or more")
    return value


def _queue_list(text: str) -> list[str]:
    queues = [q.strip() for q in text.split(",") if q.strip()]
    if not queues:
        raise argparse.ArgumentTypeError(f"{text!r} names no queue; write e.g. default,emails")
    return queues


def _json(option: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{option} is not valid JSON ({exc.msg} at position {exc.pos}): {text!r}; "
            """quote it for the shell, e.g. --input '{"sku": "A1", "qty": 2}'"""
        ) from None


# -- stores and apps -------------------------------------------------------------------------


def _database_url(args: argparse.Namespace, app: App | None = None) -> str:
    """--database-url, else $PODIUM_DATABASE_URL, else the app's settings or the default."""
    url: str | None = args.database_url or os.environ.get("PODIUM_DATABASE_URL")
    if url:
        return url
    return app.settings.database_url if app is not None else config.DEFAULT_DATABASE_URL


def _open_existing_store(args: argparse.Namespace) -> base.Store:
    """Open the store of a read/steer command; a SQLite file must already exist."""
    url = _database_url(args)
    if url.split(":", 1)[0].lower() == "sqlite":
        path, _ = factory.sqlite_path(url)
        if path != ":memory:" and not os.path.exists(path):
            raise UsageError(
                f"database file {os.path.abspath(path)!r} (from {url!r}) does not exist; "
                "pass --database-url or set PODIUM_DATABASE_URL to the store your workers use"
            )
    return factory.open_store(url)


def _load_app(args: argparse.Namespace) -> App:
    """Import MODULE:APP and point it at the store chosen by --database-url or the environment."""
    from podium.app import App

    app = App.from_path(args.target)
    url = _database_url(args, app)
    if url != app.settings.database_url:
        app.settings = app.settings.evolve(database_url=url)
    return app


def _redact(url: str) -> str:
    parsed = urllib.parse.urlsplit(url)
    if parsed.password:
        netloc = parsed.netloc.replace(f":{parsed.password}@", ":***@")
        return urllib.parse.urlunsplit(parsed._replace(netloc=netloc))
    return url


def _console(stderr: bool = False) -> Console:
    """A rich console; wide when not a terminal so tables are not squeezed in pipes and logs."""
    from rich.console import Console

    console = Console(stderr=stderr)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(stderr=stderr, width=160)
    return console


# -- worker ----------------------------------------------------------------------------------


def _add_worker(commands: Any) -> None:
    parser = _subparser(
        commands,
        "worker",
        "Run a worker that executes the workflows of MODULE:APP",
        "Blocks until SIGINT (Ctrl+C) or SIGTERM, then stops cleanly: running workflows\n"
        "finish their current step and are handed back for any worker to continue.\n\n"
        "example: podium worker examples.checkout:app --concurrency 8 --queues default,emails",
    )
    parser.add_argument("target", metavar="MODULE:APP", help="where the podium.App lives")
    parser.add_argument(
        "--concurrency",
        type=_positive_int,
        default=16,
        metavar="N",
        help="workflows at once (default 16)",
    )
    parser.add_argument(
        "--queues",
        type=_queue_list,
        default=None,
        metavar="A,B",
        help="comma-separated (default: default)",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="log level of the worker's log lines on stderr (default INFO)",
    )
    _store_option(parser, app_default=True)
    parser.set_defaults(command=cmd_worker)


def cmd_worker(args: argparse.Namespace) -> int:
    """Serve MODULE:APP until SIGINT/SIGTERM."""
    app = _load_app(args)
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        worker = app.worker(concurrency=args.concurrency, queues=args.queues)
        _console(stderr=True).print(
            f"podium worker: app [bold]{_escape(app.name)}[/], "
            f"queues {_escape(','.join(worker.queues))}, concurrency {worker.concurrency}, "
            f"store {_escape(_redact(app.settings.database_url))} [dim](Ctrl+C to stop)[/]",
            highlight=False,
        )
        worker.run()
    finally:
        app.close()
    _console(stderr=True).print("podium worker: stopped", highlight=False)
    return EXIT_OK


# -- start -----------------------------------------------------------------------------------


def _add_start(commands: Any) -> None:
    parser = _subparser(
        commands,
        "start",
        "Start a workflow of MODULE:APP durably and print its id",
        "A worker runs it (podium worker MODULE:APP). --input is the workflow's one\n"
        "argument as JSON; --args passes several as a JSON array. Starting the same --id\n"
        "again returns the existing workflow and never runs it twice. With --wait, the\n"
        "result is printed as JSON; exit code 1 if the workflow failed or was cancelled.\n\n"
        """example: podium start examples.checkout:app checkout --input '{"id": 7, ...}'""",
    )
    parser.add_argument("target", metavar="MODULE:APP", help="where the podium.App lives")
    parser.add_argument("workflow", metavar="WORKFLOW", help="the workflow's registered name")
    given = parser.add_mutually_exclusive_group()
    given.add_argument("--input", metavar="JSON", help="the workflow's one argument, as JSON")
    given.add_argument("--args", metavar="JSON_ARRAY", help="several arguments, a JSON array")
    parser.add_argument("--id", help="workflow id (default: a new UUID); same id, same workflow")
    parser.add_argument("--queue", help="queue to run on (default: the workflow's)")
    parser.add_argument(
        "--priority", type=int, default=0, metavar="N", help="higher runs first (default 0)"
    )
    parser.add_argument("--key", help="key for per-key concurrency on the queue")
    parser.add_argument(
        "--delay", type=_seconds, default=None, metavar="S", help="seconds before it may run"
    )
    parser.add_argument("--wait", action="store_true", help="wait for the result and print it")
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=None,
        metavar="S",
        help="with --wait: give up after S seconds",
    )
    _store_option(parser, app_default=True)
    parser.set_defaults(command=cmd_start)


def _start_arguments(args: argparse.Namespace) -> list[Any]:
    if args.input is not None:
        return [_json("--input", args.input)]
    if args.args is not None:
        values = _json("--args", args.args)
        if not isinstance(values, list):
            raise UsageError(f"--args must be a JSON array such as '[1, \"two\"]', not {args.args}")
        return values
    return []


def cmd_start(args: argparse.Namespace) -> int:
    """Start WORKFLOW with the given arguments; print its id (and result with --wait)."""
    if args.timeout is not None and not args.wait:
        raise UsageError("--timeout only applies with --wait")
    arguments = _start_arguments(args)
    app = _load_app(args)
    try:
        definition = app.registry.workflow(args.workflow)
        try:
            definition.bind(tuple(arguments), {})
        except TypeError as exc:
            raise UsageError(
                f"{exc}; pass --input for one argument or --args for several"
            ) from None
        handle = app.start(
            definition,
            *arguments,
            id=args.id,
            queue=args.queue,
            priority=args.priority,
            key=args.key,
            delay=args.delay,
        )
        print(handle.id, flush=True)
        return _wait(app, handle.id, args.timeout) if args.wait else EXIT_OK
    finally:
        app.close()


def _wait(app: App, workflow_id: str, timeout: float | None) -> int:
    sys.stderr.write(f"waiting for {workflow_id} (a worker must be running: podium worker)\n")
    try:
        app.get(workflow_id).result(timeout=timeout)
    except (errors.WorkflowFailed, errors.WorkflowCancelled, TimeoutError) as exc:
        _error(str(exc))
        return EXIT_WORKFLOW_FAILED
    record = app.store.get_workflow(workflow_id)
    print(record.output if record is not None else "null", flush=True)
    return EXIT_OK


# -- ls --------------------------------------------------------------------------------------


def _add_ls(commands: Any) -> None:
    parser = _subparser(
        commands,
        "ls",
        "List workflows, newest first",
        "Reads the store directly; needs no app code.\n\n"
        "example: podium ls --status failed --workflow checkout --limit 20",
    )
    parser.add_argument("--status", choices=STATUSES, help="only workflows in this status")
    parser.add_argument("--workflow", metavar="NAME", help="only workflows of this name")
    parser.add_argument("--queue", help="only workflows on this queue")
    parser.add_argument(
        "--limit", type=_positive_int, default=50, metavar="N", help="at most N (default 50)"
    )
    _store_option(parser)
    parser.set_defaults(command=cmd_ls)


def cmd_ls(args: argparse.Namespace) -> int:
    """Print a table of matching workflows."""
    store = _open_existing_store(args)
    try:
        records = store.list_workflows(
            status=args.status, workflow=args.workflow, queue=args.queue, limit=args.limit
        )
    finally:
        store.close()
    console = _console()
    if not records:
        console.print("[dim]no workflows match[/]")
        return EXIT_OK
    console.print(render.workflows_table(records))
    return EXIT_OK


# -- show ------------------------------------------------------------------------------------


def _add_show(commands: Any) -> None:
    parser = _subparser(
        commands,
        "show",
        "Show one workflow: status, input, result or error, and its step history",
        "The history table lists every position: steps with their attempts and duration,\n"
        "failed attempts that were retried (with error and retry time), timers with their\n"
        "fire time, and recorded now()/random()/uuid4() values. Needs no app code.",
    )
    parser.add_argument("id", metavar="ID", help="the workflow id")
    _store_option(parser)
    parser.set_defaults(command=cmd_show)


def cmd_show(args: argparse.Namespace) -> int:
    """Print one workflow and its history."""
    store = _open_existing_store(args)
    try:
        render.show(_console(), store, args.id)
    finally:
        store.close()
    return EXIT_OK


# -- cancel and resume -----------------------------------------------------------------------


def _add_cancel(commands: Any) -> None:
    parser = _subparser(
        commands,
        "cancel",
        "Cancel a pending, running or waiting workflow",
        "A step that is running completes; nothing after it runs. 'podium resume ID' runs\n"
        "a cancelled workflow again from its first unfinished step. Needs no app code.",
    )
    parser.add_argument("id", metavar="ID", help="the workflow id")
    _store_option(parser)
    parser.set_defaults(command=cmd_cancel)


def cmd_cancel(args: argparse.Namespace) -> int:
    """Cancel a workflow through the store."""
    store = _open_existing_store(args)
    try:
        before = _existing(store, args.id)
        if before.status in ("completed", "failed"):
            raise UsageError(
                f"workflow {args.id!r} is already {before.status}; only pending, running or "
                "waiting workflows can be cancelled"
            )
        children.cancel(store, args.id, time.time())  # with its unfinished children
    finally:
        store.close()
    print(f"cancelled {args.id}")
    return EXIT_OK


def _add_resume(commands: Any) -> None:
    parser = _subparser(
        commands,
        "resume",
        "Run a failed or cancelled workflow again from its first unfinished step",
        "Completed steps keep their recorded results and do not run again; the step that\n"
        "failed runs anew. A worker serving the workflow's queue picks it up. Needs no\n"
        "app code.",
    )
    parser.add_argument("id", metavar="ID", help="the workflow id")
    _store_option(parser)
    parser.set_defaults(command=cmd_resume)


def cmd_resume(args: argparse.Namespace) -> int:
    """Make a failed or cancelled workflow ready again through the store."""
    store = _open_existing_store(args)
    try:
        before = _existing(store, args.id)
        if before.status not in ("failed", "cancelled"):
            raise UsageError(
                f"workflow {args.id!r} is {before.status}; only failed or cancelled workflows "
                "can be resumed"
            )
        store.resume(args.id, time.time())
    finally:
        store.close()
    print(f"resumed {args.id}; a worker on queue {before.queue!r} will continue it")
    return EXIT_OK


def _existing(store: base.Store, workflow_id: str) -> base.WorkflowRecord:
    record = store.get_workflow(workflow_id)
    if record is None:
        raise errors.WorkflowNotFound(workflow_id)
    return record


# -- demo ------------------------------------------------------------------------------------


def _add_demo(commands: Any) -> None:
    parser = _subparser(
        commands,
        "demo",
        "Run an order checkout end to end and watch what podium does",
        "Reserve stock, charge a payment gateway that times out once (retried with backoff\n"
        "under one idempotency key), wait on a durable timer, ship, send a receipt; then\n"
        "print the same report 'podium show' gives. Uses a fresh SQLite file in a temporary\n"
        "folder unless --database-url is given (PODIUM_DATABASE_URL is not used here).",
    )
    parser.add_argument(
        "--database-url", metavar="URL", help="keep the demo's store here, e.g. sqlite:///demo.db"
    )
    parser.set_defaults(command=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the checkout demo and print its story and its `podium show` report."""
    if args.database_url:
        factory.open_store(args.database_url).close()
        return _demo(args.database_url, kept=True)
    with tempfile.TemporaryDirectory(prefix="podium-demo-") as folder:
        return _demo(f"sqlite:///{os.path.join(folder, 'demo.db')}", kept=False)


def _demo(url: str, *, kept: bool) -> int:
    from podium import demo

    console = _console()
    workflow_id = demo.run(console, url)
    console.print()
    console.rule(f"podium show {_escape(workflow_id)}")
    store = factory.open_store(url)
    try:
        render.show(console, store, workflow_id)
    finally:
        store.close()
    console.print()
    if kept:
        flag = f"--database-url {_escape(url)}"
        console.print(f"explore it: [bold]podium ls {flag}[/], [bold]podium show ID {flag}[/]")
    else:
        console.print(
            "[dim]the store was a temporary file; keep one with "
            "'podium demo --database-url sqlite:///demo.db' and explore it with podium ls/show[/]"
        )
    return EXIT_OK


# -- formatting helpers ----------------------------------------------------------------------


def _escape(value: str) -> str:
    from rich.markup import escape

    return escape(value)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
