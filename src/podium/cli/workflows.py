"""`podium start|ls|show|cancel|resume|fork`: start workflows, and read and steer them in the store.

`start` imports the app (its workflows' code); the other commands read and change the store
directly and need no app code.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import socket
import sys
import time
from collections.abc import Callable
from typing import Any

from podium import errors, redaction
from podium.app import App
from podium.cli import common, render
from podium.patterns import bulk, versions
from podium.store import auth, base, browse, children
from podium.store import search as search_store
from podium.types import STATUSES, TERMINAL_STATUSES


def add(commands: common.Subcommands) -> None:
    """Add `start`, `ls`, `show`, `cancel`, `resume` and `fork` to podium's parser."""
    _add_start(commands)
    _add_ls(commands)
    for name, summary, details, command in ID_COMMANDS:
        _add_id_command(commands, name, summary, details, command)
    _add_fork(commands)


# -- start -----------------------------------------------------------------------------------


START_SUMMARY = "Start a workflow of MODULE:APP durably and print its id"
START_DETAILS = """\
A worker runs it (podium worker MODULE:APP). --input is the workflow's one
argument as JSON; --args passes several as a JSON array. Starting the same --id
again returns the existing workflow and never runs it twice. With --wait, the
result is printed as JSON; exit code 1 if the workflow failed or was cancelled.

example: podium start examples.checkout:app checkout --input '{"id": 7, ...}'"""


def _add_start(commands: common.Subcommands) -> None:
    parser = common.subparser(commands, "start", START_SUMMARY, START_DETAILS)
    common.app_argument(parser)
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
    common.seconds_option(parser, "--delay", "seconds before it may run")
    common.seconds_option(
        parser,
        "--debounce",
        "with --key: starts of that key within S seconds fold into one run (the latest wins)",
    )
    common.seconds_option(
        parser, "--debounce-max", "with --debounce: run at the latest S seconds after the first"
    )
    parser.add_argument(
        "--search",
        metavar="KEY=VALUE",
        action="append",
        help="set search attribute KEY (repeatable); VALUE is read as the key's type, for a "
        "new key as a number or true/false when it is one, else text",
    )
    parser.add_argument("--wait", action="store_true", help="wait for the result and print it")
    common.seconds_option(parser, "--timeout", "with --wait: give up after S seconds")
    common.store_option(parser, app_default=True)
    parser.set_defaults(command=cmd_start)


def cmd_start(args: argparse.Namespace) -> int:
    """Start WORKFLOW with the given arguments; print its id (and result with --wait)."""
    if args.timeout is not None and not args.wait:
        raise common.UsageError("--timeout only applies with --wait")
    arguments = _start_arguments(args)
    app = common.load_app(args)
    try:
        definition = app.registry.exposed(args.workflow)
        try:
            definition.bind(tuple(arguments), {})
        except TypeError as exc:
            raise common.UsageError(
                f"{exc}; pass --input for one argument or --args for several"
            ) from None
        search = None
        if args.search:
            search = search_store.for_store(app.store).parse_attributes(args.search)
        handle = app.start(
            definition,
            *arguments,
            id=args.id,
            queue=args.queue,
            priority=args.priority,
            key=args.key,
            delay=args.delay,
            search=search,
            debounce=args.debounce,
            debounce_max=args.debounce_max,
        )
        detail = {"workflow": definition.name, "via": "cli"}
        auth.AuthStore(app.store).audit(
            cli_actor(), "workflow.start", handle.id, detail, time.time()
        )
        print(handle.id, flush=True)
        return _wait(app, handle.id, args.timeout) if args.wait else common.EXIT_OK
    finally:
        app.close()


def _start_arguments(args: argparse.Namespace) -> list[Any]:
    if args.input is not None:
        return [common.parse_json("--input", args.input)]
    if args.args is not None:
        values = common.parse_json("--args", args.args)
        if not isinstance(values, list):
            raise common.UsageError(
                f"--args must be a JSON array such as '[1, \"two\"]', not {args.args}"
            )
        return values
    return []


def _wait(app: App, workflow_id: str, timeout: float | None) -> int:
    """Print the workflow's result once it ends; say that it needs a worker while it runs."""
    known = app.store.get_workflow(workflow_id)
    if known is None or known.status not in TERMINAL_STATUSES:
        sys.stderr.write(f"waiting for {workflow_id} (a worker must be running: podium worker)\n")
    try:
        app.get(workflow_id).result(timeout=timeout)
    except (errors.WorkflowFailed, errors.WorkflowCancelled, TimeoutError) as exc:
        common.print_error(str(exc))
        return common.EXIT_FAILED
    record = app.store.get_workflow(workflow_id)
    output = redaction.view_text(record.output) if record is not None else None
    print(output if output is not None else "null", flush=True)
    return common.EXIT_OK


# -- ls --------------------------------------------------------------------------------------


LS_SUMMARY = "List workflows, newest first"
LS_DETAILS = """\
Reads the store directly; needs no app code. Lists top-level workflows only, as
the dashboard does (a fan-out's children would fill the page); --children lists
child workflows too. With --search every matching workflow is listed, children
included, as in the dashboard.

example: podium ls --status failed --workflow checkout --limit 20"""


def _add_ls(commands: common.Subcommands) -> None:
    parser = common.subparser(commands, "ls", LS_SUMMARY, LS_DETAILS)
    parser.add_argument("--status", choices=STATUSES, help="only workflows in this status")
    parser.add_argument("--workflow", metavar="NAME", help="only workflows of this name")
    parser.add_argument("--queue", help="only workflows on this queue")
    _search_option(parser)
    parser.add_argument(
        "--children",
        action="store_true",
        help="child workflows too (start_child, map); by default only top-level ones",
    )
    common.count_option(parser, "--limit", 50, "N", "at most N (default 50)")
    common.store_option(parser)
    parser.set_defaults(command=cmd_ls)


def cmd_ls(args: argparse.Namespace) -> int:
    """Print a table of matching workflows."""
    with contextlib.closing(common.open_existing_store(args)) as store:
        if args.search:
            where = browse.Filter(status=args.status, workflow=args.workflow, queue=args.queue)
            records = search_store.for_store(store).matching(args.search, where, args.limit)
        else:
            records = store.list_workflows(
                status=args.status,
                workflow=args.workflow,
                queue=args.queue,
                limit=args.limit,
                top_level=not args.children,
            )
        notes = render.worker_notes(store, records)
    console = common.console()
    if not records:
        console.print("[dim]no workflows match[/]")
        return common.EXIT_OK
    console.print(render.workflows_table(records, notes))
    for note in dict.fromkeys(notes.values()):
        console.print(f"[yellow]{common.escape(note)}[/]", highlight=False)
    return common.EXIT_OK


# -- show, cancel and resume: one workflow by id ---------------------------------------------


def _add_id_command(
    commands: common.Subcommands, name: str, summary: str, details: str, command: common.Command
) -> None:
    parser = common.subparser(commands, name, summary, details)
    if name in BULK:
        bulk_arguments(parser)
    else:
        parser.add_argument("id", metavar="ID", help="the workflow id")
    common.store_option(parser)
    parser.set_defaults(command=command)


def bulk_arguments(parser: argparse.ArgumentParser) -> None:
    """An optional ID, or list()'s filters to act on every matching workflow."""
    parser.add_argument("id", metavar="ID", nargs="?", help="the workflow id (or filters)")
    parser.add_argument("--status", choices=STATUSES, help="every workflow in this status")
    parser.add_argument("--workflow", metavar="NAME", help="every workflow of this name")
    parser.add_argument("--queue", help="every workflow on this queue")
    _search_option(parser)


def _search_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--search",
        metavar="KEY=VALUE",
        action="append",
        help="only workflows whose search attribute KEY equals VALUE (repeatable)",
    )


BULK = ("cancel", "resume")
"""The id commands that also take list()'s filters instead of an id (bulk verbs)."""


def _bulk_filters(args: argparse.Namespace, store: base.Store) -> bulk.Filters | None:
    """The filters of a bulk cancel/resume; None when an id was given instead."""
    given = [args.status, args.workflow, args.queue, args.search]
    if args.id is not None:
        if any(v is not None for v in given):
            raise common.UsageError(
                f"give a workflow id or filters (--status, --workflow, --queue, --search), "
                f"not both; drop {args.id!r} to act on every matching workflow"
            )
        return None
    if all(v is None for v in given):
        raise common.UsageError(
            "give a workflow id, or filters (--status, --workflow, --queue, --search) to act "
            "on every matching workflow"
        )
    search: dict[str, Any] | None = None
    if args.search:
        searches = search_store.for_store(store)
        # A key no workflow ever had matches nothing; bulk reads it so from the raw texts.
        search = searches.parse_filter(args.search) or dict(
            pair.partition("=")[::2] for pair in args.search
        )
    return bulk.Filters(args.status, args.workflow, args.queue, search)


def _bulk(args: argparse.Namespace, store: base.Store, verb: str, filters: bulk.Filters) -> int:
    verbs = {
        "cancel": bulk.cancel_many,
        "resume": bulk.resume_many,
        "pause": bulk.pause_many,
        "unpause": bulk.unpause_many,
    }
    changed = verbs[verb](store, filters, time.time())
    given = filters.given()
    auth.AuthStore(store).audit(
        cli_actor(),
        f"workflow.{verb}_many",
        " ".join(f"{k}={v}" for k, v in given.items())[:200],
        {"filters": given, "count": len(changed), "via": "cli"},
        time.time(),
    )
    past = {"cancel": "cancelled", "resume": "resumed"}.get(verb, f"{verb}d")
    print(f"{past} {len(changed)} workflow{'s' if len(changed) != 1 else ''}")
    return common.EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    """Print one workflow and its history."""
    with contextlib.closing(common.open_existing_store(args)) as store:
        render.show(common.console(), store, args.id)
    return common.EXIT_OK


def cmd_cancel(args: argparse.Namespace) -> int:
    """Cancel a workflow through the store."""

    def cancel(store: base.Store, before: base.WorkflowRecord) -> None:
        if before.status in ("completed", "failed"):
            raise common.UsageError(
                f"workflow {args.id!r} is already {before.status}; only pending, running or "
                "waiting workflows can be cancelled"
            )
        children.cancel(store, args.id, time.time())  # with its unfinished children

    done = _one_or_bulk(args, "cancel", cancel)
    if isinstance(done, int):
        return done
    print(f"cancelled {args.id}")
    return common.EXIT_OK


def cmd_resume(args: argparse.Namespace) -> int:
    """Make a failed or cancelled workflow ready again through the store."""

    def resume(store: base.Store, before: base.WorkflowRecord) -> None:
        if before.status not in ("failed", "cancelled"):
            raise common.UsageError(
                f"workflow {args.id!r} is {before.status}; only failed or cancelled workflows "
                "can be resumed"
            )
        store.resume(args.id, time.time())

    done = _one_or_bulk(args, "resume", resume)
    if isinstance(done, int):
        return done
    print(f"resumed {args.id}; a worker on queue {done.queue!r} will continue it")
    return common.EXIT_OK


def _one_or_bulk(
    args: argparse.Namespace,
    verb: str,
    change: Callable[[base.Store, base.WorkflowRecord], None],
) -> base.WorkflowRecord | int:
    """Cancel or resume (`verb`) through the store: the workflows the filters select.

    Returns the bulk change's exit code, or, for one workflow `args.id`, its record from before
    `change` (which refuses a status it cannot change), after auditing the change.
    """
    with contextlib.closing(common.open_existing_store(args)) as store:
        filters = _bulk_filters(args, store)
        if filters is not None:
            return _bulk(args, store, verb, filters)
        before = _existing(store, args.id)
        change(store, before)
        _audit(store, f"workflow.{verb}", args.id, before.status)
    return before


FORK_SUMMARY = "Copy a finished workflow into a new id and re-run it from history position N"
FORK_DETAILS = """\
History positions before N (see 'podium show ID') are copied and replay their
recorded results; position N and everything after it run with the code the
workers run now. The original is left as it was. A worker serving the
workflow's queue picks the copy up. Needs no app code.

example: podium fork order-7 --from-step 2 --id order-7-retry"""


def _add_fork(commands: common.Subcommands) -> None:
    parser = common.subparser(commands, "fork", FORK_SUMMARY, FORK_DETAILS)
    parser.add_argument("id", metavar="ID", help="the finished workflow to copy")
    parser.add_argument(
        "--from-step",
        type=int,
        required=True,
        metavar="N",
        help="the first history position to run again (0 runs everything again)",
    )
    parser.add_argument("--id", dest="new_id", help="the new workflow's id (default: ID-fork-...)")
    common.store_option(parser)
    parser.set_defaults(command=cmd_fork)


def cmd_fork(args: argparse.Namespace) -> int:
    """Fork a finished workflow through the store."""
    with contextlib.closing(common.open_existing_store(args)) as store:
        before = _existing(store, args.id)
        try:
            new_id = versions.fork_in_store(
                store, args.id, from_step=args.from_step, id=args.new_id, now=time.time()
            )
        except errors.ConfigurationError as exc:
            raise common.UsageError(str(exc)) from None
        detail = {"from_step": args.from_step, "id": new_id, "via": "cli"}
        auth.AuthStore(store).audit(cli_actor(), "workflow.fork", args.id, detail, time.time())
    print(f"forked {args.id} into {new_id}; a worker on queue {before.queue!r} will run it")
    return common.EXIT_OK


def _audit(store: base.Store, action: str, workflow_id: str, was: str) -> None:
    """Record a CLI change in the audit log, as the HTTP API records its own."""
    auth.AuthStore(store).audit(
        cli_actor(), action, workflow_id, {"was": was, "via": "cli"}, time.time()
    )


def cli_actor() -> str:
    """Who runs this command, for the audit log: `cli:USER@HOST`."""
    try:
        user = getpass.getuser()
    except Exception:  # no user name in this environment (e.g. a bare container)
        user = "unknown"
    return f"cli:{user}@{socket.gethostname()}"


def _existing(store: base.Store, workflow_id: str) -> base.WorkflowRecord:
    record = store.get_workflow(workflow_id)
    if record is None:
        raise errors.WorkflowNotFound(workflow_id)
    return record


ID_COMMANDS: tuple[tuple[str, str, str, common.Command], ...] = (
    (
        "show",
        "Show one workflow: status, input, result or error, and its step history",
        """\
The history table lists every position: steps with their attempts and duration,
failed attempts that were retried (with error and retry time), timers with their
fire time, and recorded now()/random()/uuid4() values. Needs no app code.""",
        cmd_show,
    ),
    (
        "cancel",
        "Cancel a pending, running or waiting workflow",
        """\
A step that is running completes; nothing after it runs. 'podium resume ID' runs
a cancelled workflow again from its first unfinished step. Needs no app code.
Without ID, cancels every workflow matching the filters and prints how many:
podium cancel --workflow checkout --status waiting""",
        cmd_cancel,
    ),
    (
        "resume",
        "Run a failed or cancelled workflow again from its first unfinished step",
        """\
Completed steps keep their recorded results and do not run again; the step that
failed runs anew. A worker serving the workflow's queue picks it up. Needs no
app code. Without ID, resumes every failed or cancelled workflow matching the
filters: podium resume --workflow checkout --status failed""",
        cmd_resume,
    ),
)
"""The commands on one workflow by id: name, summary, details of their --help, command."""
