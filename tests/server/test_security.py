"""The security findings of issue 15, each reproduced: internal names, hostile inputs, headers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import podium
from podium import cli

START = "/api/v1/workflows"


def _start(client, headers, **body):
    return client.post(START, json=body, headers=headers)


# -- 1: internal names are never startable from outside --------------------------------------


@pytest.mark.parametrize("name", ["podium.step:charge", "podium.step:reserve", "podium.x"])
def test_internal_names_cannot_be_started_over_http(client, as_scope, app, name):
    response = _start(client, as_scope("write"), workflow=name, input={"id": 1})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_workflow"
    assert "podium.step" not in response.json()["error"]["message"].replace(name, "")
    assert app.list() == []


def test_unknown_workflow_error_lists_no_internal_names(app):
    with pytest.raises(podium.ConfigurationError) as caught:
        app.registry.exposed("nope")
    assert "podium.step" not in str(caught.value)
    assert "checkout" in str(caught.value)
    with pytest.raises(podium.ConfigurationError) as caught:
        app.registry.workflow("nope")
    assert "podium.step" not in str(caught.value)


def test_internal_names_cannot_be_started_from_the_cli(tmp_path: Path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    argv = ["start", "tests.server.serverapp:app", "podium.step:charge", "--input", "{}"]
    code = cli.main([*argv, "--database-url", url])
    err = capsys.readouterr().err
    assert code == 2
    assert "no workflow named 'podium.step:charge'" in err
    assert "podium.step:reserve" not in err
    assert json.dumps(err).count("\\n") <= 1
