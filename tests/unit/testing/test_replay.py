"""`podium export ID` -> JSON -> `podium.testing.replay`: matches, or NonDeterminismError."""

import io
import json
import time
from contextlib import redirect_stdout
from typing import Any

import pytest

import podium
from podium.cli import main
from podium.testing import NonDeterminismError, replay, replay_folder


def checkout_app(version: int) -> podium.App:
    """The same app as deployed in several versions of its code."""
    app = podium.App("shop")

    @app.step
    def charge(order: int) -> str:
        return f"paid-{order}"

    @app.step
    def audit(order: int) -> None:
        return None

    @app.step
    def ship(order: int) -> str:
        raise AssertionError("a replay never runs a step")  # pragma: no cover

    @app.workflow
    def checkout(order: int) -> str:
        paid = charge(order)
        if version == 2:
            audit(order)  # a new step inserted before an old one: not replay-safe
        podium.sleep(3600)
        return paid

    del ship
    return app


@pytest.fixture
def exported(tmp_path) -> dict[str, Any]:
    """A waiting checkout recorded by version 1 and exported with the CLI."""
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    app = checkout_app(1)
    app.settings = app.settings.evolve(database_url=url)
    with app:
        handle = app.start(app.registry.workflow("checkout"), 7, id="order-7")
        with app.worker():
            deadline = 100
            while handle.status() != "waiting" and deadline:
                time.sleep(0.02)
                deadline -= 1
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["export", "order-7", "--database-url", url]) == 0
    document: dict[str, Any] = json.loads(out.getvalue())
    return document


def test_export_writes_the_record_and_history(exported):
    assert exported["format"] == "podium.history/1"
    assert exported["workflow"]["id"] == "order-7"
    assert [(e["seq"], e["kind"], e["name"]) for e in exported["history"]] == [
        (0, "step", "charge"),
        (1, "sleep", "sleep"),
    ]


def test_the_same_code_replays(exported, tmp_path):
    replay(checkout_app(1), exported)
    path = tmp_path / "order-7.json"
    path.write_text(json.dumps(exported))
    replay(checkout_app(1), path)  # a path works too


def test_changed_code_raises_non_determinism_with_the_details(exported):
    with pytest.raises(NonDeterminismError) as caught:
        replay(checkout_app(2), exported)
    error = caught.value
    assert error.workflow == "checkout"
    assert error.workflow_id == "order-7"
    assert error.position == 1
    assert error.recorded == "podium.sleep()"
    assert error.called == "step 'audit'"


def test_a_completed_history_that_returns_early_diverges(exported):
    done = json.loads(json.dumps(exported))
    done["workflow"]["status"] = "completed"
    done["history"].append({**done["history"][0], "seq": 2, "name": "ship"})
    with pytest.raises(NonDeterminismError) as caught:
        replay(checkout_app(1), done)
    assert caught.value.position == 2
    assert "ship" in caught.value.recorded


def test_replay_folder_replays_every_history(exported, tmp_path):
    folder = tmp_path / "histories"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps(exported))
    (folder / "b.json").write_text(json.dumps({**exported, "workflow": {**exported["workflow"]}}))
    assert [p.name for p in replay_folder(checkout_app(1), folder)] == ["a.json", "b.json"]
    with pytest.raises(NonDeterminismError):
        replay_folder(checkout_app(2), folder)


def test_export_of_an_unknown_id_is_a_usage_error(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    with podium.App("x", database_url=url) as app:
        app.list()
    assert main(["export", "nope", "--database-url", url]) == 2
    assert "no workflow with id 'nope'" in capsys.readouterr().err
