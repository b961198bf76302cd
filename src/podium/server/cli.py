"""`podium server` and `podium tokens`: serve the API/dashboard, manage API tokens.

Registered by podium.cli; nothing here imports FastAPI until a server starts.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import time
from typing import Any

from podium import cli as base
from podium.store import auth, factory

LOOPBACK_NAMES = {"localhost"}


def add(commands: Any) -> None:
    """Register the `server` and `tokens` subcommands."""
    _add_server(commands)
    _add_tokens(commands)


def is_loopback(host: str) -> bool:
    """True if `host` only listens on this machine."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _add_server(commands: Any) -> None:
    parser = base._subparser(
        commands,
        "server",
        "Serve the JSON API, dashboard and /metrics of MODULE:APP over HTTP",
        "Every /api call needs 'Authorization: Bearer TOKEN' (podium tokens create); the\n"
        "dashboard at / logs in with a token. --no-auth is only allowed on a loopback host.\n"
        "Logs are text, or JSON lines with PODIUM_LOG_FORMAT=json.\n\n"
        "example: podium server shop.workflows:app --port 8080",
    )
    parser.add_argument("target", metavar="MODULE:APP", help="where the podium.App lives")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    parser.add_argument("--no-auth", action="store_true", help="no tokens (loopback host only)")
    parser.add_argument(
        "--max-body",
        type=base._positive_int,
        default=1_048_576,
        metavar="BYTES",
        help="largest request body accepted (default 1 MiB); bigger ones get 413",
    )
    parser.add_argument(
        "--max-queue-depth",
        type=base._positive_int,
        default=None,
        metavar="N",
        help="refuse starts (429) on a queue with N pending workflows",
    )
    parser.add_argument(
        "--worker",
        type=base._positive_int,
        default=0,
        metavar="N",
        help="also run a worker in this process, N workflows at once",
    )
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING"])
    base._store_option(parser, app_default=True)
    parser.set_defaults(command=cmd_server)


def cmd_server(args: argparse.Namespace) -> int:
    """Serve MODULE:APP until Ctrl+C."""
    if args.no_auth and not is_loopback(args.host):
        raise base.UsageError(
            f"--no-auth is refused on host {args.host!r}: anyone who reaches it could steer "
            "workflows; serve on 127.0.0.1 or create a token with 'podium tokens create'"
        )
    if not 0 < args.port < 65536:
        raise base.UsageError(f"--port {args.port} is not a TCP port (1-65535)")
    import uvicorn

    from podium.observability import logging as podium_logging
    from podium.server.app import create_app

    app = base._load_app(args)
    podium_logging.configure(args.log_level, app=app)
    server = create_app(
        app, auth=not args.no_auth, max_body=args.max_body, max_queue_depth=args.max_queue_depth
    )
    worker = app.worker(concurrency=args.worker).start() if args.worker else None
    try:
        uvicorn.run(server, host=args.host, port=args.port, log_config=None, access_log=False)
    finally:
        if worker is not None:
            worker.stop()
        app.close()
    return base.EXIT_OK


def _add_tokens(commands: Any) -> None:
    parser = base._subparser(
        commands,
        "tokens",
        "Create, list and revoke API tokens of the server",
        "Only a SHA-256 hash of each token is stored; 'create' prints the token once.\n"
        "Scopes: read (look), write (start workflows), admin (cancel, resume, tokens).\n\n"
        "example: podium tokens create --name ci --scope write",
    )
    parser.set_defaults(command=lambda _a: _usage(parser))
    actions = parser.add_subparsers(title="actions", metavar="ACTION")
    create = actions.add_parser("create", help="create a token and print it once")
    create.add_argument("--name", required=True, help="who or what uses it")
    create.add_argument(
        "--scope",
        action="append",
        choices=auth.SCOPES,
        dest="scopes",
        help="read, write or admin (repeatable; default read)",
    )
    create.add_argument("--json", action="store_true", help="print JSON")
    base._store_option(create)
    create.set_defaults(command=cmd_tokens_create)
    listing = actions.add_parser("list", help="list tokens (never their secrets)")
    base._store_option(listing)
    listing.set_defaults(command=cmd_tokens_list)
    revoke = actions.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("id", help="the token id (from 'podium tokens list')")
    base._store_option(revoke)
    revoke.set_defaults(command=cmd_tokens_revoke)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return base.EXIT_USAGE


def _tokens(args: argparse.Namespace) -> tuple[Any, auth.AuthStore]:
    store = factory.open_store(base._database_url(args))
    return store, auth.AuthStore(store)


def cmd_tokens_create(args: argparse.Namespace) -> int:
    """Create a token; print it (the only time it is shown)."""
    store, tokens = _tokens(args)
    try:
        now = time.time()
        info, token = tokens.create_token(args.name, args.scopes or ["read"], now)
        tokens.audit("cli", "token.create", info.id, {"scopes": list(info.scopes)}, now)
    finally:
        store.close()
    if args.json:
        print(json.dumps({"id": info.id, "name": info.name, "scopes": info.scopes, "token": token}))
    else:
        print(token)
        print(f"token {info.id} ({','.join(info.scopes)}); it is not shown again", flush=True)
    return base.EXIT_OK


def cmd_tokens_list(args: argparse.Namespace) -> int:
    """Print every token's id, name, scopes and state."""
    store, tokens = _tokens(args)
    try:
        found = tokens.list_tokens()
    finally:
        store.close()
    for t in found:
        state = "revoked" if t.revoked_at is not None else "active"
        print(f"{t.id}  {state:7}  {','.join(t.scopes):16}  {t.name}")
    if not found:
        print("no tokens; create one with 'podium tokens create --name NAME --scope read'")
    return base.EXIT_OK


def cmd_tokens_revoke(args: argparse.Namespace) -> int:
    """Revoke a token by id."""
    store, tokens = _tokens(args)
    try:
        now = time.time()
        if not tokens.revoke(args.id, now):
            raise base.UsageError(f"no active token has the id {args.id!r}")
        tokens.audit("cli", "token.revoke", args.id, None, now)
    finally:
        store.close()
    print(f"revoked {args.id}")
    return base.EXIT_OK
