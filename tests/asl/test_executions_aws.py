"""Executions as AWS records them: TimestampPath forms, a Fail state without Error, JSONPath
bracket notation with escaped quotes, and a JSONata Map whose Items is an object.

Each machine is a minimal rewrite exercising the behaviour AWS recorded.
"""

import pytest

from podium import errors as podium_errors
from podium.asl import errors, test_state
from tests.asl.helpers import FakeEffects, run, single

PASS_END = {"Type": "Pass", "End": True}


def failure(definition, value=None, resources=None):
    with pytest.raises(errors.ASLError) as info:
        run(definition, value, resources)
    return info.value.error, info.value.cause


@pytest.mark.parametrize(
    ("stamp", "seconds"),
    [
        ("2024-01-01T12:00:30Z", 30.0),
        ("2024-01-01T12:00:30.0Z", 30.0),
        ("2024-01-01T12:00:30.00Z", 30.0),
        ("2024-01-01T12:00:30.000Z", 30.0),
        ("2024-01-01T12:00:30.000000Z", 30.0),
        ("2024-01-01T12:00:30.000000000Z", 30.0),
        ("2024-01-01T12:00:30.5Z", 30.5),
        ("2024-01-01T13:00:30+01:00", 30.0),
    ],
)
def test_timestamp_path_takes_z_and_any_fractional_length(stamp, seconds):
    effects = FakeEffects()  # its clock stands at 2024-01-01T12:00:00Z
    wait = {"Type": "Wait", "TimestampPath": "$.at", "End": True}
    run({"StartAt": "W", "States": {"W": wait}}, {"at": stamp}, effects=effects)
    assert effects.sleeps == [seconds]


def test_a_fail_without_error_leaves_the_error_unset():
    definition = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Cause": "why"}}}
    assert failure(definition) == (None, "why")


def test_a_catch_all_ending_in_a_fail_without_error_leaves_the_error_unset():
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:111111111111:function:boom",
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}],
                "End": True,
            },
            "F": {"Type": "Fail"},
        },
    }

    def boom(_):
        raise ValueError("no")

    resources = {"arn:aws:lambda:us-east-1:111111111111:function:boom": boom}
    assert failure(definition, {}, resources) == (None, "")


def test_a_jsonata_fail_without_error_leaves_the_error_unset():
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "F",
        "States": {"F": {"Type": "Fail", "Cause": "{% 'c' %}"}},
    }
    assert failure(definition) == (None, "c")


def test_an_unset_error_from_a_branch_is_caught_only_by_states_all():
    branch = {"StartAt": "F", "States": {"F": {"Type": "Fail"}}}
    state = {
        "Type": "Parallel",
        "Branches": [branch],
        "Catch": [
            {"ErrorEquals": ["States.TaskFailed"], "Next": "Wrong"},
            {"ErrorEquals": ["States.ALL"], "Next": "Caught"},
        ],
        "End": True,
    }
    definition = {
        "StartAt": "P",
        "States": {"P": state, "Wrong": PASS_END, "Caught": PASS_END},
    }
    assert run(definition, {}) == {"Error": None, "Cause": ""}


def test_test_state_of_a_fail_without_error_has_no_error():
    out = test_state({"Type": "Fail", "Cause": "why"}, {}, inspection_level="INFO")
    assert out == {"status": "FAILED", "cause": "why"}


def test_an_unset_error_replayed_from_the_engine_stays_unset():
    # The engine records an unset error name as "", and a replay rebuilds it as StepFailed.
    assert errors.from_exception(errors.failure(None, "c")) == (None, "c")
    assert errors.from_exception(podium_errors.StepFailed("s", "", "c")) == (None, "c")


@pytest.mark.parametrize(
    "path",
    ["$['Test\\\"Name']", '$["Test\\"Name"]', "$['Test\"Name']"],
)
def test_bracket_notation_with_escaped_quotes_resolves(path):
    value = {'Test"Name': 1, "other": 2}
    assert single({"Type": "Pass", "InputPath": path}, value) == 1
    assert single({"Type": "Pass", "Parameters": {"v.$": path}}, value) == {"v": 1}
    call = f"States.Format('{{}}', {path})"
    assert single({"Type": "Pass", "Parameters": {"v.$": call}}, value) == {"v": "1"}
    assert single({"Type": "Pass", "Result": 5, "ResultPath": path}, value) == {
        'Test"Name': 5,
        "other": 2,
    }


def test_bracket_notation_with_an_escaped_single_quote_resolves():
    value = {"it's": 1}
    call = "States.Format('{}', $['it\\'s'])"
    assert single({"Type": "Pass", "Parameters": {"v.$": "$['it\\'s']"}}, value) == {"v": 1}
    assert single({"Type": "Pass", "Parameters": {"v.$": call}}, value) == {"v": "1"}


def jsonata_map(**fields):
    processor = {"StartAt": "P", "States": {"P": PASS_END}}
    state = {"Type": "Map", "ItemProcessor": processor, "End": True, **fields}
    return {"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": state}}


def test_a_jsonata_map_whose_items_evaluate_to_an_object_fails():
    definition = jsonata_map(Items="{% $states.input.things %}")
    assert failure(definition, {"things": {"a": 1}}) == (
        "States.QueryEvaluationError",
        "The JSONata expression '$states.input.things' specified for the field 'Items' "
        "returned an unexpected result type. Expected 'array', but was 'object' for value: "
        '{"a":1}',
    )


def test_a_jsonata_map_over_an_object_input_fails():
    assert failure(jsonata_map(), {"a": 1}) == (
        "States.QueryEvaluationError",
        'Map state input must be an array but was: {"a":1}',
    )


def test_a_jsonata_map_items_object_is_caught_as_a_query_evaluation_error():
    definition = jsonata_map(
        Items="{% $states.input %}",
        Catch=[{"ErrorEquals": ["States.QueryEvaluationError"], "Next": "C"}],
    )
    definition["States"]["C"] = {"Type": "Pass", "Output": "{% $states.input.Error %}", "End": True}
    assert run(definition, {"a": 1}) == "States.QueryEvaluationError"


class CountingEffects(FakeEffects):
    """UUIDs numbered in the order they are drawn, so a test can tell where they came from."""

    def __init__(self) -> None:
        super().__init__()
        self.drawn = 0

    def uuid4(self) -> str:
        self.drawn += 1
        return f"uuid-{self.drawn}"


def test_jsonata_item_selector_draws_now_random_and_uuid_from_the_effects():
    # Inside a workflow the effects record these values, so a replay sees the same ones.
    definition = jsonata_map(
        Items="{% [1, 2] %}",
        ItemSelector={
            "id": "{% $uuid() %}",
            "r": "{% $random() %}",
            "t": "{% $now() %}",
            "v": "{% $states.context.Map.Item.Value %}",
        },
    )
    effects = CountingEffects()
    assert run(definition, {}, effects=effects) == [
        {"id": "uuid-1", "r": 0.5, "t": "2024-01-01T12:00:00.000Z", "v": 1},
        {"id": "uuid-2", "r": 0.5, "t": "2024-01-01T12:00:00.000Z", "v": 2},
    ]
