"""User mistakes on the command line name what to write instead, in one `error:` line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import podium
from podium import cli
from tests import pg


def _error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert cli.main(list(argv)) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize(
    ("argv", "help_of"),
    [
        (["schedules", "list", "examples.nightly_schedule:app"], "podium schedules list"),
        (["ls", "--bogus"], "podium ls"),
        (["tokens", "create", "--name", "x", "--oops"], "podium tokens create"),
        (["--nope"], "podium"),
    ],
)
def test_unrecognized_arguments_point_to_the_called_commands_help(
    capsys: pytest.CaptureFixture[str], argv: list[str], help_of: str
) -> None:
    err = _error(capsys, *argv)
    assert "unrecognized arguments" in err
    assert f"(see '{help_of} --help')" in err


@pytest.mark.parametrize(
    ("given", "suggested"),
    [
        ("examples/checkout.py", "examples.checkout:app"),
        ("./examples/checkout.py", "examples.checkout:app"),
        ("examples.checkout", "examples.checkout:app"),
        ("shop.workflows:", "shop.workflows:app"),
        (":app", "shop.workflows:app"),
        ("not a module", "shop.workflows:app"),
    ],
)
def test_an_app_path_that_is_not_module_app_suggests_one(given: str, suggested: str) -> None:
    with pytest.raises(podium.ConfigurationError, match=f"write e.g. '{suggested}'"):
        podium.App.from_path(given)


def test_the_worker_names_the_module_form_of_a_file_path(
    capsys: pytest.CaptureFixture[str],
) -> None:
    err = _error(capsys, "worker", "examples/checkout.py")
    assert "'examples/checkout.py' is not MODULE:APP; write e.g. 'examples.checkout:app'" in err


def test_asl_run_with_an_unmapped_task_names_the_resources_option(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    machine = tmp_path / "machine.json"
    task = {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:charge", "End": True}
    machine.write_text(json.dumps({"StartAt": "Charge", "States": {"Charge": task}}))
    err = _error(capsys, "asl", "run", str(machine), "--database-url", f"sqlite:///{tmp_path}/a.db")
    assert "is not mapped" in err and "--resources MODULE:MAPPING" in err


def test_a_read_command_refuses_a_postgres_schema_that_does_not_exist(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A mistyped ?schema= is reported, not created empty (as a missing SQLite file is)."""
    missing = pg.new_schema_name()
    url = pg.with_query(pg.postgres_url(), schema=missing)
    try:
        err = _error(capsys, "ls", "--database-url", url)
        assert f"PostgreSQL schema {missing!r}" in err and "does not exist" in err
        with pg.connect() as conn:
            found = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (missing,))
            assert found.fetchone() is None
    finally:
        pg.drop_schema(missing)
    with pg.fresh_schema() as existing:
        assert cli.main(["tokens", "create", "--name", "me", "--database-url", existing]) == 0
        assert cli.main(["ls", "--database-url", existing]) == 0
