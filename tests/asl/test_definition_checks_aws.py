"""Definitions AWS refuses at creation: Map Labels, Task Credentials, escapes inside
intrinsic-function strings, JSONata Wait Timestamps, and the integration patterns of EXPRESS
machines. Each machine is a minimal rewrite of one AWS refused (or accepted) at creation.
"""

import pytest

from podium.asl import validate


def codes(definition, **kwargs):
    return {(d["code"], d["location"]) for d in validate(definition, **kwargs)}


def map_with(**fields):
    processor = {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}}
    state = {"Type": "Map", "ItemProcessor": processor, "End": True, **fields}
    return {"StartAt": "M", "States": {"M": state}}


@pytest.mark.parametrize(
    "label",
    ["", "L" * 41, "has space", "tab\there", "nul\x00", "del\x7f", "c1\x85"]
    + [f"a{c}b" for c in '?*<>{}[]:;,\\|^~$#%&`"'],
)
def test_map_labels_aws_refuses(label):
    assert codes(map_with(Label=label)) == {("INVALID_VALUE", "/States/M/Label")}


@pytest.mark.parametrize("label", ["L", "L" * 40, "my-map_1.v2", "ÉtiquetteÜ", "a/b(c)'d'@!="])
def test_map_labels_aws_accepts(label):
    assert validate(map_with(Label=label)) == []


def test_a_label_that_is_not_a_string_is_refused():
    assert codes(map_with(Label=7)) == {("INVALID_TYPE", "/States/M/Label")}


def test_the_label_message_names_the_bad_characters():
    (problem,) = validate(map_with(Label="a b:c"))
    assert "' '" in problem["message"] and "':'" in problem["message"]


def task_with(language="JSONPath", **fields):
    state = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True, **fields}
    return {"QueryLanguage": language, "StartAt": "T", "States": {"T": state}}


@pytest.mark.parametrize("language", ["JSONPath", "JSONata"])
def test_empty_credentials_are_refused(language):
    assert codes(task_with(language, Credentials={})) == {
        ("INVALID_FIELDS", "/States/T/Credentials")
    }


@pytest.mark.parametrize("language", ["JSONPath", "JSONata"])
def test_a_credentials_field_other_than_role_arn_is_refused(language):
    found = codes(task_with(language, Credentials={"InvalidField": "invalid"}))
    assert ("UNKNOWN_FIELD", "/States/T/Credentials/InvalidField") in found


@pytest.mark.parametrize("value", ["arn:aws:iam::1:role/x", None, [], ""])
def test_credentials_must_be_an_object(value):
    if value == "arn:aws:iam::1:role/x":
        assert codes(task_with(Credentials=value)) == {("INVALID_TYPE", "/States/T/Credentials")}
    else:
        assert ("INVALID_TYPE", "/States/T/Credentials") in codes(task_with(Credentials=value))


@pytest.mark.parametrize(
    ("language", "credentials"),
    [
        ("JSONPath", {"RoleArn": "arn:aws:iam::111111111111:role/trusted"}),
        ("JSONPath", {"RoleArn.$": "$.CredentialsRoleArn"}),
        ("JSONPath", {"RoleArn.$": "$$.Execution.Input.CredentialsRoleArn"}),
        ("JSONPath", {"RoleArn.$": "$roleArn"}),
        ("JSONPath", {"RoleArn.$": "States.Format('{}', $.CredentialsRoleArn)"}),
        ("JSONata", {"RoleArn": "{% $states.input.CredentialsRoleArn %}"}),
        ("JSONata", {"RoleArn": "arn:aws:iam::111111111111:role/trusted"}),
    ],
)
def test_credentials_aws_accepts(language, credentials):
    assert validate(task_with(language, Credentials=credentials)) == []


@pytest.mark.parametrize(
    ("language", "credentials", "expected"),
    [
        ("JSONPath", {"RoleArn": ""}, ("INVALID_VALUE", "/States/T/Credentials/RoleArn")),
        ("JSONPath", {"RoleArn": 5}, ("INVALID_VALUE", "/States/T/Credentials/RoleArn")),
        ("JSONPath", {"RoleArn.$": "nope"}, ("INVALID_PATH", "/States/T/Credentials/RoleArn.$")),
        ("JSONata", {"RoleArn.$": "$.r"}, ("UNKNOWN_FIELD", "/States/T/Credentials/RoleArn.$")),
        ("JSONata", {"RoleArn": "{% ( %}"}, ("INVALID_JSONATA", "/States/T/Credentials/RoleArn")),
        (
            "JSONPath",
            {"RoleArn": "a", "RoleArn.$": "$.r"},
            ("INVALID_FIELDS", "/States/T/Credentials"),
        ),
    ],
)
def test_invalid_credentials_are_refused(language, credentials, expected):
    assert expected in codes(task_with(language, Credentials=credentials))


def pass_with(value):
    state = {"Type": "Pass", "Parameters": {"v.$": value}, "End": True}
    return {"StartAt": "P", "States": {"P": state}}


@pytest.mark.parametrize(
    "call",
    [
        "States.Format('line\\nbreak {}', $.a)",
        "States.Format('tab\\t{}', $.a)",
        "States.Array('\\u0041')",
        "States.StringToJson('\\\"x\\\"')",
        "States.Format('{} \\x', $.a)",
    ],
)
def test_illegal_escapes_in_intrinsic_strings_are_refused(call):
    (problem,) = validate(pass_with(call))
    assert (problem["code"], problem["location"]) == (
        "INVALID_INTRINSIC",
        "/States/P/Parameters/v.$",
    )
    assert "illegal escape sequence" in problem["message"]


@pytest.mark.parametrize(
    "call",
    [
        "States.Format('it\\'s {}', $.a)",
        "States.Format('\\{\\} {}', $.a)",
        "States.Format('back\\\\slash {}', $.a)",
        "States.Format('a \"quoted\" {}', $.a)",
    ],
)
def test_legal_escapes_in_intrinsic_strings_are_accepted(call):
    assert validate(pass_with(call)) == []


@pytest.mark.parametrize(
    "timestamp", ["not-a-timestamp", "2016-03-14T01:59:00", "2016-13-14T01:59:00Z", "", "{% %}x"]
)
def test_a_jsonata_wait_with_a_literal_timestamp_that_is_not_one_is_refused(timestamp):
    state = {"Type": "Wait", "Timestamp": timestamp, "End": True}
    definition = {"QueryLanguage": "JSONata", "StartAt": "W", "States": {"W": state}}
    assert codes(definition) == {("INVALID_VALUE", "/States/W/Timestamp")}


@pytest.mark.parametrize(
    "timestamp", ["2016-03-14T01:59:00Z", "2016-03-14T01:59:00.123+02:00", "{% $now() %}"]
)
def test_a_jsonata_wait_with_a_timestamp_or_an_expression_is_accepted(timestamp):
    state = {"Type": "Wait", "Timestamp": timestamp, "End": True}
    definition = {"QueryLanguage": "JSONata", "StartAt": "W", "States": {"W": state}}
    assert validate(definition) == []


def task_resource(resource):
    state = {"Type": "Task", "Resource": resource, "End": True}
    return {"StartAt": "T", "States": {"T": state}}


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:states:::states:startExecution.sync",
        "arn:aws:states:::states:startExecution.sync:2",
        "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "arn:aws:states:::ecs:runTask.sync",
    ],
)
def test_express_machines_refuse_sync_and_callback_integrations(resource):
    assert validate(task_resource(resource)) == []  # a STANDARD machine takes them
    (problem,) = validate(task_resource(resource), machine_type="EXPRESS")
    assert (problem["code"], problem["location"]) == (
        "UNSUPPORTED_INTEGRATION",
        "/States/T/Resource",
    )
    assert "Express" in problem["message"] and "STANDARD" in problem["message"]


def test_express_refusal_reaches_nested_states():
    task = task_resource("arn:aws:states:::lambda:invoke.waitForTaskToken")
    definition = {
        "StartAt": "P",
        "States": {"P": {"Type": "Parallel", "Branches": [task], "End": True}},
    }
    assert codes(definition, machine_type="EXPRESS") == {
        ("UNSUPPORTED_INTEGRATION", "/States/P/Branches/0/States/T/Resource")
    }


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:states:::lambda:invoke",
        "arn:aws:states:::states:startExecution",
        "arn:aws:lambda:us-east-1:123456789012:function:f",
    ],
)
def test_express_machines_accept_request_response_integrations(resource):
    assert validate(task_resource(resource), machine_type="EXPRESS") == []


def test_an_unknown_machine_type_is_a_value_error():
    with pytest.raises(ValueError, match="STANDARD or EXPRESS"):
        validate(task_resource("r"), machine_type="express")
