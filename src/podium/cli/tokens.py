"""`podium tokens create|list|revoke`: the API tokens `podium server` accepts.

Only a SHA-256 hash of each token is stored; creating and revoking one writes an audit entry
with the actor `cli`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time
from collections.abc import Iterator

from podium.cli import common
from podium.store import auth, factory

SUMMARY = "Create, list and revoke API tokens of the server"
DETAILS = """\
Only a SHA-256 hash of each token is stored; 'create' prints the token once.
Scopes: read (look), write (start workflows), admin (cancel, resume, tokens);
traceback (see error tracebacks) and secrets (see redacted values; never
implied by admin) are given by name. --workflow and --queue (repeatable) limit
a token to those workflow names and queues (it can then list, get, start,
cancel and resume only those, and nothing else); --no-payloads lets it see
metadata but no inputs, outputs or history payloads.

example: podium tokens create --name ci --scope write
example: podium tokens create --name billing-bot --scope write --workflow invoice --queue billing"""


def add(commands: common.Subcommands) -> None:
    """Add the `tokens` command and its actions to podium's parser."""
    parser = common.subparser(commands, "tokens", SUMMARY, DETAILS)
    parser.set_defaults(command=common.help_command(parser, stdout=True))
    actions = parser.add_subparsers(title="actions", metavar="ACTION")
    create = actions.add_parser("create", help="create a token and print it once")
    create.add_argument("--name", required=True, help="who or what uses it")
    create.add_argument(
        "--scope",
        action="append",
        choices=auth.SCOPES + auth.EXTRA_SCOPES,
        dest="scopes",
        help="read, write or admin; traceback, secrets (see redacted values) "
        "(repeatable; default read)",
    )
    create.add_argument(
        "--expires-in",
        type=common.seconds,
        metavar="SECONDS",
        help="the token stops working this many seconds from now (default: never)",
    )
    create.add_argument(
        "--workflow",
        action="append",
        dest="workflows",
        metavar="NAME",
        help="limit it to this workflow name (repeatable; default: any)",
    )
    create.add_argument(
        "--queue",
        action="append",
        dest="queues",
        metavar="NAME",
        help="limit it to workflows on this queue (repeatable; default: any)",
    )
    create.add_argument(
        "--no-payloads",
        action="store_false",
        dest="payloads",
        help="it sees no workflow inputs, outputs or history payloads (metadata only)",
    )
    create.add_argument("--json", action="store_true", help="print JSON")
    common.store_option(create)
    create.set_defaults(command=cmd_tokens_create)
    listing = actions.add_parser("list", help="list tokens (never their secrets)")
    common.store_option(listing)
    listing.set_defaults(command=cmd_tokens_list)
    revoke = actions.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("id", help="the token id (from 'podium tokens list')")
    common.store_option(revoke)
    revoke.set_defaults(command=cmd_tokens_revoke)


@contextlib.contextmanager
def _tokens(args: argparse.Namespace) -> Iterator[auth.AuthStore]:
    """The token book of the chosen store (created if new), closed afterwards."""
    with contextlib.closing(factory.open_store(common.database_url(args))) as store:
        yield auth.AuthStore(store)


def cmd_tokens_create(args: argparse.Namespace) -> int:
    """Create a token; print it (the only time it is shown)."""
    with _tokens(args) as tokens:
        now = time.time()
        expires = None if args.expires_in is None else now + args.expires_in
        info, token = tokens.create_token(
            args.name,
            args.scopes or ["read"],
            now,
            expires,
            workflows=args.workflows,
            queues=args.queues,
            payloads=args.payloads,
        )
        tokens.audit("cli", "token.create", info.id, info.limits(), now)
    if args.json:
        found = {"id": info.id, "name": info.name, "scopes": info.scopes, "token": token}
        print(json.dumps(found | info.limits()))
    else:
        print(token)
        print(f"token {info.id} ({_described(info)}); it is not shown again", flush=True)
    return common.EXIT_OK


def cmd_tokens_list(args: argparse.Namespace) -> int:
    """Print every token's id, name, scopes and state."""
    with _tokens(args) as tokens:
        found = tokens.list_tokens()
    for t in found:
        now = time.time()
        state = "revoked" if t.revoked_at is not None else "active" if t.active(now) else "expired"
        print(f"{t.id}  {state:7}  {_described(t):16}  {t.name}")
    if not found:
        print("no tokens; create one with 'podium tokens create --name NAME --scope read'")
    return common.EXIT_OK


def cmd_tokens_revoke(args: argparse.Namespace) -> int:
    """Revoke a token by id."""
    with _tokens(args) as tokens:
        now = time.time()
        if not tokens.revoke(args.id, now):
            raise common.UsageError(f"no active token has the id {args.id!r}")
        tokens.audit("cli", "token.revoke", args.id, None, now)
    print(f"revoked {args.id}")
    return common.EXIT_OK


def _described(info: auth.TokenInfo) -> str:
    """`write workflows=a,b queues=q no-payloads`: scopes, then any limits."""
    words = [",".join(info.scopes)]
    if info.workflows is not None:
        words.append("workflows=" + ",".join(info.workflows))
    if info.queues is not None:
        words.append("queues=" + ",".join(info.queues))
    if not info.payloads:
        words.append("no-payloads")
    return " ".join(words)
