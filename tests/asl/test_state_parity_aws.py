"""`test_state` as the TestState API answers: Map inspection data (item inputs, batches,
tolerated failures with Retry and Catch), a state inside a Map's machine by `state_name`,
mocks with `reveal_secrets`, and `variables` as JSON text of an object.
"""

import pytest

from podium.asl import DefinitionError, test_state

EXCEEDED = "States.ExceedToleratedFailureThreshold"
EXCEEDED_CAUSE = "The specified tolerated failure threshold was exceeded"
PROCESSOR = {"StartAt": "W", "States": {"W": {"Type": "Pass", "End": True}}}


def jsonpath_map(**fields):
    return {"Type": "Map", "ItemsPath": "$.xs", "ItemProcessor": PROCESSOR, "Next": "N", **fields}


def test_map_shows_its_items_after_item_selector_and_item_batcher():
    state = jsonpath_map(
        ItemSelector={"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index"},
        ItemBatcher={"MaxItemsPerBatch": 2, "BatchInput": {"tag.$": "$.tag"}},
    )
    out = test_state(state, {"xs": ["a", "b", "c"], "tag": "t"}, mock={"result": [1, 2]})
    data = out["inspectionData"]
    assert data["afterItemsPath"] == ["a", "b", "c"]
    assert data["afterItemSelector"] == [{"v": "a", "i": 0}, {"v": "b", "i": 1}, {"v": "c", "i": 2}]
    assert data["afterItemBatcher"] == [
        {"BatchInput": {"tag": "t"}, "Items": [{"v": "a", "i": 0}, {"v": "b", "i": 1}]},
        {"BatchInput": {"tag": "t"}, "Items": [{"v": "c", "i": 2}]},
    ]


def test_jsonata_map_shows_its_item_selector():
    state = {
        "Type": "Map",
        "QueryLanguage": "JSONata",
        "Items": "{% $states.input.xs %}",
        "ItemSelector": {"double": "{% $states.context.Map.Item.Value * 2 %}"},
        "ItemProcessor": PROCESSOR,
        "End": True,
    }
    out = test_state(state, {"xs": [1, 2]}, mock={"result": [0, 0]})
    assert out["inspectionData"]["afterItemSelector"] == [{"double": 2}, {"double": 4}]
    assert "afterItemsPath" not in out["inspectionData"]


def test_jsonata_map_whose_items_are_an_object_fails_in_test_state_too():
    state = {
        "Type": "Map",
        "QueryLanguage": "JSONata",
        "Items": "{% $states.input %}",
        "ItemProcessor": PROCESSOR,
        "End": True,
    }
    out = test_state(state, {"a": 1}, mock={"result": []})
    assert (out["status"], out["error"]) == ("FAILED", "States.QueryEvaluationError")


@pytest.mark.parametrize(
    ("failed", "status"), [(1, "SUCCEEDED"), (2, "SUCCEEDED"), (3, "CAUGHT_ERROR")]
)
def test_tolerated_failure_percentage_with_catch(failed, status):
    state = jsonpath_map(
        ToleratedFailurePercentage=50,
        Catch=[{"ErrorEquals": [EXCEEDED], "Next": "Handle"}],
    )
    config = {"mapIterationFailureCount": failed}
    value = {"xs": [1, 2, 3, 4]}
    out = test_state(state, value, mock={"result": [1, 2, 3, 4]}, state_configuration=config)
    assert out["status"] == status
    assert out["inspectionData"]["toleratedFailurePercentage"] == 50.0
    if status == "CAUGHT_ERROR":
        assert out["nextState"] == "Handle"
        assert out["output"] == {"Error": EXCEEDED, "Cause": EXCEEDED_CAUSE}
        assert out["inspectionData"]["errorDetails"] == {"catchIndex": 0}


def test_exceeded_threshold_with_retry_then_catch():
    state = jsonpath_map(
        ToleratedFailureCountPath="$.allowed",
        Retry=[{"ErrorEquals": [EXCEEDED], "MaxAttempts": 1, "IntervalSeconds": 3}],
        Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Handle"}],
    )
    value = {"xs": [1, 2, 3], "allowed": 1}
    first = test_state(
        state,
        value,
        mock={"result": [1, 2, 3]},
        state_configuration={"mapIterationFailureCount": 2},
    )
    assert (first["status"], first["error"], first["cause"]) == (
        "RETRIABLE",
        EXCEEDED,
        EXCEEDED_CAUSE,
    )
    assert first["inspectionData"]["toleratedFailureCount"] == 1
    assert first["inspectionData"]["errorDetails"] == {
        "retryIndex": 0,
        "retryBackoffIntervalSeconds": 3,
    }
    config = {"mapIterationFailureCount": 2, "retrierRetryCount": 1}
    used_up = test_state(state, value, mock={"result": [1, 2, 3]}, state_configuration=config)
    assert (used_up["status"], used_up["nextState"]) == ("CAUGHT_ERROR", "Handle")
    assert used_up["inspectionData"]["errorDetails"] == {"retryIndex": 0, "catchIndex": 0}


MACHINE = {
    "StartAt": "M",
    "States": {
        "M": {
            "Type": "Map",
            "ItemsPath": "$.xs",
            "ItemProcessor": {
                "StartAt": "Inner",
                "States": {
                    "Inner": {"Type": "Pass", "Parameters": {"got.$": "$"}, "Next": "Last"},
                    "Last": {"Type": "Succeed"},
                },
            },
            "End": True,
        }
    },
}


def test_state_name_may_name_a_state_inside_a_maps_machine():
    out = test_state(MACHINE, 5, state_name="Inner")
    assert out["status"] == "SUCCEEDED"
    assert out["output"] == {"got": 5}
    assert out["nextState"] == "Last"


def test_state_name_inside_a_jsonata_processor_takes_its_language():
    machine = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "QueryLanguage": "JSONata",
                        "StartAt": "J",
                        "States": {
                            "J": {"Type": "Pass", "Output": "{% $states.input + 1 %}", "End": True}
                        },
                    }
                ],
                "End": True,
            }
        },
    }
    assert test_state(machine, 1, state_name="J")["output"] == 2


def test_an_unknown_state_name_is_a_validation_error():
    with pytest.raises(DefinitionError) as info:
        test_state(MACHINE, 5, state_name="Nowhere")
    assert info.value.diagnostics[0]["location"] == "/stateName"


TASK = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}


def test_a_mock_is_validated_when_reveal_secrets_is_set():
    ok = test_state(TASK, {}, mock={"result": {"ok": True}}, reveal_secrets=True)
    assert ok["output"] == {"ok": True}
    with pytest.raises(DefinitionError, match="only one of the following fields"):
        test_state(
            TASK,
            {},
            mock={"result": 1, "errorOutput": {"error": "E", "cause": "C"}},
            reveal_secrets=True,
        )
    with pytest.raises(DefinitionError, match="not supported when a mock is specified"):
        test_state({"Type": "Pass", "End": True}, {}, mock={"result": 1}, reveal_secrets=True)


def test_reveal_secrets_must_be_a_boolean():
    with pytest.raises(DefinitionError, match="revealSecrets"):
        test_state(TASK, {}, mock={"result": 1}, reveal_secrets="yes")  # type: ignore[arg-type]


def test_variables_may_be_json_text_of_an_object():
    state = {"Type": "Pass", "Parameters": {"v.$": "$greeting"}, "End": True}
    out = test_state(state, {}, variables='{"greeting": "hi"}')
    assert out["output"] == {"v": "hi"}
    assert out["inspectionData"]["variables"] == {"greeting": "hi"}


@pytest.mark.parametrize("text", ["[1, 2]", '"hi"', "{nope"])
def test_variables_text_that_is_not_an_object_is_a_validation_error(text):
    state = {"Type": "Pass", "End": True}
    with pytest.raises(DefinitionError) as info:
        test_state(state, {}, variables=text)
    assert info.value.diagnostics[0]["location"] == "/variables"
