"""The `podium` command line end to end: real processes, a real SQLite file in tmp_path."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from podium.engine import affinity
from podium.store import auth, base, factory
from podium.store import search as search_store

PODIUM = str(Path(sys.executable).with_name("podium"))
HERE = Path(__file__).parent


class CLI:
    """Runs `podium` against one tmp_path database with the test app importable."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.url = f"sqlite:///{tmp_path / 'cli.db'}"
        self.env = {
            **os.environ,
            "PODIUM_DATABASE_URL": self.url,
            "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
            "COLUMNS": "200",
        }
        factory.open_store(self.url).close()

    def __call__(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [PODIUM, *args],
            env=self.env,
            cwd=self.tmp_path,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def ok(self, *args: str) -> str:
        done = self(*args)
        assert done.returncode == 0, f"podium {args} exited {done.returncode}: {done.stderr}"
        return done.stdout

    def start(self, *args: str) -> str:
        return self.ok("start", "cliapp:app", *args).strip()

    def record(self, workflow_id: str) -> base.WorkflowRecord:
        store = factory.open_store(self.url)
        try:
            record = store.get_workflow(workflow_id)
        finally:
            store.close()
        assert record is not None
        return record

    def wait_for(self, workflow_id: str, *statuses: str, within: float = 30) -> None:
        deadline = time.monotonic() + within
        while self.record(workflow_id).status not in statuses:
            assert time.monotonic() < deadline, f"{workflow_id} never reached {statuses}"
            time.sleep(0.05)

    def audit(self) -> list[auth.AuditEntry]:
        store = factory.open_store(self.url)
        try:
            return auth.AuthStore(store).audit_log()
        finally:
            store.close()

    def wait_for_worker(self, within: float = 30) -> None:
        deadline = time.monotonic() + within
        while True:
            store = factory.open_store(self.url)
            try:
                if store.live_workers(time.time()):
                    return
            finally:
                store.close()
            assert time.monotonic() < deadline, "no worker registered"
            time.sleep(0.05)

    @contextlib.contextmanager
    def worker(self, *options: str) -> Iterator[subprocess.Popen[str]]:
        """A `podium worker` process; on exit it gets SIGTERM and must stop with code 0."""
        log = (self.tmp_path / "worker.log").open("w")
        proc = subprocess.Popen(
            [PODIUM, "worker", "cliapp:app", "--concurrency", "2", *options],
            env=self.env,
            cwd=self.tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            yield proc
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(timeout=30)
            finally:
                proc.kill()
                log.close()
            output = (self.tmp_path / "worker.log").read_text()
            assert code == 0, f"worker exited {code}:\n{output}"
            assert "Traceback" not in output, output


@pytest.fixture
def cli(tmp_path: Path) -> CLI:
    return CLI(tmp_path)


def assert_user_error(done: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit 2 with exactly one `error:` line on stderr naming `words`, and no traceback."""
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    for word in words:
        assert word in lines[0]


def test_demo_runs_the_checkout_and_shows_its_history(cli: CLI) -> None:
    url = f"sqlite:///{cli.tmp_path / 'demo.db'}"
    out = cli.ok("demo", "--database-url", url)
    assert "charge_payment attempt 1 failed: ConnectionError" in out
    assert "durable timer" in out and "✔ completed" in out
    assert "retried" in out and "fired at" in out  # the `podium show` table
    listing = cli.ok("ls", "--database-url", url)
    assert "checkout" in listing and "completed" in listing


def test_demo_uses_a_temporary_store_by_default(cli: CLI) -> None:
    out = cli.ok("demo")
    assert "✔ completed" in out and "send_receipt" in out
    assert "temporary file" in out
    assert sorted(p.name for p in cli.tmp_path.iterdir()) == ["cli.db"]


def test_demo_incident_detects_remediates_and_recovers(cli: CLI) -> None:
    out = cli.ok("demo", "--incident", "--per-minute", "2")
    lines = [line.split(maxsplit=2) for line in out.splitlines() if line.startswith("  1")]
    kinds = [parts[1] for parts in lines if len(parts) == 3]
    incident = kinds.index("incident")
    assert kinds.index("anomaly") > incident and kinds.index("decision") > incident
    assert kinds.index("recovery") > kinds.index("anomaly")
    assert "step charge: p95 latency" in out
    assert "rule payments-failing: breaker 'payments' is now open" in out
    assert "rule retry-checkouts:" in out and "failed workflow(s) of 'checkout' resumed" in out
    assert "half_open -> closed" in out
    assert "0 still failed" in out and "min after the outage began" in out
    assert "remediation rule" not in out  # the log lines are left out of the timeline


def test_demo_incident_keeps_a_new_store_and_refuses_a_bad_rate(cli: CLI) -> None:
    done = cli("demo", "--incident", "--database-url", "postgresql://nobody@nowhere/x")
    assert done.returncode == 2 and "SQLite file only" in done.stderr
    kept = cli.tmp_path / "incident.db"
    cli.env["COLUMNS"] = "60"  # a narrow terminal: the server command still prints on one line
    out = cli.ok("demo", "--incident", "--per-minute", "2", "--database-url", f"sqlite:///{kept}")
    assert kept.is_file()
    assert f"podium server podium.cli.incident:app --database-url sqlite:///{kept} --no-auth" in out
    done = cli("demo", "--incident", "--per-minute", "0")
    assert done.returncode == 2 and "--per-minute 0" in done.stderr


def test_start_worker_ls_show(cli: CLI) -> None:
    first = cli.start("greet", "--input", '"ada"', "--id", "greet-ada")
    assert first == "greet-ada"
    assert cli.start("greet", "--input", '"ada"', "--id", "greet-ada") == "greet-ada"
    assert "pending" in cli.ok("ls", "--status", "pending")
    with cli.worker():
        cli.wait_for("greet-ada", "completed")
        waited = cli.ok(
            "start", "cliapp:app", "add", "--args", "[2, 3]", "--wait", "--timeout", "30"
        )
        added_id, result = waited.strip().splitlines()
        assert json.loads(result) == 5
    listing = cli.ok("ls", "--workflow", "greet")
    assert "greet-ada" in listing and "completed" in listing and added_id not in listing
    again = cli("start", "cliapp:app", "greet", "--input", '"ada"', "--id", "greet-ada", "--wait")
    assert again.returncode == 0, again.stderr
    assert "waiting for" not in again.stderr  # it has ended: no worker is needed
    assert json.loads(again.stdout.splitlines()[-1]) == "hello ada"
    shown = cli.ok("show", "greet-ada")
    assert "greet_step" in shown and '"hello ada"' in shown and "completed" in shown


def test_worker_without_queues_serves_every_declared_queue(cli: CLI) -> None:
    workflow_id = cli.start("greet", "--input", '"scan"', "--queue", "scan")
    with cli.worker():
        cli.wait_for(workflow_id, "completed")
    assert "queues default,scan" in (cli.tmp_path / "worker.log").read_text()


@pytest.mark.skipif(not affinity.supported(), reason="this platform cannot pin threads")
def test_worker_on_one_cpu_runs_workflows_and_says_which(cli: CLI) -> None:
    workflow_id = cli.start("greet", "--input", '"pin"')
    with cli.worker("--cpu", "auto"):
        cli.wait_for(workflow_id, "completed")
    assert re.search(r"concurrency 2, on CPU \d+,", (cli.tmp_path / "worker.log").read_text())


@pytest.mark.skipif(not affinity.supported(), reason="this platform cannot pin threads")
def test_worker_on_a_cpu_it_may_not_use_lists_those_it_may(cli: CLI) -> None:
    assert_user_error(cli("worker", "cliapp:app", "--cpu", "4096"), "cpu=4096", "'auto'")


def test_cancel_a_pending_workflow(cli: CLI) -> None:
    workflow_id = cli.start("greet", "--input", '"bo"', "--delay", "3600")
    assert cli.ok("cancel", workflow_id).strip() == f"cancelled {workflow_id}"
    assert cli.record(workflow_id).status == "cancelled"
    assert workflow_id in cli.ok("ls", "--status", "cancelled")
    assert "cancelled" in cli.ok("show", workflow_id)


def test_resume_a_failed_workflow(cli: CLI) -> None:
    gate = cli.tmp_path / "gate"
    workflow_id = cli.start("gated", "--input", json.dumps(str(gate)))
    with cli.worker():
        cli.wait_for(workflow_id, "failed")
        shown = cli.ok("show", workflow_id)
        assert "RuntimeError" in shown and "is closed" in shown and "traceback" in shown
        gate.touch()
        assert cli.ok("resume", workflow_id).startswith(f"resumed {workflow_id}")
        cli.wait_for(workflow_id, "completed")
    assert json.loads(cli.record(workflow_id).output or "") == "hello gate, through"
    assert_user_error(cli("resume", workflow_id), "completed", "only failed or cancelled")
    assert_user_error(cli("cancel", workflow_id), "already completed")
    shown = cli.ok("show", workflow_id)
    assert "attempts of the workflow" in shown
    assert "RuntimeError: gate" in shown and "traceback of attempt 1" in shown
    entries = cli.audit()
    assert [(e.action, e.target, e.detail) for e in entries] == [
        ("workflow.resume", workflow_id, {"was": "failed", "via": "cli"}),
        ("workflow.start", workflow_id, {"workflow": "gated", "via": "cli"}),  # issue 15
    ]
    assert all(e.actor.startswith("cli:") for e in entries)


def test_cli_cancel_is_audited(cli: CLI) -> None:
    workflow_id = cli.start("greet", "--input", '"au"', "--delay", "3600")
    cli.ok("cancel", workflow_id)
    cli.ok("resume", workflow_id)
    entries = [e for e in cli.audit() if e.action != "workflow.start"]
    assert [(e.action, e.detail["was"]) for e in entries] == [
        ("workflow.resume", "cancelled"),
        ("workflow.cancel", "pending"),
    ]
    shown = cli.ok("show", workflow_id)
    assert "WorkflowCancelled" in shown and "attempts of the workflow" in shown


def test_a_workflow_no_worker_knows_shows_as_waiting_for_one(cli: CLI) -> None:
    workflow_id = cli.start("greet", "--input", '"x"', "--queue", "nowhere")
    listing = cli.ok("ls")
    assert "(no worker)" in listing and "no live worker knows workflow 'greet'" in listing
    with cli.worker():
        cli.wait_for_worker()
        shown = cli.ok("show", workflow_id)
        assert "no live worker serves queue 'nowhere' for workflow 'greet'" in shown


def test_ls_lists_top_level_workflows_unless_children_are_asked_for(cli: CLI) -> None:
    store = factory.open_store(cli.url)
    try:
        store.create_workflow(base.NewWorkflow("fanout-parent", "etl", "[]"), 1000.0)
        for i in range(3):  # newer than their parent: they would fill a short first page
            child = base.NewWorkflow(f"fanout-child-{i}", "part", "[]", parent_id="fanout-parent")
            store.create_workflow(child, 1001.0 + i)
    finally:
        store.close()
    listing = cli.ok("ls", "--limit", "2")
    assert "fanout-parent" in listing and "fanout-child" not in listing
    everything = cli.ok("ls", "--limit", "2", "--children")
    assert "fanout-child-2" in everything and "fanout-parent" not in everything
    assert "fanout-child-0" in cli.ok("ls", "--children", "--workflow", "part")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["start", "cliapp:app", "greet", "--input", "{bad"], ["--input", "not valid JSON"]),
        (["start", "cliapp:app", "greet", "--args", '{"a": 1}'], ["--args", "JSON array"]),
        (["start", "cliapp:app", "nosuch", "--input", "1"], ["nosuch", "greet"]),
        (["start", "cliapp:app", "add", "--input", "1"], ["add", "--args"]),
        (["start", "no_such_module:app", "greet", "--input", "1"], ["no_such_module"]),
        (["start", "cliapp:nope", "greet", "--input", "1"], ["nope"]),
        (["start", "cliapp:app"], ["required"]),
        (["show", "no-such-id"], ["no-such-id"]),
        (["cancel", "no-such-id"], ["no-such-id"]),
        (["resume", "no-such-id"], ["no-such-id"]),
        (["ls", "--database-url", "mysql://db/shop"], ["mysql://db/shop", "scheme"]),
        (["ls", "--database-url", "sqlite:///missing.db"], ["missing.db", "does not exist"]),
        (["ls", "--status", "lost"], ["lost"]),
        (["worker", "cliapp:app", "--concurrency", "0"], ["--concurrency"]),
        (["worker", "cliapp:app", "--cpu", "first"], ["--cpu", "'first'", "'auto'"]),
        (["worker", "cliapp:app", "--cpu", "-2"], ["--cpu", "'-2'", "'auto'"]),
    ],
)
def test_user_mistakes_print_one_error_line(cli: CLI, args: list[str], words: list[str]) -> None:
    assert_user_error(cli(*args), *words)


def test_every_command_has_help(cli: CLI) -> None:
    for command in ("worker", "start", "ls", "show", "cancel", "resume", "demo"):
        out = cli.ok(command, "--help")
        assert f"podium {command}" in out and "--database-url" in out


def test_python_dash_m_podium_is_the_podium_command(cli: CLI) -> None:
    workflow_id = cli.start("greet", "--input", '"cy"', "--delay", "3600")
    module = subprocess.run(
        [sys.executable, "-m", "podium", "ls", "--status", "pending"],
        env=cli.env,
        cwd=cli.tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert module.returncode == 0, module.stderr
    assert workflow_id in module.stdout
    assert module.stdout == cli.ok("ls", "--status", "pending")


def test_fork_a_failed_workflow_from_a_step(cli: CLI) -> None:
    gate = cli.tmp_path / "fork-gate"
    workflow_id = cli.start("gated", "--input", json.dumps(str(gate)))
    with cli.worker():
        cli.wait_for(workflow_id, "failed")
        assert_user_error(cli("fork", workflow_id, "--from-step", "9"), "has 2 history positions")
        assert_user_error(cli("fork", "nope", "--from-step", "0"), "nope")
        assert_user_error(
            cli("fork", workflow_id, "--from-step", "0", "--id", workflow_id), "is taken"
        )
        gate.touch()  # today's fix
        out = cli.ok("fork", workflow_id, "--from-step", "1", "--id", "forked")
        assert out.startswith(f"forked {workflow_id} into forked")
        cli.wait_for("forked", "completed")
    assert json.loads(cli.record("forked").output or "") == "hello gate, through"
    assert cli.record(workflow_id).status == "failed"  # the original is left as it was
    entries = [e for e in cli.audit() if e.action != "workflow.start"]
    assert [(e.action, e.target, e.detail) for e in entries] == [
        ("workflow.fork", workflow_id, {"from_step": 1, "id": "forked", "via": "cli"})
    ]


def test_pause_and_unpause_by_filters(cli: CLI) -> None:
    ids = [cli.start("greet", "--input", f'"p{i}"', "--delay", "3600") for i in range(2)]
    assert cli.ok("pause", "--workflow", "greet", "--status", "pending").strip() == (
        "paused 2 workflows"
    )
    assert all(cli.record(i).paused_at is not None for i in ids)
    assert_user_error(cli("pause", ids[0], "--workflow", "greet"), "not both")
    assert_user_error(cli("pause"), "filters")
    assert_user_error(cli("unpause", "--status", "failed"), "only pending or running or waiting")
    assert cli.ok("unpause", "--workflow", "greet").strip() == "unpaused 2 workflows"
    assert all(cli.record(i).paused_at is None for i in ids)
    audited = [e for e in cli.audit() if e.action != "workflow.start"]
    assert [(e.action, e.detail["count"]) for e in audited][:2] == [
        ("workflow.unpause_many", 2),
        ("workflow.pause_many", 2),
    ]
    assert cli.ok("pause", ids[0]).strip() == f"paused {ids[0]}"  # one id still works


def test_start_with_debounce_folds_starts_of_one_key(cli: CLI) -> None:
    first = cli.start("greet", "--input", '"a"', "--key", "cart-9", "--debounce", "3600")
    again = cli.start("greet", "--input", '"b"', "--key", "cart-9", "--debounce", "3600")
    assert again == first  # folded into the pending run; its input is now the latest
    bad = cli("start", "cliapp:app", "greet", "--input", '"c"', "--debounce", "5")
    assert_user_error(bad, "key")  # debounce needs a key, and nothing is written
    late = cli("start", "cliapp:app", "greet", "--input", '"d"', "--key", "k", "--debounce", "5",
               "--debounce-max", "1")  # fmt: skip
    assert_user_error(late, "debounce")


def test_start_with_search_attributes(cli: CLI) -> None:
    first = cli.start(
        "greet", "--input", '"s"', "--delay", "3600",
        "--search", "customer=c-9", "--search", "amount=42", "--search", "vip=true",
    )  # fmt: skip
    store = factory.open_store(cli.url)
    try:
        assert search_store.for_store(store).get(first) == {
            "amount": 42,
            "customer": "c-9",
            "vip": True,
        }
    finally:
        store.close()
    second = cli.start("greet", "--input", '"t"', "--search", "customer=42", "--delay", "3600")
    assert second in cli.ok("ls", "--search", "customer=42")  # an existing str key stays str
    assert first not in cli.ok("ls", "--search", "customer=42")
    before = cli.ok("ls")
    bad = cli("start", "cliapp:app", "greet", "--input", '"u"', "--search", "amount=lots")
    assert_user_error(bad, "'amount' holds int values")
    oops = cli("start", "cliapp:app", "greet", "--input", '"v"', "--search", "oops")
    assert_user_error(oops, "KEY=VALUE")
    assert cli.ok("ls") == before  # nothing written


def test_worker_logs_json_and_turns_tracing_on_from_the_environment(cli: CLI) -> None:
    cli.env = {**cli.env, "PODIUM_LOG_FORMAT": "json", "PODIUM_OTEL": "1"}
    workflow_id = cli.start("greet", "--input", '"json"')
    with cli.worker():
        cli.wait_for(workflow_id, "completed")
    lines = (cli.tmp_path / "worker.log").read_text().splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert any("tracing on" in str(r.get("message")) for r in records), lines
    assert all(r.get("level") for r in records), records


def test_version_and_completion(cli: CLI) -> None:
    assert cli.ok("--version").startswith("podium ")
    script = cli.ok("completion", "bash")
    assert "complete -o default -F _podium podium" in script and "worker)" in script
    assert "--otel" in script.split("worker)")[1].split(";;")[0]
    checked = subprocess.run(["bash", "-n"], input=script, text=True, capture_output=True)
    assert checked.returncode == 0, checked.stderr
    assert cli.ok("completion", "zsh").startswith("autoload -U +X bashcompinit")
