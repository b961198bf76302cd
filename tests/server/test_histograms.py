"""Step latency, queue wait and workflow latency as Prometheus histograms, and `/metrics` on a
port of its own (`podium server|worker --metrics-port`), parsed with prometheus_client's parser.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.server import serverapp
from tests.server.live import PODIUM, ROOT, free_port, serve
from tests.server.live import podium as podium_cli

HISTOGRAMS = {
    "podium_step_duration_seconds": {"workflow", "step", "outcome"},
    "podium_queue_wait_seconds": {"queue"},
    "podium_workflow_duration_seconds": {"workflow", "outcome"},
}


def families(text: str) -> dict[str, Any]:
    """The exposition parsed: metric families by name."""
    return {f.name: f for f in text_string_to_metric_families(text)}


def check_histogram(family: Any, labels: set[str]) -> dict[tuple[tuple[str, str], ...], float]:
    """Assert `family` is a well-formed histogram; its `_count` per label set."""
    assert family.type == "histogram", family.name
    series: dict[tuple[tuple[str, str], ...], dict[str, Any]] = {}
    for sample in family.samples:
        key = tuple(sorted((k, v) for k, v in sample.labels.items() if k != "le"))
        assert {k for k, _ in key} == labels, (family.name, sample.labels)
        entry = series.setdefault(key, {"buckets": []})
        if sample.name.endswith("_bucket"):
            entry["buckets"].append((float(sample.labels["le"]), sample.value))
        elif sample.name.endswith("_count"):
            entry["count"] = sample.value
        elif sample.name.endswith("_sum"):
            entry["sum"] = sample.value
    counts = {}
    for key, entry in series.items():
        buckets = sorted(entry["buckets"])
        assert buckets and math.isinf(buckets[-1][0]), (family.name, key)
        values = [v for _, v in buckets]
        assert values == sorted(values), f"{family.name} {key}: buckets are not cumulative"
        assert values[-1] == entry["count"] and entry["sum"] >= 0
        counts[key] = entry["count"]
    return counts


def test_histograms_in_the_exposition(client, as_scope, app):
    for n in range(3):
        app.start("checkout", {"id": f"o{n}", "fail": n == 2}, id=f"o{n}")
    with app.worker(2):
        for n in range(3):
            app.runtime.wait_for_end(f"o{n}", timeout=20)
    found = families(client.get("/metrics", headers=as_scope("read")).text)
    counts = {name: check_histogram(found[name], labels) for name, labels in HISTOGRAMS.items()}
    steps = counts["podium_step_duration_seconds"]
    charge = (("outcome", "error"), ("step", "charge"), ("workflow", "checkout"))
    assert steps[charge] == 6  # two failed attempts per workflow
    ship_ok = (("outcome", "completed"), ("step", "ship"), ("workflow", "checkout"))
    assert steps[ship_ok] == 2
    assert counts["podium_queue_wait_seconds"] == {(("queue", "default"),): 3}
    ended = counts["podium_workflow_duration_seconds"]
    assert ended[(("outcome", "completed"), ("workflow", "checkout"))] == 2
    assert ended[(("outcome", "failed"), ("workflow", "checkout"))] == 1
    values = {
        label_value
        for name in HISTOGRAMS
        for sample in found[name].samples
        for key, label_value in sample.labels.items()
        if key != "le"
    }
    assert not any(v.startswith("o") and v[1:].isdigit() for v in values)  # never an id


def _scrape(url: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                return str(answer.read().decode())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.mark.slow
def test_a_worker_serves_its_own_metrics_on_a_port(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    app = serverapp.build(url)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    worker = subprocess.Popen(
        [
            *(PODIUM, "worker", "tests.server.serverapp:app", "--concurrency", "2"),
            *("--metrics-port", str(port), "--database-url", url, "--log-level", "WARNING"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = families(_scrape(f"http://127.0.0.1:{port}/metrics"))
        assert "podium_workflows" not in first  # store figures come from the server, once
        for n in range(2):
            app.start("add", n, 1, id=f"a{n}")
        for n in range(2):
            assert app.get(f"a{n}").result(timeout=30) == n + 1
        deadline = time.monotonic() + 10
        while True:
            found = families(_scrape(f"http://127.0.0.1:{port}/metrics"))
            ended = check_histogram(
                found["podium_workflow_duration_seconds"], {"workflow", "outcome"}
            )
            if ended.get((("outcome", "completed"), ("workflow", "add"))) == 2:
                break
            assert time.monotonic() < deadline, ended
            time.sleep(0.1)
        waits = check_histogram(found["podium_queue_wait_seconds"], {"queue"})
        assert waits == {(("queue", "default"),): 2}
    finally:
        worker.send_signal(signal.SIGTERM)
        _, err = worker.communicate(timeout=20)
        app.close()
    assert worker.returncode == 0, err


@pytest.mark.slow
def test_the_server_serves_metrics_without_a_token_on_its_metrics_port(tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    app = serverapp.build(url)
    app.start("add", 1, 2, id="sum")
    app.close()
    port = free_port()
    with serve(url, "--metrics-port", str(port)) as base:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base + "/metrics", timeout=5)
        assert refused.value.code == 401
        refused.value.close()
        found = families(_scrape(f"http://127.0.0.1:{port}/metrics"))
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for s in found["podium_workflows"].samples
    }
    assert samples[("podium_workflows", (("status", "pending"), ("workflow", "add")))] == 1
    assert "podium_step_duration_seconds" in found


@pytest.mark.parametrize("value", ["0", "70000", "http"])
def test_a_bad_metrics_port_is_a_usage_error(tmp_path, value):
    done = podium_cli(
        "worker",
        "tests.server.serverapp:app",
        "--metrics-port",
        value,
        url=f"sqlite:///{tmp_path / 'x.db'}",
    )
    assert (
        done.returncode == 2 and "--metrics-port" in done.stderr and "Traceback" not in done.stderr
    )


def test_a_metrics_port_in_use_is_a_usage_error(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = podium_cli(
            "worker",
            "tests.server.serverapp:app",
            "--metrics-port",
            str(port),
            url=f"sqlite:///{tmp_path / 'x.db'}",
        )
    assert done.returncode == 2, done.stderr
    assert f"cannot serve metrics on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr
