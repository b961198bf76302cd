"""`max_payload_bytes` on both stores: a value far over it is refused before it is serialized.

Memory bounds, not timings: tracemalloc's peak while podium refuses a 40 MB value must stay
far below 40 MB (serializing it first, as podium once did, cost two to three times its size).
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest

import podium
from tests.conformance.conftest import AppFactory

HUGE = 40_000_000
"""Bytes of the value refused; the limit is 1 MB."""


def peak_while(action: Callable[[], Any]) -> int:
    """tracemalloc's peak (bytes) while `action` runs; the value exists before it starts."""
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_start_far_over_the_limit_is_refused_without_serializing_it(app_factory: AppFactory):
    app = app_factory(max_payload_bytes=1_000_000)

    @app.workflow
    def ingest(name: str, blob: str) -> int:
        return len(blob)

    blob = "x" * HUGE
    caught: list[podium.PayloadTooLarge] = []

    def start() -> None:
        with pytest.raises(podium.PayloadTooLarge) as info:
            app.start(ingest, "n", blob)
        caught.append(info.value)

    peak = peak_while(start)
    assert peak < HUGE // 10, f"refusing a {HUGE:,}-byte argument cost {peak:,} bytes"
    message = str(caught[0])
    assert "workflow 'ingest'" in message and "'blob'" in message
    full = len('{"args":["n",""],"kwargs":{}}') + HUGE
    assert HUGE < caught[0].size <= full and caught[0].at_least  # counted, never encoded
    assert f"at least {caught[0].size:,} bytes" in message
    assert app.list() == []


def test_a_step_result_far_over_the_limit_fails_the_workflow_without_serializing_it(
    app_factory: AppFactory,
):
    app = app_factory(max_payload_bytes=1_000_000)
    blob = ["y" * 10_000] * (HUGE // 10_000)  # 40 MB of JSON that takes 320 KB in memory

    @app.step
    def fetch() -> list[str]:
        return blob

    @app.workflow
    def load() -> int:
        return len(fetch())

    caught: list[podium.WorkflowFailed] = []

    def run() -> None:
        with pytest.raises(podium.WorkflowFailed) as info:
            app.run(load)
        caught.append(info.value)

    peak = peak_while(run)
    assert peak < HUGE // 10, f"refusing a {HUGE:,}-byte result cost {peak:,} bytes"
    failure = caught[0]
    assert failure.error_type == "PayloadTooLarge"
    assert "step 'fetch'" in failure.message and "workflow 'load'" in failure.message
    assert "at least" in failure.message and "payload limit of 1,000,000" in failure.message


def test_a_value_just_over_the_limit_still_gives_its_exact_size(app_factory: AppFactory):
    app = app_factory(max_payload_bytes=1000)

    @app.workflow
    def echo(text: str) -> str:
        return text

    with pytest.raises(podium.PayloadTooLarge) as caught:
        app.start(echo, "é" * 300)  # 302 characters, 1,802 bytes once escaped
    assert caught.value.size == len('{"args":["' + "\\u00e9" * 300 + '"],"kwargs":{}}')
    assert not caught.value.at_least
    assert app.list() == []
