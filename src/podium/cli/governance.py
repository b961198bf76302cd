"""`podium audit verify|log`, `podium purge` and `podium rekey`: govern what the store keeps.

`audit verify` recomputes the audit log's hash chain and exits 1 naming the first broken
entry; `purge` deletes old finished workflows (dry run with `--dry-run`); `rekey` re-encodes
stored payloads under the app's codecs as configured now. Purge and rekey are audited.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time

from podium import governance
from podium.cli import common, workflows
from podium.store import auth
from podium.types import TERMINAL_STATUSES

AUDIT = "Verify or print the tamper-evident audit log"
AUDIT_DETAILS = """\
Every audited change (starts, cancels, resumes, tokens, purges, rekeys, ...)
is an entry chained to the one before it by a SHA-256 hash. 'verify' walks the
chain and exits 1 naming the first entry that was edited, deleted or inserted.

example: podium audit verify --database-url postgresql://..."""

PURGE = "Delete finished workflows older than an age, with their history"
PURGE_DETAILS = """\
Only completed, failed and cancelled workflows (or --status) that were created
and last changed before the age, with their history, attempts and children;
never a pending, running or waiting one, nor state-machine instances. Deletes
in batches, each one transaction; audited. --dry-run only counts. With
--app MODULE:APP the purge goes through that app's store, so payloads it keeps
as blobs (App(blob_store=...)) are deleted with their workflows; without it,
only rows are deleted and such blobs stay behind.

example: podium purge --older-than 30d --status completed --dry-run
         podium purge --older-than 30d --app shop:app"""

REKEY = "Re-encrypt stored payloads under the app's current codecs and key"
REKEY_DETAILS = """\
After adding a key and making it current in the app's KeyRing, rewrites every
stored payload not yet under it (and payloads written before codecs were
configured), in batches. Safe while workers run; run it again to resume;
audited. Drop the old key only after it reports nothing left to rewrite.

example: podium rekey shop:app --batch 1000"""


def add(commands: common.Subcommands) -> None:
    """Add `audit`, `purge` and `rekey` to podium's parser."""
    parser = common.subparser(commands, "audit", AUDIT, AUDIT_DETAILS)
    parser.set_defaults(command=common.help_command(parser, stdout=True))
    actions = parser.add_subparsers(title="actions", metavar="ACTION")
    verify = actions.add_parser("verify", help="check the hash chain; exit 1 if it is broken")
    common.store_option(verify)
    verify.set_defaults(command=cmd_audit_verify)
    log = actions.add_parser("log", help="print the newest entries as JSON lines")
    common.count_option(log, "--limit", 50, "N", "how many entries (50)")
    common.store_option(log)
    log.set_defaults(command=cmd_audit_log)

    purge = common.subparser(commands, "purge", PURGE, PURGE_DETAILS)
    purge.add_argument(
        "--older-than", required=True, metavar="AGE", help="30d, 12h, 90m, 45s, 2w or seconds"
    )
    purge.add_argument(
        "--status",
        action="append",
        choices=TERMINAL_STATUSES,
        help="only this finished status (repeatable; default: all three)",
    )
    common.count_option(purge, "--batch", 500, "N", "workflows per transaction (500)")
    purge.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    purge.add_argument(
        "--app",
        dest="target",
        metavar="MODULE:APP",
        help="purge through this app's store (its codecs and blob store: blobs go too)",
    )
    common.store_option(purge, app_default=True)
    purge.set_defaults(command=cmd_purge)

    rekey = common.subparser(commands, "rekey", REKEY, REKEY_DETAILS)
    common.app_argument(rekey)
    common.count_option(rekey, "--batch", 500, "N", "rows per transaction (500)")
    common.store_option(rekey, app_default=True)
    rekey.set_defaults(command=cmd_rekey)


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Recompute the chain; exit 1 naming the first broken entry."""
    with contextlib.closing(common.open_existing_store(args)) as store:
        checked, problem = auth.AuthStore(store).verify_audit()
    if problem is not None:
        common.print_error(f"audit log is broken: {problem} ({checked} entries before it hold)")
        return common.EXIT_FAILED
    print(f"audit log intact: {checked} entries verified")
    return common.EXIT_OK


def cmd_audit_log(args: argparse.Namespace) -> int:
    """Print the newest entries, newest first, as JSON lines."""
    with contextlib.closing(common.open_existing_store(args)) as store:
        entries = auth.AuthStore(store).audit_log(args.limit)
    for e in entries:
        row = {"id": e.id, "at": e.at, "actor": e.actor, "action": e.action}
        print(json.dumps({**row, "target": e.target, "detail": e.detail}, default=str))
    return common.EXIT_OK


def cmd_purge(args: argparse.Namespace) -> int:
    """Delete (or count) old finished workflows (and, through an app's store, their blobs)."""
    app = common.load_app(args) if args.target else None
    store = app.store if app is not None else common.open_existing_store(args)
    try:
        found = governance.purge(
            store,
            time.time(),
            args.older_than,
            args.status,
            batch=args.batch,
            dry_run=args.dry_run,
            actor=workflows.cli_actor(),
        )
    finally:
        (app or store).close()
    verb = "would delete" if found.dry_run else "deleted"
    kept = f"; kept {found.skipped} with unfinished children" if found.skipped else ""
    print(f"{verb} {found.workflows} workflow{'s' if found.workflows != 1 else ''}{kept}")
    return common.EXIT_OK


def cmd_rekey(args: argparse.Namespace) -> int:
    """Re-encode payloads under the app's codecs; progress on stderr."""
    app = common.load_app(args)
    try:

        def progress(where: str, rows: int) -> None:
            sys.stderr.write(f"{where}: {rows} rows looked at\n")

        done = governance.rekey(
            app.store, app.codecs, batch=args.batch, progress=progress, actor=workflows.cli_actor()
        )
    finally:
        app.close()
    print(
        f"rewrote {done.rewritten} of {done.scanned} stored payloads"
        + (f"; {done.raced} changed meanwhile (already current)" if done.raced else "")
        + (f"; {done.blobs_rewritten} now in re-encoded blobs" if done.blobs_rewritten else "")
        + (f"; {done.blobs_missing} blobs could not be read" if done.blobs_missing else "")
    )
    return common.EXIT_OK
