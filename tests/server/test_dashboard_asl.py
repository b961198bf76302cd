"""An ASL workflow's page: the SVG of its states with the Task states that ran highlighted."""

import re

import podium
from podium.server import asl_view

MACHINE = {
    "StartAt": "Prepare",
    "States": {
        "Prepare": {"Type": "Pass", "Result": {"n": 3}, "Next": "Score"},
        "Score": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:score",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Broken"}],
            "Next": "Decide",
        },
        "Decide": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.score", "NumericGreaterThan": 5, "Next": "Done"}],
            "Default": "Rejected",
        },
        "Done": {"Type": "Succeed"},
        "Rejected": {"Type": "Fail", "Error": "Low", "Cause": "score too low"},
        "Broken": {"Type": "Fail", "Error": "Broken"},
    },
}


def _register(app: podium.App) -> None:
    def score(data: dict[str, int]) -> dict[str, int]:
        return {"score": data["n"] * 3}

    app.asl_workflow(
        "scoring", MACHINE, {"arn:aws:lambda:us-east-1:123456789012:function:score": score}
    )


def _classes(html: str, state: str) -> list[str]:
    found = re.search(f'<g class="([^"]*)" data-state="{state}"', html)
    assert found is not None, state
    return found.group(1).split()


def test_asl_workflow_page_draws_states_with_ran_tasks_highlighted(client, tokens, app):
    _register(app)
    assert app.run("scoring", None, id="score-1") == {"score": 9}
    client.cookies.set("podium_token", tokens["read"])
    page = client.get("/dashboard/workflows/score-1")
    assert page.status_code == 200
    html = page.text
    assert 'id="asl"' in html and '<svg class="sm-diagram"' in html
    for state in MACHINE["States"]:
        assert f'data-state="{state}"' in html
    assert "taken" in _classes(html, "Score") and "current" in _classes(html, "Score")
    assert "initial" in _classes(html, "Prepare") and "taken" not in _classes(html, "Prepare")
    assert {"final", "fail"} <= set(_classes(html, "Rejected"))
    assert "final" in _classes(html, "Done") and "fail" not in _classes(html, "Done")
    for label in ("next", "rule 1", "default", "catch States.ALL"):
        assert f">{label}</text>" in html
    assert "Task states whose step ran (Score)" in html


def test_asl_section_before_any_step_and_absent_for_plain_workflows(client, tokens, app):
    _register(app)
    app.start("scoring", None, id="queued")
    app.start("add", 1, 2, id="plain")
    client.cookies.set("podium_token", tokens["read"])
    queued = client.get("/dashboard/workflows/queued").text
    assert 'id="asl"' in queued and "none yet" in queued and " taken" not in queued
    assert 'id="asl"' not in client.get("/dashboard/workflows/plain").text


def test_ran_tasks_matches_step_names_by_resource():
    steps = ["scoring:function:score", "other"]
    assert asl_view.ran_tasks(MACHINE, "scoring", steps) == ["Score"]
    assert asl_view.ran_tasks(MACHINE, "scoring", ["elsewhere:function:score"]) == []
