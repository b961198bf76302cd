"""`podium server MODULE:APP`: serve the JSON API, dashboard and /metrics over HTTP.

The HTTP server itself lives in `podium.server`; this module only parses the command and
starts it. FastAPI and uvicorn are imported when a server starts, not when podium parses.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
from collections.abc import Callable
from typing import Any

from podium.cli import common
from podium.observability import logging as podium_logging
from podium.observability import otel

LOOPBACK_NAMES = {"localhost"}


SUMMARY = "Serve the JSON API, dashboard and /metrics of MODULE:APP over HTTP"
DETAILS = """\
Every /api call needs 'Authorization: Bearer TOKEN' (podium tokens create); the
dashboard at / logs in with a token. --no-auth is only allowed on a loopback host.
Logs are text, or JSON lines with PODIUM_LOG_FORMAT=json.

example: podium server shop.workflows:app --port 8080"""


def add(commands: common.Subcommands) -> None:
    """Add `server` to podium's parser."""
    parser = common.subparser(commands, "server", SUMMARY, DETAILS)
    common.app_argument(parser)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    parser.add_argument("--no-auth", action="store_true", help="no tokens (loopback host only)")
    common.count_option(
        parser,
        "--max-body",
        1_048_576,
        "BYTES",
        "largest request body accepted (default 1 MiB); bigger ones get 413",
    )
    common.count_option(
        parser,
        "--max-queue-depth",
        None,
        "N",
        "refuse starts (429) on a queue with N pending workflows",
    )
    common.count_option(
        parser, "--worker", 0, "N", "also run a worker in this process, N workflows at once"
    )
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING"])
    common.otel_option(parser)
    common.metrics_options(parser, "the same figures as /metrics, for scrapers without a token")
    common.store_option(parser, app_default=True)
    parser.set_defaults(command=cmd_server)


def is_loopback(host: str) -> bool:
    """True if `host` only listens on this machine."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _serve_metrics(server: Any, args: argparse.Namespace) -> Callable[[], None]:
    """With --metrics-port, the server's /metrics also on a port of its own, without auth."""
    if args.metrics_port is None:
        return lambda: None
    if args.metrics_port == args.port and args.metrics_host == args.host:
        raise common.UsageError(f"--metrics-port {args.metrics_port} is the API's --port")
    try:
        stop: Callable[[], None] = server.state.podium.metrics.serve(
            args.metrics_host, args.metrics_port
        )
    except OSError as exc:
        raise common.UsageError(
            f"cannot serve metrics on {args.metrics_host}:{args.metrics_port}: {exc.strerror}"
        ) from None
    logging.getLogger("podium.server").info(
        "metrics on http://%s:%d/metrics", args.metrics_host, args.metrics_port
    )
    return stop


def cmd_server(args: argparse.Namespace) -> int:
    """Serve MODULE:APP until Ctrl+C."""
    if args.no_auth and not is_loopback(args.host):
        raise common.UsageError(
            f"--no-auth is refused on host {args.host!r}: anyone who reaches it could steer "
            "workflows; serve on 127.0.0.1 or create a token with 'podium tokens create'"
        )
    if not 0 < args.port < 65536:
        raise common.UsageError(f"--port {args.port} is not a TCP port (1-65535)")
    # Lazy: uvicorn and FastAPI (the `server` extra) load only when a server really starts,
    # so `podium --help` and every other command stay light and work without the extra.
    import uvicorn

    from podium.server.app import create_app

    app = common.load_app(args)
    podium_logging.configure(args.log_level, app=app)
    if otel.wanted(args.otel):
        try:
            logging.getLogger("podium.server").info("%s", otel.enable(app))
        except RuntimeError as exc:
            raise common.UsageError(str(exc)) from exc
    server = create_app(
        app, auth=not args.no_auth, max_body=args.max_body, max_queue_depth=args.max_queue_depth
    )
    try:
        stop_metrics = _serve_metrics(server, args)
    except common.UsageError:
        app.close()
        raise
    worker = app.worker(concurrency=args.worker).start() if args.worker else None
    try:
        uvicorn.run(server, host=args.host, port=args.port, log_config=None, access_log=False)
    finally:
        if worker is not None:
            worker.stop()
        stop_metrics()
        app.close()
    return common.EXIT_OK
