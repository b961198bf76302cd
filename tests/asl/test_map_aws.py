"""Map states as the AWS documentation and the States Language specification describe them."""

import json
import re
from typing import Any

import pytest

from podium.asl import errors, validate

from .helpers import run, single

SHIPMENT = {
    "ship-date": "2016-03-14T01:59:00Z",
    "detail": {
        "delivery-partner": "UQS",
        "shipped": [
            {"prod": "R31", "dest-code": 9511, "quantity": 1344},
            {"prod": "S39", "dest-code": 9511, "quantity": 40},
            {"prod": "R31", "dest-code": 9833, "quantity": 12},
            {"prod": "R40", "dest-code": 9860, "quantity": 887},
            {"prod": "R40", "dest-code": 9511, "quantity": 1220},
        ],
    },
}
SHIP_VAL = "arn:aws:lambda:us-east-1:123456789012:function:ship-val"


def validate_all(**fields: Any) -> dict[str, Any]:
    return {
        "Type": "Map",
        "InputPath": "$.detail",
        "ItemsPath": "$.shipped",
        "MaxConcurrency": 0,
        "ItemProcessor": {
            "StartAt": "Validate",
            "States": {"Validate": {"Type": "Task", "Resource": SHIP_VAL, "End": True}},
        },
        "ResultPath": "$.detail.shipped",
        **fields,
    }


def pass_processor(**config: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    if config:
        out["ProcessorConfig"] = config
    return out


def test_spec_ship_val_example_replaces_detail_shipped_with_the_outputs():
    seen: list[Any] = []

    def ship_val(item: Any) -> Any:
        seen.append(item)
        return {"ok": item["prod"]}

    out = single(validate_all(), SHIPMENT, {SHIP_VAL: ship_val})
    assert seen[0] == {"prod": "R31", "dest-code": 9511, "quantity": 1344}
    assert out == {
        "ship-date": "2016-03-14T01:59:00Z",
        "detail": {
            "delivery-partner": "UQS",
            "shipped": [
                {"ok": "R31"},
                {"ok": "S39"},
                {"ok": "R31"},
                {"ok": "R40"},
                {"ok": "R40"},
            ],
        },
    }


@pytest.mark.parametrize("field", ["ItemSelector", "Parameters"])
def test_spec_item_selector_example_gives_parcel_and_courier(field: str):
    selector = {"parcel.$": "$$.Map.Item.Value", "courier.$": "$.delivery-partner"}
    state = validate_all(**{field: selector})
    if field == "Parameters":
        state["Iterator"] = state.pop("ItemProcessor")
    out = single(state, SHIPMENT, {SHIP_VAL: lambda item: item})
    assert out["detail"]["shipped"][0] == {
        "parcel": {"prod": "R31", "dest-code": 9511, "quantity": 1344},
        "courier": "UQS",
    }
    assert [o["parcel"]["quantity"] for o in out["detail"]["shipped"]] == [
        1344,
        40,
        12,
        887,
        1220,
    ]
    assert out["ship-date"] == "2016-03-14T01:59:00Z"


CONTEXT_SELECTOR = {
    "ContextIndex.$": "$$.Map.Item.Index",
    "ContextValue.$": "$$.Map.Item.Value",
    "ContextSource.$": "$$.Map.Item.Source",
}
WHO = [{"who": "bob"}, {"who": "meg"}, {"who": "joe"}]
WHO_OUT = [
    {"ContextIndex": 0, "ContextValue": {"who": "bob"}, "ContextSource": "STATE_DATA"},
    {"ContextIndex": 1, "ContextValue": {"who": "meg"}, "ContextSource": "STATE_DATA"},
    {"ContextIndex": 2, "ContextValue": {"who": "joe"}, "ContextSource": "STATE_DATA"},
]


def test_context_object_doc_example_jsonpath():
    state = {
        "Type": "Map",
        "ItemSelector": CONTEXT_SELECTOR,
        "ItemProcessor": pass_processor(Mode="INLINE"),
    }
    assert single(state, WHO) == WHO_OUT


def test_context_object_doc_example_jsonata():
    state = {
        "Type": "Map",
        "QueryLanguage": "JSONata",
        "ItemSelector": {
            "ContextIndex": "{% $states.context.Map.Item.Index %}",
            "ContextValue": "{% $states.context.Map.Item.Value %}",
            "ContextSource": "{% $states.context.Map.Item.Source %}",
        },
        "ItemProcessor": pass_processor(Mode="INLINE"),
    }
    assert single(state, WHO) == WHO_OUT


def test_map_item_is_not_in_the_context_of_the_processor_states():
    processor = {
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Parameters": {"i.$": "$$.Map.Item.Index"}, "End": True}},
    }
    with pytest.raises(errors.ASLError) as info:
        single({"Type": "Map", "ItemProcessor": processor}, [1])
    assert info.value.error == "States.Runtime"


def test_items_path_selects_the_array_after_input_path():
    state = {
        "Type": "Map",
        "ItemsPath": "$.ThingsPiratesSay",
        "ItemProcessor": pass_processor(),
    }
    value = {
        "ThingsPiratesSay": [{"say": "Avast!"}, {"say": "Yar!"}, {"say": "Walk the Plank!"}],
        "ThingsGiantsSay": [{"say": "Fee!"}],
    }
    assert single(state, value) == [{"say": "Avast!"}, {"say": "Yar!"}, {"say": "Walk the Plank!"}]


def test_an_object_is_iterated_by_its_key_value_pairs():
    web = {"server1": {"port": 80}, "server2": {"port": 8080}}
    state = {"Type": "Map", "ItemsPath": "$.servers.web", "ItemProcessor": pass_processor()}
    assert single(state, {"servers": {"web": web}}) == [
        {"Key": "server1", "Value": {"port": 80}},
        {"Key": "server2", "Value": {"port": 8080}},
    ]
    keyed = {**state, "ItemSelector": {"k.$": "$$.Map.Item.Key", "v.$": "$$.Map.Item.Value"}}
    assert single(keyed, {"servers": {"web": web}}) == [
        {"k": "server1", "v": {"port": 80}},
        {"k": "server2", "v": {"port": 8080}},
    ]


def test_an_empty_array_gives_an_empty_array():
    state: dict[str, Any] = {"Type": "Map", "ItemsPath": "$.xs", "ResultPath": "$.out"}
    state["ItemProcessor"] = pass_processor()
    assert single(state, {"xs": []}) == {"xs": [], "out": []}


def test_items_path_to_a_scalar_is_a_runtime_error():
    state = {"Type": "Map", "ItemsPath": "$.n", "ItemProcessor": pass_processor()}
    with pytest.raises(errors.ASLError) as info:
        single(state, {"n": 3})
    assert info.value.error == "States.Runtime"


def test_jsonata_items_literal_with_expressions_and_non_array_error():
    state = {
        "Type": "Map",
        "QueryLanguage": "JSONata",
        "Items": [1, "{% $states.input.two %}", 3],
        "ItemProcessor": pass_processor(),
    }
    assert single(state, {"two": 2}) == [1, 2, 3]
    with pytest.raises(errors.ASLError) as info:
        single({**state, "Items": "{% $states.input.two %}"}, {"two": 2})
    assert info.value.error == "States.QueryEvaluationError"


def test_result_selector_result_path_and_output_path_apply_to_the_array():
    state = {
        "Type": "Map",
        "ItemsPath": "$.xs",
        "ItemProcessor": pass_processor(),
        "ResultSelector": {"first.$": "$[0]", "count.$": "States.ArrayLength($)"},
        "ResultPath": "$.r",
        "OutputPath": "$.r",
    }
    assert single(state, {"xs": ["a", "b", "c"]}) == {"first": "a", "count": 3}


def test_max_concurrency_does_not_change_results():
    base = {"Type": "Map", "ItemProcessor": pass_processor()}
    outs = [single({**base, "MaxConcurrency": n}, [3, 1, 2]) for n in (0, 1, 2, 40)]
    assert outs == [[3, 1, 2]] * 4
    path = {**base, "MaxConcurrencyPath": "$[0]"}
    assert single(path, [3, 1, 2]) == [3, 1, 2]


def test_max_concurrency_path_must_be_a_non_negative_integer():
    state: dict[str, Any] = {"Type": "Map", "ItemsPath": "$.xs", "MaxConcurrencyPath": "$.m"}
    state["ItemProcessor"] = pass_processor()
    with pytest.raises(errors.ASLError) as info:
        single(state, {"xs": [1], "m": "two"})
    assert info.value.error == "States.Runtime"


def test_an_inline_iteration_failure_fails_the_map_with_its_own_error():
    processor = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Oops", "Cause": "x"}}}
    with pytest.raises(errors.ASLError) as info:
        single({"Type": "Map", "ItemProcessor": processor}, [1, 2])
    assert (info.value.error, info.value.cause) == ("Oops", "x")


def test_map_failure_is_caught_with_error_output():
    processor = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Oops", "Cause": "x"}}}
    machine = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemProcessor": processor,
                "Catch": [{"ErrorEquals": ["Oops"], "ResultPath": "$.err", "Next": "D"}],
                "ItemsPath": "$.xs",
                "End": True,
            },
            "D": {"Type": "Pass", "End": True},
        },
    }
    assert run(machine, {"xs": [1]}) == {"xs": [1], "err": {"Error": "Oops", "Cause": "x"}}


def test_iterations_see_the_outer_variables():
    processor = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Pass",
                "Parameters": {"seen.$": "$outer"},
                "Assign": {"local": "changed"},
                "End": True,
            }
        },
    }
    machine = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"outer": "kept"}, "Next": "M"},
            "M": {
                "Type": "Map",
                "ItemsPath": "$.xs",
                "ItemProcessor": processor,
                "ResultPath": "$.r",
                "Next": "E",
            },
            "E": {"Type": "Pass", "Parameters": {"r.$": "$.r", "outer.$": "$outer"}, "End": True},
        },
    }
    assert run(machine, {"xs": [1, 2]}) == {
        "r": [{"seen": "kept"}, {"seen": "kept"}],
        "outer": "kept",
    }


# -- ItemBatcher ------------------------------------------------------------------------------

FACTS = [
    {"verdict": "true", "statement_date": "6/11/2008", "statement_source": "speech"},
    {"verdict": "false", "statement_date": "6/7/2022", "statement_source": "television"},
    {"verdict": "true", "statement_date": "5/18/2016", "statement_source": "news"},
]


def distributed(**fields: Any) -> dict[str, Any]:
    return {
        "Type": "Map",
        "ItemProcessor": pass_processor(Mode="DISTRIBUTED", ExecutionType="STANDARD"),
        **fields,
    }


def test_item_batcher_doc_example_with_batch_input():
    state = distributed(
        ItemBatcher={"MaxItemsPerBatch": 2, "BatchInput": {"factCheck": "December 2022"}}
    )
    assert single(state, FACTS) == [
        {"BatchInput": {"factCheck": "December 2022"}, "Items": FACTS[:2]},
        {"BatchInput": {"factCheck": "December 2022"}, "Items": FACTS[2:]},
    ]


def test_item_batcher_1130_items_by_100_make_12_batches():
    state = distributed(ItemBatcher={"MaxItemsPerBatchPath": "$.max"}, ItemsPath="$.xs")
    out = single(state, {"max": 100, "xs": list(range(1130))})
    assert [len(batch["Items"]) for batch in out] == [100] * 11 + [30]
    assert out[11]["Items"][0] == 1100


def test_item_batcher_limits_bytes_and_applies_item_selector_first():
    state = distributed(
        ItemBatcher={"MaxInputBytesPerBatch": 20},
        ItemSelector={"v.$": "$$.Map.Item.Value"},
    )
    out = single(state, ["aaaa", "bbbb", "cccc"])
    assert out == [
        {"Items": [{"v": "aaaa"}]},
        {"Items": [{"v": "bbbb"}]},
        {"Items": [{"v": "cccc"}]},
    ]


def test_jsonata_batch_input_is_evaluated():
    state = distributed(
        QueryLanguage="JSONata",
        Items="{% $states.input.xs %}",
        ItemBatcher={
            "MaxItemsPerBatch": "{% 3 %}",
            "BatchInput": {"n": "{% $count($states.input.xs) %}"},
        },
    )
    assert single(state, {"xs": [1, 2, 3, 4]}) == [
        {"BatchInput": {"n": 4}, "Items": [1, 2, 3]},
        {"BatchInput": {"n": 4}, "Items": [4]},
    ]


# -- tolerated failures -----------------------------------------------------------------------

FAIL_ON_ZERO = {
    "StartAt": "C",
    "States": {
        "C": {
            "Type": "Choice",
            "Choices": [{"Variable": "$", "NumericEquals": 0, "Next": "F"}],
            "Default": "OK",
        },
        "F": {"Type": "Fail", "Error": "Zero", "Cause": "zero item"},
        "OK": {"Type": "Succeed"},
    },
    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
}


def test_distributed_failure_without_threshold_exceeds_it():
    with pytest.raises(errors.ASLError) as info:
        single({"Type": "Map", "ItemProcessor": FAIL_ON_ZERO}, [1, 0])
    assert info.value.error == "States.ExceedToleratedFailureThreshold"


@pytest.mark.parametrize(
    ("fields", "ok"),
    [
        ({"ToleratedFailureCount": 1}, True),
        ({"ToleratedFailureCount": 0}, False),
        ({"ToleratedFailurePercentage": 25}, True),
        ({"ToleratedFailurePercentage": 24.9}, False),
        ({"ToleratedFailureCountPath": "$[0]"}, True),
        ({"ToleratedFailurePercentagePath": "$[1]"}, False),
    ],
)
def test_tolerated_failure_thresholds(fields: dict[str, Any], ok: bool):
    state = {"Type": "Map", "ItemProcessor": FAIL_ON_ZERO, **fields}
    items = [1, 0, 2, 3]
    if not ok:
        with pytest.raises(errors.ASLError) as info:
            single(state, items)
        assert info.value.error == "States.ExceedToleratedFailureThreshold"
        return
    out = single(state, items)
    assert [out[0], out[2], out[3]] == [1, 2, 3]
    failed = out[1]
    assert failed["Status"] == "FAILED"
    assert (failed["Error"], failed["Cause"], failed["Input"]) == ("Zero", "zero item", "0")
    assert re.fullmatch(
        r"arn:aws:states:us-east-1:000000000000:execution:Machine/S:[0-9a-f-]{36}",
        failed["ExecutionArn"],
    )


def test_a_failed_batch_counts_all_its_items():
    processor = {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.Items[0]", "NumericEquals": 0, "Next": "F"}],
                "Default": "OK",
            },
            "F": {"Type": "Fail", "Error": "Zero"},
            "OK": {"Type": "Succeed"},
        },
        "ProcessorConfig": {"Mode": "DISTRIBUTED"},
    }
    state = {"Type": "Map", "ItemProcessor": processor, "ItemBatcher": {"MaxItemsPerBatch": 2}}
    with pytest.raises(errors.ASLError) as info:
        single({**state, "ToleratedFailureCount": 1}, [0, 1, 2, 3])
    assert info.value.error == "States.ExceedToleratedFailureThreshold"
    out = single({**state, "ToleratedFailureCount": 2}, [0, 1, 2, 3])
    assert out[1] == {"Items": [2, 3]}


# -- ItemReader and ResultWriter --------------------------------------------------------------

GET_OBJECT = "arn:aws:states:::s3:getObject"
PUT_OBJECT = "arn:aws:states:::s3:putObject"


def reader(**config: Any) -> dict[str, Any]:
    return {
        "Resource": GET_OBJECT,
        "ReaderConfig": config,
        "Parameters": {"Bucket.$": "$.bucket", "Key": "data"},
    }


def test_item_reader_reads_json_through_the_mapped_resource_with_max_items():
    calls: list[Any] = []

    def get_object(request: Any) -> str:
        calls.append(request)
        return json.dumps([{"a": 1}, {"a": 2}, {"a": 3}])

    state = distributed(
        ItemReader=reader(InputType="JSON", MaxItems=2),
        ItemSelector={"a.$": "$$.Map.Item.Value.a", "src.$": "$$.Map.Item.Source"},
    )
    out = single(state, {"bucket": "b1"}, {GET_OBJECT: get_object})
    assert calls == [{"Bucket": "b1", "Key": "data"}]
    assert out == [{"a": 1, "src": "S3://b1/data"}, {"a": 2, "src": "S3://b1/data"}]


def test_item_reader_parses_csv_with_a_header_row_and_given_headers():
    text = "name,n\nann,1\nbob,2\n"
    state = distributed(ItemReader=reader(InputType="CSV", CSVHeaderLocation="FIRST_ROW"))
    assert single(state, {"bucket": "b"}, {GET_OBJECT: lambda _: text}) == [
        {"name": "ann", "n": "1"},
        {"name": "bob", "n": "2"},
    ]
    given = reader(InputType="CSV", CSVHeaderLocation="GIVEN", CSVHeaders=["x", "y"])
    assert single(
        distributed(ItemReader=given), {"bucket": "b"}, {GET_OBJECT: lambda _: "1,2"}
    ) == [{"x": "1", "y": "2"}]


def test_item_reader_failure_is_item_reader_failed():
    def broken(_: Any) -> Any:
        raise OSError("no such key")

    state = distributed(ItemReader=reader(InputType="JSON"))
    with pytest.raises(errors.ASLError) as info:
        single(state, {"bucket": "b"}, {GET_OBJECT: broken})
    assert info.value.error == "States.ItemReaderFailed"


def test_result_writer_output_is_the_map_run_descriptor():
    written: list[Any] = []
    state = distributed(
        ResultWriter={"Resource": PUT_OBJECT, "Parameters": {"Bucket": "out", "Prefix": "runs"}},
        ItemsPath="$.xs",
        ResultPath="$.written",
    )
    out = single(state, {"xs": [1, 2]}, {PUT_OBJECT: written.append})
    assert set(out["written"]) == {"MapRunArn", "ResultWriterDetails"}
    arn = out["written"]["MapRunArn"]
    match = re.fullmatch(r"arn:aws:states:us-east-1:000000000000:mapRun:Machine/S:(.+)", arn)
    assert match is not None
    assert out["written"]["ResultWriterDetails"] == {
        "Bucket": "out",
        "Key": f"runs/{match.group(1)}/manifest.json",
    }
    assert [r["Status"] for r in written[0]["Results"]] == ["SUCCEEDED", "SUCCEEDED"]
    assert [json.loads(r["Output"]) for r in written[0]["Results"]] == [1, 2]


def test_result_writer_config_only_flattens_the_outputs():
    processor = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Pass",
                "Parameters": {"pair.$": "States.Array($, $)"},
                "OutputPath": "$.pair",
                "End": True,
            }
        },
        "ProcessorConfig": {"Mode": "DISTRIBUTED"},
    }
    state = {
        "Type": "Map",
        "ItemProcessor": processor,
        "ResultWriter": {"WriterConfig": {"Transformation": "FLATTEN", "OutputType": "JSON"}},
    }
    assert single(state, [1, 2]) == [1, 1, 2, 2]
    compact = {**state, "ResultWriter": {"WriterConfig": {"Transformation": "COMPACT"}}}
    assert single(compact, [1, 2]) == [[1, 1], [2, 2]]


def test_jsonata_items_may_not_be_a_literal_object():
    state = {
        "Type": "Map",
        "QueryLanguage": "JSONata",
        "Items": {"a": 1, "b": "{% $states.input.two %}"},
        "ItemSelector": {
            "key": "{% $states.context.Map.Item.Key %}",
            "value": "{% $states.context.Map.Item.Value %}",
        },
        "ItemProcessor": pass_processor(),
    }
    definition = {"StartAt": "M", "States": {"M": {**state, "End": True}}}
    (problem,) = validate(definition)
    assert (problem["code"], problem["location"]) == ("INVALID_TYPE", "/States/M/Items")


def test_item_selector_intrinsics_read_the_map_item_and_nested_maps_nest():
    inner = {
        "StartAt": "In",
        "States": {
            "In": {
                "Type": "Map",
                "ItemsPath": "$.row",
                "ItemSelector": {"n.$": "States.MathAdd($$.Map.Item.Index, 1)"},
                "ItemProcessor": pass_processor(),
                "OutputPath": "$[*].n",
                "End": True,
            }
        },
    }
    state = {
        "Type": "Map",
        "ItemSelector": {"row.$": "$$.Map.Item.Value"},
        "ItemProcessor": inner,
    }
    assert single(state, [["a", "b"], ["c"]]) == [[1, 2], [1]]
