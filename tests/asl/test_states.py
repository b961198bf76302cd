import pytest

from podium.asl import errors

from .helpers import FakeEffects, run, single


def test_pass_result_and_result_path():
    state = {
        "Type": "Pass",
        "Result": {"x-datum": 0.381018, "y-datum": 622.2269926397355},
        "ResultPath": "$.coords",
    }
    data = {"georefOf": "Home"}
    assert single(state, data) == {
        "georefOf": "Home",
        "coords": {"x-datum": 0.381018, "y-datum": 622.2269926397355},
    }


def test_pass_defaults_to_its_input():
    assert single({"Type": "Pass"}, {"a": 1}) == {"a": 1}


def test_input_output_processing_from_the_guide():
    # "InputPath, ResultPath and OutputPath example" of the developer guide.
    state = {
        "Type": "Pass",
        "InputPath": "$.library",
        "Parameters": {
            "staticValue": "Just a string",
            "catalog": {"myFavoriteItem.$": "$.movies[0]"},
        },
        "ResultPath": "$.result",
        "OutputPath": "$.result",
    }
    data = {"library": {"movies": ["Casablanca", "Heat"]}, "other": 1}
    assert single(state, data) == {
        "staticValue": "Just a string",
        "catalog": {"myFavoriteItem": "Casablanca"},
    }


def test_result_path_null_keeps_input_and_paths_null():
    assert single({"Type": "Pass", "Result": 1, "ResultPath": None}, {"a": 1}) == {"a": 1}
    assert single({"Type": "Pass", "OutputPath": None}, {"a": 1}) == {}
    assert single({"Type": "Pass", "InputPath": None}, {"a": 1}) == {}


def test_result_path_match_failure():
    with pytest.raises(errors.ASLError) as info:
        single({"Type": "Pass", "Result": 1, "ResultPath": "$.a.b"}, {"a": "text"})
    assert info.value.error == "States.ResultPathMatchFailure"


def test_missing_paths_are_runtime_errors():
    for state in (
        {"Type": "Pass", "InputPath": "$.nope"},
        {"Type": "Pass", "OutputPath": "$.nope"},
        {"Type": "Pass", "Parameters": {"x.$": "$.nope"}},
    ):
        with pytest.raises(errors.ASLError) as info:
            single(state, {"a": 1})
        assert type(info.value).__qualname__ == "States.Runtime"


def test_context_object():
    state = {
        "Type": "Pass",
        "Parameters": {
            "name.$": "$$.State.Name",
            "exec.$": "$$.Execution.Name",
            "input.$": "$$.Execution.Input",
            "machine.$": "$$.StateMachine.Name",
            "start.$": "$$.Execution.StartTime",
        },
    }
    out = single(state, {"a": 1})
    assert out == {
        "name": "S",
        "exec": "exec-1",
        "input": {"a": 1},
        "machine": "Machine",
        "start": "2024-01-01T12:00:00.000Z",
    }


def test_succeed_and_fail():
    assert (
        single({"Type": "Succeed", "InputPath": "$.a", "OutputPath": "$.b"}, {"a": {"b": 2}}) == 2
    )
    with pytest.raises(errors.ASLError) as info:
        single(
            {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "States.Format('bad {}', $.n)"},
            {"e": "E1", "n": 3},
        )
    assert (info.value.error, info.value.cause) == ("E1", "bad 3")


def test_wait_variants():
    effects = FakeEffects()
    machine = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Wait", "Seconds": 10, "Next": "B"},
            "B": {"Type": "Wait", "SecondsPath": "$.s", "Next": "C"},
            "C": {"Type": "Wait", "Timestamp": "2024-01-01T13:00:00Z", "Next": "D"},
            "D": {"Type": "Wait", "TimestampPath": "$.t", "End": True},
        },
    }
    out = run(machine, {"s": 5, "t": "2024-01-01T14:00:00Z"}, effects=effects)
    assert out == {"s": 5, "t": "2024-01-01T14:00:00Z"}
    assert effects.sleeps == [10, 5, 3600 - 15, 3600]


def test_task_with_parameters_and_result_selector():
    calls = []

    def add(payload):
        calls.append(payload)
        return {"sum": payload["a"] + payload["b"], "meta": "x"}

    state = {
        "Type": "Task",
        "Resource": "arn:add",
        "Parameters": {"a.$": "$.x", "b": 2},
        "ResultSelector": {"total.$": "$.sum"},
        "ResultPath": "$.out",
    }
    assert single(state, {"x": 1}, {"arn:add": add}) == {"x": 1, "out": {"total": 3}}
    assert calls == [{"a": 1, "b": 2}]


def test_parallel():
    machine = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "End": True,
                "ResultSelector": {"a.$": "$[0]", "b.$": "$[1].v"},
                "Branches": [
                    {
                        "StartAt": "A",
                        "States": {"A": {"Type": "Pass", "InputPath": "$.x", "End": True}},
                    },
                    {
                        "StartAt": "B",
                        "States": {
                            "B": {"Type": "Pass", "Parameters": {"v.$": "$.y"}, "End": True}
                        },
                    },
                ],
            }
        },
    }
    assert run(machine, {"x": 1, "y": 2}) == {"a": 1, "b": 2}


def test_parallel_branch_failure_propagates_error():
    machine = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "End": True,
                "Branches": [
                    {
                        "StartAt": "F",
                        "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "c"}},
                    }
                ],
            }
        },
    }
    with pytest.raises(errors.ASLError) as info:
        run(machine, {})
    assert info.value.error == "Boom"


def test_map_with_item_selector_and_context():
    machine = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "End": True,
                "MaxConcurrency": 2,
                "ItemSelector": {
                    "i.$": "$$.Map.Item.Index",
                    "v.$": "$$.Map.Item.Value",
                    "k.$": "$.k",
                },
                "ItemProcessor": {"StartAt": "D", "States": {"D": {"Type": "Pass", "End": True}}},
                "ResultPath": "$.out",
            }
        },
    }
    out = run(machine, {"items": ["a", "b"], "k": 0})
    assert out["out"] == [{"i": 0, "v": "a", "k": 0}, {"i": 1, "v": "b", "k": 0}]


def test_map_iterator_and_parameters_legacy_fields():
    machine = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "End": True,
                "Parameters": {"x.$": "$$.Map.Item.Value"},
                "Iterator": {
                    "StartAt": "D",
                    "States": {"D": {"Type": "Pass", "OutputPath": "$.x", "End": True}},
                },
            }
        },
    }
    assert run(machine, [1, 2, 3]) == [1, 2, 3]


def test_map_tolerated_failures():
    processor = {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$", "NumericEquals": 0, "Next": "F"}],
                "Default": "OK",
            },
            "F": {"Type": "Fail", "Error": "Zero"},
            "OK": {"Type": "Succeed"},
        },
    }
    base = {"Type": "Map", "End": True, "ItemProcessor": processor}
    assert single({**base, "ToleratedFailureCount": 1}, [1, 0, 2]) == [
        1,
        {"Error": "Zero", "Cause": ""},
        2,
    ]
    with pytest.raises(errors.ASLError) as info:
        single({**base, "ToleratedFailurePercentage": 10}, [1, 0, 2])
    assert info.value.error == "States.ExceedToleratedFailureThreshold"
    with pytest.raises(errors.ASLError) as info:
        single(base, [1, 0])
    assert info.value.error == "Zero"


def test_map_items_path_not_array():
    with pytest.raises(errors.ASLError) as info:
        single(
            {
                "Type": "Map",
                "ItemsPath": "$.a",
                "ItemProcessor": {"StartAt": "D", "States": {"D": {"Type": "Succeed"}}},
            },
            {"a": 1},
        )
    assert info.value.error == "States.Runtime"
