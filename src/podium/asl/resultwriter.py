"""What a DISTRIBUTED Map returns: its children's results, or a ResultWriter's descriptor.

Without ResultWriter (or with only WriterConfig) the result is the array of child results
transformed per WriterConfig.Transformation: COMPACT (the default) gives each child's output,
FLATTEN also splices array outputs, NONE gives each child's execution record. A failed child
always appears as its execution record (Status FAILED, Error, Cause), as Step Functions does.

With a Resource (e.g. arn:aws:states:::s3:putObject, mapped in `resources=` like a Task's),
the function is called with the filled Parameters (JSONata: Arguments) plus "MapRunArn" and
"Results" (the records; NONE unless WriterConfig says otherwise), and the Map's result is
`{"MapRunArn": ..., "ResultWriterDetails": {"Bucket": ..., "Key": ...}}`: the dict the
function returned, else the Bucket and `<Prefix>/<map run id>/manifest.json`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from podium import errors as podium_errors
from podium.asl import dataflow, errors, intrinsics, mapstate, payload
from podium.asl.effects import ItemOutcome, timestamp
from podium.asl.frame import ACCOUNT, Frame

COMPACT = "COMPACT"
FLATTEN = "FLATTEN"
NONE = "NONE"


def inline_results(outcomes: list[ItemOutcome]) -> list[Any]:
    """An INLINE Map's result: each output, or `{"Error", "Cause"}` of a tolerated failure."""
    return [{"Error": o.error, "Cause": o.cause} if o.failed else o.output for o in outcomes]


def distributed_results(frame: Frame, outcomes: list[ItemOutcome], inputs: list[Any]) -> Any:
    """A DISTRIBUTED Map's result (before ResultSelector/ResultPath/OutputPath)."""
    writer: Mapping[str, Any] = frame.state.get("ResultWriter") or {}
    config: Mapping[str, Any] = writer.get("WriterConfig") or {}
    exporting = "Resource" in writer
    shape = str(config.get("Transformation", NONE if exporting else COMPACT))
    records = _transform(frame, outcomes, inputs, shape)
    if not exporting:
        return records
    return _export(frame, writer, records)


def _transform(
    frame: Frame, outcomes: list[ItemOutcome], inputs: list[Any], shape: str
) -> list[Any]:
    out: list[Any] = []
    moment = timestamp(frame.effects.now()) if shape == NONE or _any_failed(outcomes) else ""
    for outcome, value in zip(outcomes, inputs, strict=True):
        if outcome.failed or shape == NONE:
            out.append(record(frame, outcome, value, moment))
        elif shape == FLATTEN and isinstance(outcome.output, list):
            out.extend(outcome.output)
        else:
            out.append(outcome.output)
    return out


def _any_failed(outcomes: list[ItemOutcome]) -> bool:
    return any(o.failed for o in outcomes)


def record(frame: Frame, outcome: ItemOutcome, value: Any, moment: str) -> dict[str, Any]:
    """A child execution's record, as Step Functions writes it in result files."""
    machine = f"{frame.interpreter.machine_name}/{mapstate.label(frame)}"
    name = frame.effects.uuid4()
    out: dict[str, Any] = {
        "ExecutionArn": f"{ACCOUNT}:execution:{machine}:{name}",
        "Input": intrinsics.dumps(value),
        "InputDetails": {"Included": True},
        "Name": name,
        "RedriveCount": 0,
        "RedriveStatus": "NOT_REDRIVABLE",
        "StartDate": moment,
        "StateMachineArn": f"{ACCOUNT}:stateMachine:{machine}",
        "Status": "FAILED" if outcome.failed else "SUCCEEDED",
        "StopDate": moment,
    }
    if outcome.failed:
        out["Error"] = outcome.error
        out["Cause"] = outcome.cause
    else:
        out["Output"] = intrinsics.dumps(outcome.output)
        out["OutputDetails"] = {"Included": True}
    return out


def _export(frame: Frame, writer: Mapping[str, Any], records: list[Any]) -> dict[str, Any]:
    """Hand the records to the ResultWriter's resource; the Map Run descriptor."""
    run_id = frame.effects.uuid4()
    arn = f"{ACCOUNT}:mapRun:{frame.interpreter.machine_name}/{mapstate.label(frame)}:{run_id}"
    parameters = _parameters(frame, writer)
    request = {**parameters, "MapRunArn": arn, "Results": records}
    try:
        answer = frame.effects.call(str(writer["Resource"]), request, None)
    except (podium_errors.NonDeterminismError, podium_errors.ConfigurationError):
        raise
    except Exception as exc:
        _error, cause = errors.from_exception(exc)
        raise errors.failure(
            "States.ResultWriterFailed",
            f"The ResultWriter of Map state '{frame.name}' failed: {cause}",
        ) from None
    if isinstance(answer, dict) and answer:
        details = answer
    else:
        prefix = str(parameters.get("Prefix", "") or "").rstrip("/")
        key = f"{prefix}/{run_id}/manifest.json" if prefix else f"{run_id}/manifest.json"
        details = {"Bucket": parameters.get("Bucket"), "Key": key}
    return {"MapRunArn": arn, "ResultWriterDetails": details}


def _parameters(frame: Frame, writer: Mapping[str, Any]) -> dict[str, Any]:
    if frame.jsonata:
        filled = dataflow.evaluate(frame, writer.get("Arguments", {}))
    else:
        base = mapstate.data(frame)
        template = writer.get("Parameters", {})
        filled = payload.build(template, base, frame.context, frame.variables, frame.effects)
    return dict(filled) if isinstance(filled, dict) else {}
