"""Parallel and Map scenarios as Step Functions recorded them.

Each case mirrors an execution recorded against AWS (localstack's v2/scenarios snapshots); the
machines here are small rewrites exercising the same behaviour.
"""

import itertools
import re
from typing import Any

import pytest

from podium.asl import errors

from .helpers import FakeEffects, run

PASS_END = {"Type": "Pass", "End": True}
S3_GET = "arn:aws:states:::s3:getObject"


def processor(states: dict[str, Any], start: str, mode: str = "INLINE") -> dict[str, Any]:
    return {"ProcessorConfig": {"Mode": mode}, "StartAt": start, "States": states}


def one_state(state: dict[str, Any], **machine: Any) -> dict[str, Any]:
    return {"StartAt": "S", "States": {"S": {**state, "End": True}}, **machine}


def failure(
    definition: dict[str, Any], value: Any, resources: Any = None
) -> tuple[str | None, str]:
    with pytest.raises(errors.ASLError) as info:
        run(definition, value, resources)
    return info.value.error, info.value.cause


def loaded_map(result: Any, map_state: dict[str, Any]) -> dict[str, Any]:
    """A Pass loading `result` at $.arr, then the Map over $.arr (output discarded)."""
    return {
        "StartAt": "Load",
        "States": {
            "Load": {"Type": "Pass", "Result": result, "ResultPath": "$.arr", "Next": "M"},
            "M": {
                "Type": "Map",
                "ResultPath": None,
                "InputPath": "$.arr",
                "MaxConcurrency": 1,
                **map_state,
                "End": True,
            },
        },
    }


def test_map_with_a_null_result_path_passes_its_input_on():
    items = [1, "Hello", {}, None, 3.3, 3, 4, 5]
    definition = loaded_map(items, {"ItemProcessor": processor({"H": PASS_END}, "H")})
    assert run(definition, {}) == {"arr": items}


def test_a_fail_in_an_iteration_fails_the_map_with_its_error():
    equals_3 = {
        "Type": "Choice",
        "Choices": [
            {
                "And": [
                    {"Variable": "$", "IsPresent": True},
                    {
                        "And": [
                            {"Variable": "$", "IsNumeric": True},
                            {"Variable": "$", "NumericEquals": 3},
                        ]
                    },
                ],
                "Next": "Break",
            }
        ],
        "Default": "Pass",
    }
    states = {
        "Equals3": equals_3,
        "Break": {"Type": "Fail", "Error": "SomeFailure", "Cause": "It was 3."},
        "Pass": PASS_END,
    }
    definition = loaded_map(
        [1, "Hello", {}, 3.3, 3, 4], {"ItemProcessor": processor(states, "Equals3")}
    )
    assert failure(definition, {}) == ("SomeFailure", "It was 3.")


SHIPPED = {"delivery-partner": "UQS", "shipped": [{"prod": "R31"}, {"prod": "S39"}]}
SELECTOR = {
    "original_input.$": "$",
    "iteration_input_value.$": "$$.Map.Item.Value",
    "iteration_index.$": "$$.Map.Item.Index",
    "from_input_constant.$": "$.delivery-partner",
    "constant_value": "HelloWorld",
}


def shipped_map(**fields: Any) -> dict[str, Any]:
    return one_state(
        {
            "Type": "Map",
            "ResultPath": "$.detail.shipped_output",
            "InputPath": "$.detail",
            "ItemsPath": "$.shipped",
            "MaxConcurrency": 1,
            **fields,
        }
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"ItemSelector": SELECTOR, "ItemProcessor": processor({"H": PASS_END}, "H")},
        {"Parameters": SELECTOR, "Iterator": {"StartAt": "H", "States": {"H": PASS_END}}},
    ],
    ids=["item_selector", "legacy_parameters"],
)
def test_item_selector_sees_the_effective_input_and_the_map_item(fields):
    out = run(shipped_map(**fields), {"detail": SHIPPED})
    assert out["detail"]["shipped_output"] == [
        {
            "original_input": SHIPPED,
            "iteration_input_value": {"prod": "R31"},
            "iteration_index": 0,
            "from_input_constant": "UQS",
            "constant_value": "HelloWorld",
        },
        {
            "original_input": SHIPPED,
            "iteration_input_value": {"prod": "S39"},
            "iteration_index": 1,
            "from_input_constant": "UQS",
            "constant_value": "HelloWorld",
        },
    ]
    assert out["detail"]["shipped"] == SHIPPED["shipped"]


def test_item_selector_over_plain_string_items():
    detail = {"delivery-partner": "UQS", "shipped": ["A", "B"]}
    fields = {"ItemSelector": SELECTOR, "ItemProcessor": processor({"H": PASS_END}, "H")}
    out = run(shipped_map(**fields), {"detail": detail})
    assert [o["iteration_input_value"] for o in out["detail"]["shipped_output"]] == ["A", "B"]
    assert [o["iteration_index"] for o in out["detail"]["shipped_output"]] == [0, 1]


def test_map_catch_passes_the_error_output_on():
    fail = {"Type": "Fail", "Error": "ItemError", "Cause": "ItemCause"}
    definition = loaded_map([1], {"ItemProcessor": processor({"H": fail}, "H")})
    definition["States"]["M"].pop("End")
    definition["States"]["M"]["Next"] = "Final"
    definition["States"]["M"]["Catch"] = [{"ErrorEquals": ["ItemError"], "Next": "Caught"}]
    definition["States"]["Caught"] = PASS_END
    definition["States"]["Final"] = PASS_END
    assert run(definition, {}) == {"Error": "ItemError", "Cause": "ItemCause"}


def test_an_iteration_failing_without_an_error_name_is_caught_by_no_near_match():
    definition = loaded_map([1], {"ItemProcessor": processor({"H": {"Type": "Fail"}}, "H")})
    state = definition["States"]["M"]
    state.pop("End")
    state["Next"] = "None"
    state["Catch"] = [
        {"ErrorEquals": ["Internal Error"], "Next": "A"},
        {"ErrorEquals": ["State.ALL"], "Next": "B"},
    ]
    definition["States"].update({"A": PASS_END, "B": PASS_END, "None": PASS_END})
    assert failure(definition, {}) == (None, "")


def test_map_retry_uses_the_first_retrier_that_matches_the_error_name():
    fail = {"Type": "Fail", "Error": "ItemError", "Cause": "ItemCause"}
    definition = loaded_map([1], {"ItemProcessor": processor({"H": fail}, "H")})
    definition["States"]["M"]["Retry"] = [
        {"ErrorEquals": ["NoSuchError"], "MaxAttempts": 1},
        {"ErrorEquals": ["State.ALL"], "MaxAttempts": 2},
        {"ErrorEquals": ["ItemError"], "MaxAttempts": 3},
    ]
    effects = FakeEffects()
    with pytest.raises(errors.ASLError) as info:
        run(definition, {}, effects=effects)
    assert (info.value.error, info.value.cause) == ("ItemError", "ItemCause")
    assert effects.sleeps == [1.0, 2.0, 4.0]


def test_nested_inline_maps_keep_the_shape():
    inner = {"Type": "Map", "MaxConcurrency": 1, "ItemProcessor": processor({"P": PASS_END}, "P")}
    outer = {
        "Type": "Map",
        "MaxConcurrency": 1,
        "ItemProcessor": processor({"M2": {**inner, "End": True}}, "M2"),
    }
    assert run(one_state(outer), [[1, 2], [3]]) == [[1, 2], [3]]


def test_parallel_gives_each_branch_output_in_branch_order():
    def chain(*names: str) -> dict[str, Any]:
        states: dict[str, Any] = {
            n: {"Type": "Pass", "Next": m} for n, m in itertools.pairwise(names)
        }
        states[names[-1]] = PASS_END
        return {"StartAt": names[0], "States": states}

    parallel = {
        "Type": "Parallel",
        "Branches": [chain("A"), chain("B1", "B2"), chain("C1", "C2", "C3")],
    }
    assert run(one_state(parallel), [1, 2, 3, 4]) == [[1, 2, 3, 4]] * 3


def test_nested_parallels_wrap_each_level_in_a_list():
    inner = {"Type": "Parallel", "Branches": [{"StartAt": "P", "States": {"P": PASS_END}}]}
    outer = {
        "Type": "Parallel",
        "Branches": [{"StartAt": "I", "States": {"I": {**inner, "End": True}}}],
    }
    assert run(one_state(outer), {"x": 1}) == [[{"x": 1}]]


def test_a_failing_branch_fails_the_parallel_and_can_be_caught():
    branch = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "FailureType"}}}
    assert failure(one_state({"Type": "Parallel", "Branches": [branch]}), {}) == ("FailureType", "")
    caught = {
        "StartAt": "Par",
        "States": {
            "Par": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "F",
                        "States": {"F": {"Type": "Fail", "Error": "FailureType", "Cause": "why"}},
                    }
                ],
                "Catch": [{"ErrorEquals": ["FailureType"], "Next": "Caught"}],
                "End": True,
            },
            "Caught": PASS_END,
        },
    }
    assert run(caught, {}) == {"Error": "FailureType", "Cause": "why"}


def max_concurrency_path() -> dict[str, Any]:
    return one_state(
        {
            "Type": "Map",
            "ItemsPath": "$.Values",
            "MaxConcurrencyPath": "$.MaxConcurrencyValue",
            "ItemProcessor": processor({"H": PASS_END}, "H"),
        }
    )


@pytest.mark.parametrize("value", [0, 1])
def test_max_concurrency_path_takes_whole_numbers(value):
    value_in = {"Values": ["HelloWorld"], "MaxConcurrencyValue": value}
    assert run(max_concurrency_path(), value_in) == ["HelloWorld"]


@pytest.mark.parametrize(
    ("value", "cause"),
    [
        (
            {},
            'The MaxConcurrencyPath field refers to value "{}" which is not a valid integer: '
            "$.MaxConcurrencyValue",
        ),
        (
            "NoNumber",
            'The MaxConcurrencyPath field refers to value "NoNumber" which is not a '
            "valid integer: $.MaxConcurrencyValue",
        ),
        (-1, "Expected non-negative integer for MaxConcurrency, got '-1' instead."),
    ],
)
def test_bad_max_concurrency_path_values_are_runtime_errors(value, cause):
    value_in = {"Values": ["HelloWorld"], "MaxConcurrencyValue": value}
    assert failure(max_concurrency_path(), value_in) == ("States.Runtime", cause)


def tolerated(field: str) -> dict[str, Any]:
    return one_state(
        {
            "Type": "Map",
            "ItemsPath": "$.Items",
            "MaxConcurrency": 1,
            "ItemProcessor": processor({"H": PASS_END}, "H", "DISTRIBUTED"),
            f"{field}Path": f"$.{field}",
        }
    )


@pytest.mark.parametrize(
    ("value", "cause"),
    [
        (
            {},
            'The ToleratedFailureCountPath field refers to value "{}" which is not a valid '
            "integer: $.ToleratedFailureCount",
        ),
        (
            "NoNumber",
            'The ToleratedFailureCountPath field refers to value "NoNumber" which is '
            "not a valid integer: $.ToleratedFailureCount",
        ),
        (-1, "ToleratedFailureCount cannot be negative."),
    ],
)
def test_bad_tolerated_failure_count_path_values(value, cause):
    field = "ToleratedFailureCount"
    assert failure(tolerated(field), {"Items": [0], field: value}) == ("States.Runtime", cause)


@pytest.mark.parametrize(
    ("value", "cause"),
    [
        (
            {},
            'The ToleratedFailurePercentagePath field refers to value "{}" which is not a '
            "valid float: $.ToleratedFailurePercentage",
        ),
        (
            "NoNumber",
            'The ToleratedFailurePercentagePath field refers to value "NoNumber" '
            "which is not a valid float: $.ToleratedFailurePercentage",
        ),
        (-1.1, "ToleratedFailurePercentage must be between 0 and 100."),
        (-1, "ToleratedFailurePercentage must be between 0 and 100."),
        (100.1, "ToleratedFailurePercentage must be between 0 and 100."),
    ],
)
def test_bad_tolerated_failure_percentage_path_values(value, cause):
    field = "ToleratedFailurePercentage"
    assert failure(tolerated(field), {"Items": [0], field: value}) == ("States.Runtime", cause)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ToleratedFailureCount", 0),
        ("ToleratedFailureCount", 1),
        ("ToleratedFailurePercentage", 0),
        ("ToleratedFailurePercentage", 1.1),
        ("ToleratedFailurePercentage", 100),
    ],
)
def test_good_tolerated_failure_path_values(field, value):
    assert run(tolerated(field), {"Items": [0], field: value}) == [0]


def test_distributed_map_item_selector_and_the_legacy_iterator_with_a_mode():
    selector = {"constantValue": "constant", "mapValue.$": "$$.Map.Item.Value", "fromInput.$": "$"}
    iterator = processor({"I": PASS_END}, "I", "DISTRIBUTED")
    expected = [
        {"constantValue": "constant", "mapValue": v, "fromInput": ["Hello", "World"]}
        for v in ("Hello", "World")
    ]
    for fields in (
        {"ItemSelector": selector, "ItemProcessor": iterator},
        {"Parameters": selector, "Iterator": iterator},
    ):
        definition = one_state({"Type": "Map", "MaxConcurrency": 1, **fields})
        assert run(definition, ["Hello", "World"]) == expected


def test_a_result_writer_replaces_the_output_with_the_map_run_details():
    definition = one_state(
        {
            "Type": "Map",
            "Label": "TestMap",
            "ItemProcessor": processor({"I": PASS_END}, "I", "DISTRIBUTED"),
            "ResultWriter": {
                "Resource": "arn:aws:states:::s3:putObject",
                "Parameters": {"Bucket": "result-bucket", "Prefix": "mapJobs"},
            },
        }
    )
    resources: dict[str, Any] = {"arn:aws:states:::s3:putObject": lambda params: {}}
    out = run(definition, ["Hello", "World"], resources)
    assert sorted(out) == ["MapRunArn", "ResultWriterDetails"]
    assert re.fullmatch(
        r"arn:aws:states:[^:]+:\d+:mapRun:Machine/TestMap:[0-9a-f-]+", out["MapRunArn"]
    )
    run_id = out["MapRunArn"].rsplit(":", 1)[1]
    assert out["ResultWriterDetails"] == {
        "Bucket": "result-bucket",
        "Key": f"mapJobs/{run_id}/manifest.json",
    }


def reader(config: dict[str, Any]) -> dict[str, Any]:
    return one_state(
        {
            "Type": "Map",
            "ItemReader": {
                "Resource": S3_GET,
                "ReaderConfig": config,
                "Parameters": {"Bucket.$": "$.Bucket", "Key.$": "$.Key"},
            },
            "ItemProcessor": processor({"P": PASS_END}, "P", "DISTRIBUTED"),
        }
    )


def s3(text: str) -> dict[str, Any]:
    return {S3_GET: lambda params: text}


LOCATION = {"Bucket": "bucket", "Key": "file.csv"}
ROWS = "Value1,Value2,Value3\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n"


def test_csv_rows_keep_strings_and_missing_fields_are_empty():
    definition = reader({"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"})
    out = run(definition, LOCATION, s3("Col1,Col2,Col3\n" + ROWS))
    assert out == [
        {"Col1": "Value1", "Col2": "Value2", "Col3": "Value3"},
        {"Col1": "Value4", "Col2": "Value5", "Col3": "Value6"},
        {"Col1": "", "Col2": "", "Col3": ""},
        {"Col1": "true", "Col2": "1", "Col3": "'HelloWorld'"},
        {"Col1": "Null", "Col2": "None", "Col3": ""},
        {"Col1": "   ", "Col2": "", "Col3": ""},
    ]


def test_given_csv_headers_drop_extra_fields():
    definition = reader({"InputType": "CSV", "CSVHeaderLocation": "GIVEN", "CSVHeaders": ["H1"]})
    out = run(definition, LOCATION, s3(ROWS))
    assert out == [{"H1": v} for v in ("Value1", "Value4", "", "true", "Null", "   ")]


def test_duplicate_csv_headers_fail_the_reader():
    config = {"InputType": "CSV", "CSVHeaderLocation": "GIVEN", "CSVHeaders": ["H1", "H1", "H3"]}
    assert failure(reader(config), LOCATION, s3(ROWS)) == (
        "States.ItemReaderFailed",
        "CSV headers cannot contain duplicates.",
    )


def test_a_json_object_file_is_not_a_list_of_items():
    assert failure(reader({"InputType": "JSON"}), LOCATION, s3('{"Hello": "world"}')) == (
        "States.ItemReaderFailed",
        "Attempting to map over non-iterable node.",
    )


FOUR_ROWS = "Col1,Col2\nValue1,Value2\nValue3,Value4\nValue5,Value6\nValue7,Value8\n"


@pytest.mark.parametrize(("limit", "count"), [(0, 4), (2, 2), (100_000_000, 4), (100_000_001, 4)])
def test_max_items_path_limits_the_rows_read(limit, count):
    config = {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW", "MaxItemsPath": "$.MaxItems"}
    out = run(reader(config), {**LOCATION, "MaxItems": limit}, s3(FOUR_ROWS))
    assert len(out) == count
    assert out[0] == {"Col1": "Value1", "Col2": "Value2"}


@pytest.mark.parametrize(
    ("limit", "cause"),
    [
        (-1, "field MaxItems must be positive"),
        (
            1.5,
            "The MaxItemsPath field refers to value '1.5' which is not a valid integer: $.MaxItems",
        ),
    ],
)
def test_bad_max_items_path_values_fail_the_reader(limit, cause):
    config = {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW", "MaxItemsPath": "$.MaxItems"}
    value = {**LOCATION, "MaxItems": limit}
    assert failure(reader(config), value, s3(FOUR_ROWS)) == ("States.ItemReaderFailed", cause)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(1, "1"), ("string", '"string"'), (True, "true"), (None, "null")],
)
def test_jsonata_map_input_that_is_not_an_array(value, shown):
    definition = one_state(
        {"Type": "Map", "ItemProcessor": {"StartAt": "P", "States": {"P": PASS_END}}},
        QueryLanguage="JSONata",
    )
    assert failure(definition, value) == (
        "States.QueryEvaluationError",
        f"Map state input must be an array but was: {shown}",
    )


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [(1, "number", "1"), ("string", "string", '"string"'), (None, "null", "null")],
)
def test_jsonata_items_expression_that_is_not_an_array(value, kind, shown):
    definition = one_state(
        {
            "Type": "Map",
            "Items": "{% $states.input.items %}",
            "ItemProcessor": {"StartAt": "P", "States": {"P": PASS_END}},
        },
        QueryLanguage="JSONata",
    )
    assert failure(definition, {"items": value}) == (
        "States.QueryEvaluationError",
        "The JSONata expression '$states.input.items' specified for the field 'Items' returned "
        f"an unexpected result type. Expected 'array', but was '{kind}' for value: {shown}",
    )
