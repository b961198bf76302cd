"""A worker's `cpu=`: its threads stay on that CPU; a wrong value names what to write."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import podium
from podium import errors
from podium.engine import affinity

pinning = pytest.mark.skipif(
    not affinity.supported(), reason="this platform cannot pin threads (os.sched_setaffinity)"
)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[podium.App]:
    opened = podium.App("pinned", database_url=f"sqlite:///{tmp_path / 'w.db'}")
    yield opened
    opened.close()


def _allowed() -> list[int]:
    return sorted(os.sched_getaffinity(0))


def _reporting_where_it_ran(app: podium.App) -> Any:
    """A workflow whose one step returns the CPUs its thread may run on."""

    @app.step
    def where() -> list[int]:
        return sorted(os.sched_getaffinity(0))

    @app.workflow
    def report() -> list[int]:
        return where()

    return report


def test_none_leaves_the_threads_where_the_os_puts_them() -> None:
    assert affinity.choose(None) is None


@pinning
def test_a_cpu_this_process_may_use_is_kept() -> None:
    cpu = _allowed()[-1]
    assert affinity.choose(cpu) == cpu


@pinning
def test_auto_picks_one_of_the_allowed_cpus_by_host_and_process_id() -> None:
    allowed = _allowed()
    offset = zlib.crc32(socket.gethostname().encode())
    assert affinity.choose("auto") == allowed[(offset + os.getpid()) % len(allowed)]


@pinning
def test_auto_spreads_processes_in_turn_and_containers_by_host_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    host_offset = affinity._host_offset
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    monkeypatch.setattr(affinity, "_host_offset", lambda: 0)
    picked: list[int] = []
    for pid in (100, 101, 102, 103):  # one host's workers, started one after another
        monkeypatch.setattr(os, "getpid", lambda pid=pid: pid)
        cpu = affinity.choose("auto")
        assert cpu is not None
        picked.append(cpu)
    assert sorted(picked) == [0, 1, 2, 3]
    monkeypatch.setattr(affinity, "_host_offset", host_offset)
    monkeypatch.setattr(os, "getpid", lambda: 1)  # containers: every worker is process 1
    by_host = set()
    for host in ("worker-7d9f-a", "worker-7d9f-b", "worker-7d9f-c", "worker-7d9f-d"):
        monkeypatch.setattr(socket, "gethostname", lambda host=host: host)
        by_host.add(affinity.choose("auto"))
    assert len(by_host) > 1


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        (True, ["cpu=True", "'auto'"]),
        ("fast", ["cpu='fast'", "'auto'"]),
        (1.0, ["cpu=1.0", "CPU number"]),
        ([0], ["cpu=[0]", "CPU number"]),
    ],
)
def test_a_value_that_is_no_cpu_names_the_choices(bad: object, words: list[str]) -> None:
    with pytest.raises(errors.ConfigurationError) as raised:
        affinity.choose(bad)
    for word in words:
        assert word in str(raised.value)


@pinning
@pytest.mark.parametrize("bad", [-1, 1 << 20])
def test_a_cpu_this_process_may_not_use_lists_those_it_may(bad: int) -> None:
    with pytest.raises(errors.ConfigurationError) as raised:
        affinity.choose(bad)
    message = str(raised.value)
    assert f"cpu={bad}" in message and "'auto'" in message
    assert str(_allowed()[0]) in message


def test_where_threads_cannot_be_pinned_auto_is_a_no_op_and_a_number_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(affinity, "supported", lambda: False)
    assert affinity.choose("auto") is None
    with pytest.raises(errors.ConfigurationError, match="Linux"):
        affinity.choose(0)


def test_the_allowed_cpus_read_as_ranges() -> None:
    assert affinity._ranges({0, 1, 2, 3, 6}) == "0-3, 6"
    assert affinity._ranges({5}) == "5"
    assert affinity._ranges({1, 3, 4}) == "1, 3-4"


def test_a_refused_pin_is_logged_and_the_thread_goes_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(pid: int, cpus: set[int]) -> None:
        raise OSError(22, "Invalid argument")

    monkeypatch.setattr(os, "sched_setaffinity", refuse, raising=False)
    with caplog.at_level(logging.WARNING, logger="podium.worker"):
        affinity.pin(3, "w-1")
    assert "could not keep a thread on CPU 3 (Invalid argument)" in caplog.text
    affinity.pin(None, "w-1")  # nothing asked: nothing done


def test_app_worker_refuses_a_bad_cpu_before_starting_anything(app: podium.App) -> None:
    with pytest.raises(errors.ConfigurationError, match="cpu='two'"):
        app.worker(cpu="two")
    assert app.store.live_workers(time.time()) == []  # no worker registered itself


@pinning
def test_the_workers_threads_run_on_its_cpu(app: podium.App) -> None:
    cpu = _allowed()[-1]
    report = _reporting_where_it_ran(app)

    callers = os.sched_getaffinity(0)
    with app.worker(concurrency=2, cpu=cpu) as worker:
        assert worker.cpu == cpu
        assert app.start(report).result(timeout=30) == [cpu]
        dispatcher = next(t for t in threading.enumerate() if t.name == "podium-dispatch")
        assert dispatcher.native_id is not None
        assert os.sched_getaffinity(dispatcher.native_id) == {cpu}
    assert os.sched_getaffinity(0) == callers  # the caller's thread is left alone


@pinning
def test_without_cpu_the_workers_threads_keep_the_process_cpus(app: podium.App) -> None:
    report = _reporting_where_it_ran(app)

    with app.worker(concurrency=2) as worker:
        assert worker.cpu is None
        assert app.start(report).result(timeout=30) == _allowed()
