"""PostgreSQL pushes wake-ups (LISTEN/NOTIFY): workers and waiters in other processes hear of
new work and finished workflows without waiting for their poll."""

import contextlib
import time
from typing import Any

import podium
from tests import pg

SLOW_POLL: dict[str, Any] = {"poll_interval": 30.0, "lease_seconds": 5, "suspend_grace": 0.2}


def _two_apps(url: str) -> tuple[podium.App, podium.App]:
    def build(name: str) -> podium.App:
        app = podium.App(name, database_url=url, **SLOW_POLL)

        @app.step
        def add_one(x: int) -> int:
            return x + 1

        @app.workflow
        def bump(x: int) -> int:
            return add_one(x)

        return app

    return build("client"), build("worker")


def test_a_worker_in_another_app_hears_new_work_and_the_client_hears_the_end():
    with pg.fresh_schema() as url, contextlib.ExitStack() as stack:
        client, server = _two_apps(url)
        stack.callback(client.close)
        stack.callback(server.close)
        server.store  # noqa: B018 - open (and migrate) before the worker starts
        with server.worker(concurrency=2):
            # With a 30 s poll, finishing within 10 s needs both pushes: work and done.
            handles = [client.start("bump", n) for n in range(5)]
            assert [h.result(timeout=10) for h in handles] == [1, 2, 3, 4, 5]


def _eventually(check, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def test_a_wake_of_a_waiting_workflow_is_pushed():
    with pg.fresh_schema() as url, contextlib.ExitStack() as stack:
        client, server = _two_apps(url)
        stack.callback(client.close)
        stack.callback(server.close)

        @server.workflow
        def napper() -> str:
            podium.sleep(3600)
            return "woke"

        client.registry.add_workflow(napper)

        def runs() -> int:
            record = client.store.get_workflow("nap")
            return 0 if record is None or record.status != "waiting" else record.runs

        with server.worker(concurrency=1):
            handle = client.start("napper", id="nap")
            _eventually(lambda: runs() == 1)
            # Readied by a wake, the worker must hear of it without its 30 s poll; the timer
            # has not fired, so the replay suspends again, with one more run counted.
            assert client.store.wake("nap", client.runtime.clock.time())
            _eventually(lambda: runs() == 2)
            handle.cancel()
