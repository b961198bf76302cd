"""DISTRIBUTED Map states inside podium: items run as durable child workflows."""

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import podium
from podium.asl import DefinitionError, TaskError

FAST: dict[str, Any] = {"lease_seconds": 2, "poll_interval": 0.02, "suspend_grace": 0.2}


@pytest.fixture
def app(tmp_path: Path) -> Iterator[podium.App]:
    app = podium.App("asl-distributed", database_url=f"sqlite:///{tmp_path / 'p.db'}", **FAST)
    yield app
    app.close()


def machine(**fields: Any) -> dict[str, Any]:
    return {
        "StartAt": "Fan",
        "States": {
            "Fan": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemSelector": {"n.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index"},
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Square",
                    "States": {"Square": {"Type": "Task", "Resource": "square", "End": True}},
                },
                "ResultPath": "$.squares",
                "End": True,
                **fields,
            }
        },
    }


def square(payload: dict[str, int]) -> int:
    if payload["n"] < 0:
        raise TaskError("Negative", f"{payload['n']} is negative")
    return payload["n"] * payload["n"]


def test_items_run_as_child_workflows_in_item_order(app: podium.App):
    wf = app.asl_workflow("squares", machine(MaxConcurrency=2), {"square": square})
    with app.worker(concurrency=2):
        handle = app.start(wf, {"items": [3, 1, 2, 5]}, id="sq")
        assert handle.result(timeout=30) == {"items": [3, 1, 2, 5], "squares": [9, 1, 4, 25]}
    children = sorted(app.list(workflow="squares/Fan"), key=lambda c: c.created_at)
    assert [c.parent_id for c in children] == ["sq"] * 4
    assert [c.status for c in children] == ["completed"] * 4
    results = {app.get(c.id).result(timeout=5) for c in children}
    assert results == {9, 1, 4, 25}


def test_a_completed_child_is_not_rerun_when_the_parent_replays(app: podium.App):
    calls: list[int] = []

    def counted(payload: dict[str, int]) -> int:
        calls.append(payload["n"])
        return payload["n"] + 1

    definition = machine(MaxConcurrency=1)
    definition["States"]["Fan"]["Next"] = "Pause"
    del definition["States"]["Fan"]["End"]
    definition["States"]["Pause"] = {"Type": "Wait", "Seconds": 1, "End": True}
    wf = app.asl_workflow("counted", definition, {"square": counted})
    # MaxConcurrency 1 makes the parent wait (and replay) after each child; the Wait longer
    # than suspend_grace unloads it once more.
    assert app.run(wf, {"items": [1, 2, 3]}) == {"items": [1, 2, 3], "squares": [2, 3, 4]}
    assert sorted(calls) == [1, 2, 3]
    children = sorted(app.list(workflow="counted/Fan"), key=lambda c: c.created_at)
    assert len(children) == 3
    # MaxConcurrency 1: each child is created only after the one before it ended.
    assert all(b.created_at >= a.updated_at for a, b in itertools.pairwise(children))


def test_tolerated_failures_keep_failed_children_as_records(app: podium.App):
    wf = app.asl_workflow("tolerant", machine(ToleratedFailureCount=1), {"square": square})
    out = app.run(wf, {"items": [2, -1, 3]})
    assert out["squares"][0] == 4 and out["squares"][2] == 9
    failed = out["squares"][1]
    assert (failed["Status"], failed["Error"], failed["Cause"]) == (
        "FAILED",
        "Negative",
        "-1 is negative",
    )
    assert failed["Input"] == '{"n":-1,"i":1}'


def test_failures_beyond_the_threshold_fail_the_map(app: podium.App):
    wf = app.asl_workflow("strict", machine(ToleratedFailureCount=1), {"square": square})
    with pytest.raises(podium.WorkflowFailed) as info:
        app.run(wf, {"items": [-2, -1, 3]})
    assert info.value.error_type == "States.ExceedToleratedFailureThreshold"


def test_without_a_threshold_one_failed_child_fails_the_map(app: podium.App):
    wf = app.asl_workflow("none", machine(), {"square": square})
    with pytest.raises(podium.WorkflowFailed) as info:
        app.run(wf, {"items": [1, -1]})
    assert info.value.error_type == "States.ExceedToleratedFailureThreshold"


def test_a_failing_map_can_be_caught(app: podium.App):
    definition = machine(
        Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Done"}]
    )
    definition["States"]["Done"] = {"Type": "Pass", "End": True}
    wf = app.asl_workflow("caught", definition, {"square": square})
    out = app.run(wf, {"items": [-1]})
    assert out["error"]["Error"] == "States.ExceedToleratedFailureThreshold"


def test_item_reader_and_result_writer_resources_are_mapped_steps(app: podium.App):
    definition = machine(
        ItemReader={
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "JSONL"},
            "Parameters": {"Bucket": "in", "Key": "items.jsonl"},
        },
        ResultWriter={
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": "out", "Prefix": "squares"},
        },
    )
    del definition["States"]["Fan"]["ItemsPath"]
    written: list[Any] = []

    def put_object(request: dict[str, Any]) -> dict[str, str]:
        written.append([json.loads(r["Output"]) for r in request["Results"]])
        return {"Bucket": request["Bucket"], "Key": "squares/manifest.json"}

    resources = {
        "square": square,
        "arn:aws:states:::s3:getObject": lambda request: "3\n4\n",
        "arn:aws:states:::s3:putObject": put_object,
    }
    wf = app.asl_workflow("exported", definition, resources)
    out = app.run(wf, {})
    assert out["squares"]["ResultWriterDetails"] == {
        "Bucket": "out",
        "Key": "squares/manifest.json",
    }
    assert out["squares"]["MapRunArn"].startswith(
        "arn:aws:states:us-east-1:000000000000:mapRun:exported/Fan:"
    )
    assert written == [[9, 16]]


def test_an_unmapped_item_reader_resource_is_a_definition_error(app: podium.App):
    definition = machine(
        ItemReader={"Resource": "arn:aws:states:::s3:getObject", "Parameters": {"Bucket": "b"}}
    )
    with pytest.raises(DefinitionError) as info:
        app.asl_workflow("unmapped", definition, {"square": square})
    assert [d["location"] for d in info.value.diagnostics] == ["/States/Fan/ItemReader/Resource"]
