"""An ASL workflow's page: the SVG of its states with the path it took highlighted."""

import re
import time

import podium
from podium.asl import trace
from tests.server.login import login

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


def test_asl_workflow_page_draws_states_with_the_path_highlighted(client, tokens, app):
    _register(app)
    assert app.run("scoring", None, id="score-1") == {"score": 9}
    login(client, tokens["read"])
    page = client.get("/dashboard/workflows/score-1")
    assert page.status_code == 200
    html = page.text
    assert 'id="asl"' in html and '<svg class="sm-diagram"' in html
    for state in MACHINE["States"]:
        assert f'data-state="{state}"' in html
    for state in ("Prepare", "Score", "Decide", "Done"):
        assert "taken" in _classes(html, state) and "current" not in _classes(html, state)
    assert "initial" in _classes(html, "Prepare")
    assert "taken" not in _classes(html, "Rejected") and "taken" not in _classes(html, "Broken")
    assert {"final", "fail"} <= set(_classes(html, "Rejected"))
    assert "final" in _classes(html, "Done") and "fail" not in _classes(html, "Done")
    for label in ("next", "rule 1", "default", "catch States.ALL"):
        assert f">{label}</text>" in html
    assert "Path: Prepare → Score → Decide → Done (ended)" in html


def test_asl_section_before_any_step_and_absent_for_plain_workflows(client, tokens, app):
    _register(app)
    app.start("scoring", None, id="queued")
    app.start("add", 1, 2, id="plain")
    login(client, tokens["read"])
    queued = client.get("/dashboard/workflows/queued").text
    assert 'id="asl"' in queued and "not started yet" in queued and " taken" not in queued
    assert 'id="asl"' not in client.get("/dashboard/workflows/plain").text


def _event(seq, kind, name, status, payload):
    return podium.store.base.HistoryEvent("w", seq, kind, name, status, payload, 1, 0.0, 0.0)


def test_walk_stops_at_the_first_effect_the_history_lacks():
    started = _event(0, "now", "now", "completed", "1700000000.0")
    path = trace.walk(MACHINE, None, [started], execution="w", name="scoring")
    assert path.states == ["Prepare", "Score"] and path.current == "Score" and not path.ended


def test_walk_follows_a_recorded_failure_into_its_catcher():
    failed = '{"type": "ValueError", "module": "builtins", "message": "bad score"}'
    events = [
        _event(0, "now", "now", "completed", "1700000000.0"),
        _event(1, "step", "scoring:function:score", "failed", failed),
    ]
    path = trace.walk(MACHINE, None, events, execution="w", name="scoring")
    assert path.states == ["Prepare", "Score", "Broken"] and path.ended and path.current is None


SLEEPER = {
    "StartAt": "Charge",
    "States": {
        "Charge": {"Type": "Pass", "Next": "Nap"},
        "Nap": {"Type": "Wait", "Seconds": 3600, "Next": "Done"},
        "Done": {"Type": "Succeed"},
    },
}


def test_a_sleeping_wait_is_the_current_state_not_ended(client, tokens, app):
    app.asl_workflow("sleeper", SLEEPER, {})
    app.start("sleeper", {}, id="nap-1")
    with app.worker(1):
        for _ in range(100):
            if app.store.get_workflow("nap-1").status == "waiting":
                break
            time.sleep(0.05)
    login(client, tokens["read"])
    html = client.get("/dashboard/workflows/nap-1").text
    assert "Path: Charge → Nap (now in Nap)" in html
    assert "current" in _classes(html, "Nap") and "taken" not in _classes(html, "Done")
    assert 'data-step="sleep"' in html and ">scheduled<" in html


def test_stylesheet_styles_taken_and_fail_states(client):
    css = client.get("/dashboard/static/podium.css").text
    assert ".sm-state.taken rect" in css and ".sm-state.fail rect" in css
    assert "@media (max-width: 700px)" in css


def test_walk_past_a_fired_timer_and_stop_at_a_pending_one():
    events = [
        _event(0, "now", "now", "completed", "1700000000.0"),
        podium.store.base.HistoryEvent(
            "w", 1, "sleep", "sleep", "scheduled", "100.0", 1, 0.0, 100.0
        ),
    ]
    before = trace.walk(SLEEPER, {}, events, execution="w", name="s", now=50.0)
    assert before.current == "Nap" and not before.ended
    after = trace.walk(SLEEPER, {}, events, execution="w", name="s", now=150.0)
    assert after.ended and after.states == ["Charge", "Nap", "Done"]


BRANCHY = {
    "StartAt": "Both",
    "States": {
        "Both": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": True}}},
                {
                    "StartAt": "Right",
                    "States": {
                        "Right": {"Type": "Pass", "Next": "RightDone"},
                        "RightDone": {"Type": "Succeed"},
                    },
                },
            ],
            "Next": "Each",
        },
        "Each": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemProcessor": {
                "StartAt": "Item",
                "States": {
                    "Item": {"Type": "Pass", "Next": "Oops"},
                    "Oops": {"Type": "Fail", "Error": "Never"},
                },
            },
            "End": True,
        },
    },
}


def test_parallel_branches_and_map_items_are_drawn_below_the_machine(client, tokens, app):
    app.asl_workflow("branchy", BRANCHY, {})
    app.start("branchy", {"items": []}, id="branchy-1")
    login(client, tokens["read"])
    html = client.get("/dashboard/workflows/branchy-1").text
    captions = re.findall(r'<figure class="asl-branch" data-branch="([^"]+)"', html)
    assert captions == ["Parallel Both: branch 1", "Parallel Both: branch 2", "Map Each: each item"]
    for state in ("Left", "Right", "RightDone", "Item", "Oops"):
        assert f'data-state="{state}"' in html
    assert "fail" in _classes(html, "Oops")
    assert html.count('<svg class="sm-diagram"') == 4
    markers = re.findall(r'<marker id="([^"]+)"', html)
    assert len(markers) == len(set(markers)) == 4  # each diagram's arrows are its own


def test_big_asl_graphs_are_marked_for_the_vendored_dagre_which_is_served_with_its_license(
    client, tokens, app
):
    from tests.server import aslapp

    _register(app)
    aslapp.add_payments(app)
    assert app.run("scoring", None, id="small-1") == {"score": 9}
    assert app.run("payments", {"amount": 5}, id="big-1") == {"amount": 5}
    login(client, tokens["read"])
    small = client.get("/dashboard/workflows/small-1").text
    assert '<svg class="sm-diagram" xmlns' in small  # 6 states: the server's layout only
    big = client.get("/dashboard/workflows/big-1").text
    assert '<svg class="sm-diagram" data-layout="dagre"' in big
    assert big.count('<g class="sm-transition" data-from=') == 14
    assert '<g class="sm-transition" data-from="Size" data-to="Small">' in big
    script = client.get("/dashboard/static/dagre.min.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith(
        "text/javascript"
    )
    assert "dagre.LICENSE" in script.text and "sourceMappingURL" not in script.text
    license_text = client.get("/dashboard/static/dagre.LICENSE").text
    assert "@dagrejs/dagre 3.1.4" in license_text and "Permission is hereby granted" in license_text
    assert "podiumLayout" in client.get("/dashboard/static/podium.js").text
