"""`podium worker MODULE:APP`: serve an app's workflows until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable

from podium import errors
from podium.app import App
from podium.cli import common
from podium.engine import affinity
from podium.engine.worker import Worker
from podium.observability import logging as podium_logging
from podium.observability import otel
from podium.store import urls

SUMMARY = "Run a worker that executes the workflows of MODULE:APP"
DETAILS = """\
Blocks until SIGINT (Ctrl+C) or SIGTERM, then stops cleanly: running workflows
finish their current step and are handed back for any worker to continue.
Logs are text, or JSON lines with PODIUM_LOG_FORMAT=json; --otel or PODIUM_OTEL=1
turns OpenTelemetry tracing on.

example: podium worker examples.checkout:app --concurrency 8 --queues default,emails"""


def add(commands: common.Subcommands) -> None:
    """Add `worker` to podium's parser."""
    parser = common.subparser(commands, "worker", SUMMARY, DETAILS)
    common.app_argument(parser)
    common.count_option(parser, "--concurrency", 16, "N", "workflows at once (default 16)")
    parser.add_argument(
        "--queues",
        type=common.queue_list,
        default=None,
        metavar="A,B",
        help="comma-separated (default: 'default', every queue the app declares with "
        "app.queue and every queue its workflows start on)",
    )
    parser.add_argument(
        "--cpu",
        type=cpu_choice,
        default=None,
        metavar="N|auto",
        help="keep this worker's threads on one CPU: faster GIL hand-offs between them, but "
        "steps' GIL-releasing C code (numpy, compression) no longer runs on several CPUs; "
        "'auto' picks one by host name and process id, spreading worker processes "
        "(and containers) over the CPUs "
        "(default: the OS places them)",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="log level of the worker's log lines on stderr (default INFO)",
    )
    common.otel_option(parser)
    common.metrics_options(parser, "this worker's step latency, queue wait and runs")
    common.store_option(parser, app_default=True)
    parser.set_defaults(command=cmd_worker)


def cpu_choice(text: str) -> int | str:
    """An argparse type: a CPU number (0 or more) or "auto"."""
    if text == affinity.AUTO:
        return text
    try:
        cpu = int(text)
    except ValueError:
        cpu = -1
    if cpu < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a CPU number (0, 1, ...) or 'auto'")
    return cpu


RETRY_FIRST = 1.0
RETRY_MAX = 10.0
log = logging.getLogger("podium.worker")


def _wait_for_store(app: App, args: argparse.Namespace) -> Worker:
    """The app's worker, once its store answers: a database down at start is waited for.

    A supervisor would only restart a worker that exited; a wrong URL or a refusal (no such
    database, bad credentials) still ends it with the usage-error code.
    """
    delay = RETRY_FIRST
    while True:
        try:
            return app.worker(concurrency=args.concurrency, queues=args.queues, cpu=args.cpu)
        except errors.StoreUnavailable as exc:
            log.warning("the database is unavailable (%s); retrying in %.0fs", exc, delay)
            time.sleep(delay)
            delay = min(delay * 2, RETRY_MAX)


def _serve_metrics(app: App, args: argparse.Namespace) -> Callable[[], None]:
    """With --metrics-port, this process's metrics on their own port; what stops them."""
    if args.metrics_port is None:
        return lambda: None
    try:
        from podium.observability import metrics
    except ImportError:
        raise common.UsageError(
            "--metrics-port needs prometheus_client: pip install 'podium[server]'"
        ) from None
    try:
        stop = metrics.Metrics(app, store=False).serve(args.metrics_host, args.metrics_port)
    except OSError as exc:
        raise common.UsageError(
            f"cannot serve metrics on {args.metrics_host}:{args.metrics_port}: {exc.strerror}"
        ) from None
    log.info("metrics on http://%s:%d/metrics", args.metrics_host, args.metrics_port)
    return stop


def cmd_worker(args: argparse.Namespace) -> int:
    """Serve MODULE:APP until SIGINT/SIGTERM."""
    app = common.load_app(args)
    podium_logging.configure(args.log_level)  # text, or JSON with PODIUM_LOG_FORMAT
    try:
        worker = _wait_for_store(app, args)  # the app's store opens here, maybe after waiting
        podium_logging.configure(args.log_level, app=app)  # now with each run's fields
        if otel.wanted(args.otel):
            try:
                log.info("%s", otel.enable(app))
            except RuntimeError as exc:
                raise common.UsageError(str(exc)) from exc
        stop_metrics = _serve_metrics(app, args)
        common.console(stderr=True).print(
            f"podium worker: app [bold]{common.escape(app.name)}[/], "
            f"queues {common.escape(','.join(worker.queues))}, "
            f"concurrency {worker.concurrency}, "
            f"{'' if worker.cpu is None else f'on CPU {worker.cpu}, '}"
            f"store {common.escape(urls.redact(app.settings.database_url))} "
            "[dim](Ctrl+C to stop)[/]",
            highlight=False,
        )
        try:
            worker.run()
        finally:
            stop_metrics()
    except KeyboardInterrupt:
        pass  # Ctrl+C before the worker took over SIGINT (while waiting, say): stop as asked
    finally:
        app.close()
    common.console(stderr=True).print("podium worker: stopped", highlight=False)
    return common.EXIT_OK
