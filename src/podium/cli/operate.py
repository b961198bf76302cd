"""`podium query|update|pause|unpause|pause-queue|resume-queue`: operate running workflows.

`query` and `update` import the app (the handlers are its code); the pause commands change
the store directly and need no app code. Every change is recorded in the audit log.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time
from collections.abc import Callable
from typing import Any

from podium import arguments, errors, redaction
from podium.app import App
from podium.cli import common, workflows
from podium.store import auth, operate
from podium.store import queues as queue_store
from podium.types import TERMINAL_STATUSES


def add(commands: common.Subcommands) -> None:
    """Add the commands that query, update and pause workflows and queues."""
    for name, summary, details in (
        ("query", "Answer a workflow's declared query from its latest state", QUERY_DETAILS),
        ("update", "Apply a declared update to a running workflow; print its answer", UPDATE),
    ):
        parser = common.subparser(commands, name, summary, details)
        common.app_argument(parser)
        parser.add_argument("id", metavar="ID", help="the workflow id")
        parser.add_argument("name", metavar="NAME", help="the query or update name")
        parser.add_argument("--arg", metavar="JSON", help="the handler's argument, as JSON")
        if name == "update":
            common.seconds_option(parser, "--timeout", "give up waiting after S (default 60)")
            parser.add_argument("--update-id", help="same id, same update (safe to retry)")
        parser.add_argument(
            "--reveal",
            action="store_true",
            help="print the values the workflow marks sensitive (redact=) instead of *****",
        )
        common.store_option(parser, app_default=True)
        parser.set_defaults(command=cmd_query if name == "query" else cmd_update)
    for name, summary, command in (
        ("pause", "Pause a workflow: it starts no new step until unpaused", cmd_pause),
        ("unpause", "Let a paused workflow run again", cmd_unpause),
    ):
        parser = common.subparser(commands, name, summary, PAUSE_DETAILS)
        workflows.bulk_arguments(parser)
        common.store_option(parser)
        parser.set_defaults(command=command)
    for name, summary, command in (
        ("pause-queue", "Stop every worker claiming from a queue", cmd_pause_queue),
        ("resume-queue", "Claim from a paused queue again", cmd_resume_queue),
    ):
        parser = common.subparser(commands, name, summary, QUEUE_DETAILS)
        parser.add_argument("queue", metavar="QUEUE", help="the queue name")
        common.store_option(parser)
        parser.set_defaults(command=command)


QUERY_DETAILS = """\
Runs the handler declared with @wf.query(NAME) on the state the workflow last
stored; needs no worker and writes nothing.

example: podium query shop:app cart-9 progress"""
UPDATE = """\
Validates, then sends the update; the workflow applies it once, where it waits
in podium.wait_condition, and the answer is printed as JSON. A rejected update
writes nothing (exit 1).

example: podium update shop:app cart-9 add_item --arg '{"sku": "A"}'"""
PAUSE_DETAILS = """\
A step in flight finishes and is recorded; then the workflow waits, paused,
until 'podium unpause ID' (across worker restarts). Needs no app code.
Instead of an ID, filters act on every matching workflow (audited).

example: podium pause --workflow checkout --status running"""
QUEUE_DETAILS = """\
Runs in progress go on; new and waking workflows of the queue wait until
'podium resume-queue QUEUE'. Needs no app code."""


def _arg(args: argparse.Namespace) -> object:
    return None if args.arg is None else common.parse_json("--arg", args.arg)


def _masking(app: App, args: argparse.Namespace) -> Callable[[Any], Any]:
    """Shows a value the workflow computed with its sensitive (redact=) values as `*****`.

    Identity with `--reveal`; the values are those the workflow's stored payloads mark.
    """
    if args.reveal:
        return lambda value: value
    found: list[frozenset[str]] = []

    def masked(value: Any) -> Any:
        if not found:
            record = app.store.get_workflow(args.id)
            texts = [] if record is None else [record.input, record.output]
            texts += [e.payload for e in app.store.load_history(args.id)]
            found.append(redaction.sensitive_values(texts))
        return redaction.scrub_value(value, found[0])

    return masked


def cmd_query(args: argparse.Namespace) -> int:
    """Print the answer of a query as JSON (sensitive values masked unless --reveal)."""
    value = _arg(args)
    app = common.load_app(args)
    try:
        masked = _masking(app, args)
        try:
            answer = app.get(args.id).query(args.name, value)
        except errors.QueryFailed as exc:
            common.print_error(str(masked(str(exc))))
            return common.EXIT_FAILED
        print(json.dumps(masked(answer)), flush=True)
    finally:
        app.close()
    return common.EXIT_OK


def cmd_update(args: argparse.Namespace) -> int:
    """Apply an update and print its answer as JSON (sensitive values masked unless --reveal)."""
    value = _arg(args)
    app = common.load_app(args)
    try:
        handle = app.get(args.id)
        masked = _masking(app, args)
        timeout = 60.0 if args.timeout is None else args.timeout
        try:
            answer = handle.update(args.name, value, timeout=timeout, id=args.update_id)
        except (errors.UpdateRejected, errors.UpdateFailed, TimeoutError) as exc:
            common.print_error(str(masked(str(exc))))
            return common.EXIT_FAILED
        workflows._audit(app.store, "workflow.update", args.id, args.name)
        print(json.dumps(masked(answer)), flush=True)
    finally:
        app.close()
    return common.EXIT_OK


def _pausing(args: argparse.Namespace, pause: bool) -> int:
    with contextlib.closing(common.open_existing_store(args)) as store:
        filters = workflows._bulk_filters(args, store)
        if filters is not None:
            return workflows._bulk(args, store, "pause" if pause else "unpause", filters)
        before = workflows._existing(store, args.id)
        if pause and before.status in TERMINAL_STATUSES:
            raise errors.WorkflowEnded(args.id, before.status, "pause")
        ops = operate.for_store(store)
        changed = ops.pause(args.id, time.time()) if pause else ops.unpause(args.id, time.time())
        action = "workflow.pause" if pause else "workflow.unpause"
        workflows._audit(store, action, args.id, before.status)
    word = "paused" if pause else "unpaused"
    print(f"{word} {args.id}" if changed else f"{args.id} was already {word}")
    return common.EXIT_OK


def cmd_pause(args: argparse.Namespace) -> int:
    """Pause a workflow through the store."""
    return _pausing(args, True)


def cmd_unpause(args: argparse.Namespace) -> int:
    """Unpause a workflow through the store."""
    return _pausing(args, False)


def _queue(args: argparse.Namespace, pause: bool) -> int:
    queue = arguments.check_name(args.queue, "queue")
    with contextlib.closing(common.open_existing_store(args)) as store:
        queue_store.set_paused(store.connector, queue, pause, time.time())
        action = "queue.pause" if pause else "queue.resume"
        detail = {"via": "cli"}
        auth.AuthStore(store).audit(workflows.cli_actor(), action, queue, detail, time.time())
    print(f"{'paused' if pause else 'resumed'} queue {queue}")
    return common.EXIT_OK


def cmd_pause_queue(args: argparse.Namespace) -> int:
    """Pause a queue through the store."""
    return _queue(args, True)


def cmd_resume_queue(args: argparse.Namespace) -> int:
    """Resume a queue through the store."""
    return _queue(args, False)
