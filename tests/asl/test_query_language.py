"""A state without QueryLanguage uses the machine's top-level one, inside branches too.

AWS: "If the state does not contain a QueryLanguage field, then it will use the query language
specified in the top-level QueryLanguage field" — not the language of an enclosing Parallel
or Map state.
"""

from podium.asl import test_state, validate
from tests.asl.helpers import run

JSONPATH_BRANCH = {
    "StartAt": "Inner",
    "States": {"Inner": {"Type": "Pass", "Parameters": {"v.$": "$.x"}, "End": True}},
}


def test_branch_states_of_a_jsonata_parallel_keep_the_top_level_jsonpath():
    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "QueryLanguage": "JSONata",
                "Arguments": {"x": "{% $states.input.x + 1 %}"},
                "Branches": [JSONPATH_BRANCH],
                "End": True,
            }
        },
    }
    assert validate(definition) == []
    assert run(definition, {"x": 1}) == [{"v": 2}]


def test_branch_states_of_a_jsonata_machine_use_jsonata():
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "Items": "{% $states.input.xs %}",
                "ItemProcessor": {
                    "StartAt": "Double",
                    "States": {
                        "Double": {"Type": "Pass", "Output": "{% $states.input * 2 %}", "End": True}
                    },
                },
                "End": True,
            }
        },
    }
    assert validate(definition) == []
    assert run(definition, {"xs": [1, 2, 3]}) == [2, 4, 6]


def test_a_jsonpath_field_in_a_branch_of_a_jsonata_machine_is_invalid():
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "P",
        "States": {"P": {"Type": "Parallel", "Branches": [JSONPATH_BRANCH], "End": True}},
    }
    codes = [d["code"] for d in validate(definition)]
    assert codes == ["UNKNOWN_FIELD"]


def test_test_state_takes_the_query_language_as_the_top_level_one():
    state = {
        "Type": "Parallel",
        "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "Output": "{% 7 %}", "End": True}}}
        ],
        "End": True,
    }
    out = test_state(state, {}, query_language="JSONata")
    assert (out["status"], out["output"]) == ("SUCCEEDED", [7])
