"""Pass states and JSONPath data flow, pinned to what Step Functions documents and returns.

Examples come from the AWS pages "Specifying state output using ResultPath", "Filtering
state output using InputPath, Parameters, OutputPath" and "Example: Manipulating state data
with paths", and from executions recorded against AWS (Pass with Result holding `.$` keys,
null InputPath/OutputPath, filters in Parameters, the context object).
"""

import pytest

from podium.asl import errors

from .helpers import run, single

HELLO = "arn:aws:lambda:us-east-1:123456789012:function:HelloFunction"
DOC_INPUT = {
    "comment": "This is a test of the input and output of a Task state.",
    "details": "Default example",
    "who": "AWS Step Functions",
}


def hello(event):
    return f"Hello, {event['who']}!"


def task(**fields):
    return {"Type": "Task", "Resource": HELLO, **fields}


def failure(definition, value, resources=None):
    with pytest.raises(errors.ASLError) as info:
        run(definition, value, resources)
    return info.value.error, info.value.cause


def machine(*states):
    names = [f"S{i}" for i in range(len(states))]
    body = {}
    for i, state in enumerate(states):
        state = dict(state)
        if state["Type"] not in ("Choice", "Succeed", "Fail"):
            if i + 1 < len(states):
                state["Next"] = names[i + 1]
            else:
                state["End"] = True
        body[names[i]] = state
    return {"StartAt": names[0], "States": body}


# -- ResultPath (docs: "Specifying state output using ResultPath") -------------------------


def test_result_path_dollar_replaces_the_input_with_the_result():
    assert single(task(ResultPath="$"), DOC_INPUT, {HELLO: hello}) == "Hello, AWS Step Functions!"


def test_result_path_default_is_dollar():
    assert single(task(), DOC_INPUT, {HELLO: hello}) == "Hello, AWS Step Functions!"


def test_result_path_null_discards_the_result_and_keeps_the_input():
    assert single(task(ResultPath=None), DOC_INPUT, {HELLO: hello}) == DOC_INPUT


def test_result_path_adds_the_result_to_the_input():
    out = single(task(ResultPath="$.taskresult"), DOC_INPUT, {HELLO: hello})
    assert out == {**DOC_INPUT, "taskresult": "Hello, AWS Step Functions!"}


def test_result_path_into_an_existing_nested_object():
    value = {**DOC_INPUT, "strings": {"string1": "foo", "string2": "bar", "string3": "baz"}}
    out = single(task(ResultPath="$.strings.lambdaresult"), value, {HELLO: hello})
    assert out == {
        **DOC_INPUT,
        "strings": {
            "string1": "foo",
            "string2": "bar",
            "string3": "baz",
            "lambdaresult": "Hello, AWS Step Functions!",
        },
    }


def test_result_path_replaces_an_existing_field():
    out = single(task(ResultPath="$.who"), DOC_INPUT, {HELLO: hello})
    assert out == {**DOC_INPUT, "who": "Hello, AWS Step Functions!"}


def test_result_path_creates_missing_objects_on_the_way():
    out = single({"Type": "Pass", "Result": 1, "ResultPath": "$.a.b.c"}, {"x": 0})
    assert out == {"x": 0, "a": {"b": {"c": 1}}}


def test_result_path_applies_to_the_raw_input_not_the_input_path_selection():
    state = {"Type": "Pass", "InputPath": "$.a", "Result": "r", "ResultPath": "$.out"}
    assert single(state, {"a": {"b": 1}, "c": 2}) == {"a": {"b": 1}, "c": 2, "out": "r"}


def test_result_path_into_a_non_object_fails_with_result_path_match_failure():
    error, _ = failure(machine({"Type": "Pass", "Result": 1, "ResultPath": "$.a.b"}), {"a": "x"})
    assert error == "States.ResultPathMatchFailure"
    error, _ = failure(machine({"Type": "Pass", "Result": 1, "ResultPath": "$.a"}), "text")
    assert error == "States.ResultPathMatchFailure"


def test_catch_result_path_keeps_the_input_and_adds_the_error():
    def boom(event):
        raise errors.TaskError("CustomError", "This is a custom error!")

    definition = machine(
        task(Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "S1"}]),
        {"Type": "Pass"},
    )
    definition["States"]["S0"].pop("Next")
    definition["States"]["S0"]["End"] = True
    assert run(definition, DOC_INPUT, {HELLO: boom}) == {
        **DOC_INPUT,
        "error": {"Error": "CustomError", "Cause": "This is a custom error!"},
    }


# -- InputPath, Parameters, OutputPath ---------------------------------------------------


def test_input_path_selects_part_of_the_input():
    value = {
        "comment": "Example for InputPath.",
        "dataset1": {"val1": 1, "val2": 2, "val3": 3},
        "dataset2": {"val1": "a", "val2": "b", "val3": "c"},
    }
    out = single({"Type": "Pass", "InputPath": "$.dataset2"}, value)
    assert out == {"val1": "a", "val2": "b", "val3": "c"}


def test_parameters_select_and_add_static_values():
    value = {
        "comment": "Example for Parameters.",
        "product": {
            "details": {"color": "blue", "size": "small", "material": "cotton"},
            "availability": "in stock",
            "sku": "2317",
            "cost": "$23",
        },
    }
    state = {
        "Type": "Pass",
        "Parameters": {
            "comment": "Selecting what I care about.",
            "MyDetails": {
                "size.$": "$.product.details.size",
                "exists.$": "$.product.availability",
                "StaticValue": "foo",
            },
        },
    }
    assert single(state, value) == {
        "comment": "Selecting what I care about.",
        "MyDetails": {"size": "small", "exists": "in stock", "StaticValue": "foo"},
    }


def test_manipulating_state_data_with_paths_example():
    value = {
        "comment": "An input comment.",
        "data": {"val1": 23, "val2": 17},
        "extra": "foo",
        "lambda": {"who": "AWS Step Functions"},
    }
    state = task(InputPath="$.lambda", ResultPath="$.data.lambdaresult", OutputPath="$.data")
    assert single(state, value, {HELLO: hello}) == {
        "val1": 23,
        "val2": 17,
        "lambdaresult": "Hello, AWS Step Functions!",
    }


def test_null_input_path_and_output_path_give_empty_objects():
    definition = machine(
        {"Type": "Pass", "Parameters": {"Arg1": "argument1", "FromInput.$": "$"}},
        {
            "Type": "Pass",
            "InputPath": None,
            "Parameters": {"Arg2": "argument2", "FromInput.$": "$"},
        },
    )
    assert run(definition, {"InputValue": 0}) == {"Arg2": "argument2", "FromInput": {}}
    definition = machine(
        {"Type": "Pass", "Parameters": {"Arg1": "argument1", "FromInput.$": "$"}},
        {"Type": "Pass", "OutputPath": None},
    )
    assert run(definition, {"InputValue": 0}) == {}


def test_parameters_nest_objects_and_arrays():
    state = {
        "Type": "Pass",
        "Parameters": {
            "list": [{"a.$": "$.a"}, "plain", ["$.a"]],
            "deep": {"deeper": {"b.$": "$.b[1]"}},
            "num": 1.5,
            "none": None,
        },
    }
    assert single(state, {"a": "A", "b": [0, 1]}) == {
        "list": [{"a": "A"}, "plain", ["$.a"]],
        "deep": {"deeper": {"b": 1}},
        "num": 1.5,
        "none": None,
    }


def test_parameters_with_intrinsics_and_variables():
    definition = machine(
        {"Type": "Pass", "Assign": {"greeting": "Hi"}},
        {
            "Type": "Pass",
            "Parameters": {
                "text.$": "States.Format('{} {}', $greeting, $.who)",
                "var.$": "$greeting",
                "length.$": "States.ArrayLength($.list)",
            },
        },
    )
    assert run(definition, {"who": "Ann", "list": [1, 2]}) == {
        "text": "Hi Ann",
        "var": "Hi",
        "length": 2,
    }


def test_result_keys_ending_in_dollar_are_taken_literally():
    state = {"Type": "Pass", "Result": {"unsupported1.$": "$.jsonpath", "unsupported2.$": "$$"}}
    assert single(state, {}) == {"unsupported1.$": "$.jsonpath", "unsupported2.$": "$$"}


def test_result_wins_over_the_input_and_output_path_applies_after():
    state = {"Type": "Pass", "Result": {"a": {"b": 2}}, "ResultPath": "$.r", "OutputPath": "$.r.a"}
    assert single(state, {"x": 1}) == {"b": 2}


def test_pass_without_result_passes_its_effective_input():
    state = {"Type": "Pass", "InputPath": "$.a", "Parameters": {"v.$": "$.b"}, "ResultPath": "$.p"}
    assert single(state, {"a": {"b": 7}}) == {"a": {"b": 7}, "p": {"v": 7}}


# -- paths that match nothing --------------------------------------------------------------


def test_parameters_path_that_matches_nothing_is_a_runtime_error():
    definition = machine({"Type": "Pass", "Parameters": {"missing.$": "$.nope.deep"}})
    assert failure(definition, {"other": 1}) == (
        "States.Runtime",
        "The JSONPath '$.nope.deep' specified for the field 'missing.$' could not be found in "
        "the input '{\"other\":1}'",
    )


def test_path_functions_are_accepted_but_find_nothing():
    jobs = {"Jobs": [0, 0, 1, 0]}
    definition = machine({"Type": "Pass", "Parameters": {"Jobs.$": "$.Jobs.sum()"}})
    assert failure(definition, jobs) == (
        "States.Runtime",
        "The JSONPath '$.Jobs.sum()' specified for the field 'Jobs.$' could not be found in the "
        "input '{\"Jobs\":[0,0,1,0]}'",
    )


def test_task_parameters_path_that_matches_nothing_fails_uncaught():
    calls: list[object] = []
    definition = machine(
        task(
            Parameters={"x.$": "$.missing"},
            Catch=[{"ErrorEquals": ["States.ALL"], "Next": "S1"}],
        ),
        {"Type": "Pass", "Result": "caught"},
    )
    definition["States"]["S0"].pop("Next")
    definition["States"]["S0"]["End"] = True
    error, cause = failure(definition, {"a": 1}, {HELLO: calls.append})
    assert error == "States.Runtime"
    assert cause.startswith("The JSONPath '$.missing' specified for the field 'x.$'")
    assert calls == []


def test_input_path_that_matches_nothing_is_a_runtime_error():
    definition = machine({"Type": "Pass", "InputPath": "$.a.b"})
    assert failure(definition, {"a": {}}) == (
        "States.Runtime",
        "Invalid path '$.a.b' : No results for path: $['a']['b']",
    )


def test_input_path_through_a_missing_object_names_the_missing_property():
    definition = machine({"Type": "Pass", "InputPath": "$.a.b"})
    assert failure(definition, {}) == (
        "States.Runtime",
        "Invalid path '$.a.b' : Missing property in path $['a']",
    )


def test_output_path_that_matches_nothing_is_a_runtime_error():
    definition = machine({"Type": "Pass", "OutputPath": "$.missing"})
    assert failure(definition, {"a": 1}) == (
        "States.Runtime",
        "Invalid path '$.missing' : No results for path: $['missing']",
    )


# -- JSONPath features in Parameters -------------------------------------------------------

USERS = {"users": [{"year": 1997, "status": 0}, {"year": 1998, "status": 1}]}


def test_filter_returns_a_list():
    state = {"Type": "Pass", "Parameters": {"FromInput.$": "$.users[?(@.status == 0)]"}}
    assert single(state, USERS) == {"FromInput": [{"year": 1997, "status": 0}]}


def test_filter_after_a_dot_bracket():
    state = {"Type": "Pass", "InputPath": "$.users", "Parameters": {"y.$": "$.[?(@.year <= 1998)]"}}
    assert single(state, USERS) == {"y": USERS["users"]}


def test_filter_with_no_match_gives_an_empty_list():
    state = {"Type": "Pass", "Parameters": {"none.$": "$.users[?(@.status == 9)]"}}
    assert single(state, USERS) == {"none": []}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$.users[0]", {"year": 1997, "status": 0}),
        ("$.users[-1].year", 1998),
        ("$.users[*].year", [1997, 1998]),
        ("$.users[0:1]", [{"year": 1997, "status": 0}]),
        ("$.users[0,1].status", [0, 1]),
        ("$..year", [1997, 1998]),
        ("$['users'][1]['status']", 1),
        ('$["users"][0].year', 1997),
        ("$.users[?(@.year > 1997)].year", [1998]),
    ],
)
def test_definite_paths_give_values_and_indefinite_paths_give_lists(path, expected):
    assert single({"Type": "Pass", "Parameters": {"v.$": path}}, USERS) == {"v": expected}


# -- the context object --------------------------------------------------------------------


def test_context_object_fields():
    state = {
        "Type": "Pass",
        "Parameters": {
            "input.$": "$$.Execution.Input",
            "name.$": "$$.Execution.Name",
            "state.$": "$$.State.Name",
            "machine.$": "$$.StateMachine.Name",
            "id.$": "$$.Execution.Id",
        },
    }
    assert single(state, {"message": "HelloWorld!"}) == {
        "input": {"message": "HelloWorld!"},
        "name": "exec-1",
        "state": "S",
        "machine": "Machine",
        "id": "arn:aws:states:us-east-1:000000000000:execution:Machine:exec-1",
    }


def test_context_object_in_input_path_and_output_path():
    state = {"Type": "Pass", "InputPath": "$$.Execution.Input.inner"}
    assert single(state, {"inner": {"v": 1}}) == {"v": 1}
    state = {"Type": "Pass", "OutputPath": "$$.Execution.Input"}
    assert single(state, {"k": "v"}) == {"k": "v"}


def test_context_map_item_index_and_value():
    state = {
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemSelector": {"index.$": "$$.Map.Item.Index", "value.$": "$$.Map.Item.Value"},
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
    }
    assert single(state, {"items": ["a", "b"]}) == [
        {"index": 0, "value": "a"},
        {"index": 1, "value": "b"},
    ]
