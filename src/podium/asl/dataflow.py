"""Input and output processing of one state, for both query languages.

JSONPath: InputPath -> Parameters -> (work) -> ResultSelector -> ResultPath -> OutputPath.
JSONata: Arguments -> (work) -> Output, with `$states.input/result/errorOutput/context`.
Assign is evaluated with the variables as they were when the state started, and applied
after the state's output is computed, as Step Functions does.
"""

from __future__ import annotations

from typing import Any

from podium.asl import jsonata, payload
from podium.asl.interpreter import Frame


def states_var(frame: Frame, **extra: Any) -> dict[str, Any]:
    """The `$states` binding of a JSONata expression."""
    out: dict[str, Any] = {"input": frame.raw, "context": frame.context}
    out.update(extra)
    return out


def evaluate(frame: Frame, value: Any, **extra: Any) -> Any:
    """Fill the `{% %}` expressions in a JSONata field."""
    return jsonata.fill(value, states_var(frame, **extra), frame.variables)


def effective_input(frame: Frame, template_key: str = "Parameters") -> Any:
    """The input the state's work sees: InputPath then Parameters, or Arguments."""
    state = frame.state
    if frame.jsonata:
        if "Arguments" in state:
            return evaluate(frame, state["Arguments"])
        return frame.raw
    data = payload.select(state.get("InputPath", "$"), frame.raw, "InputPath", frame.variables)
    if template_key in state:
        data = build(frame, state[template_key], data)
    return data


def build(frame: Frame, template: Any, data: Any) -> Any:
    """A JSONPath payload template filled from `data`."""
    return payload.build(template, data, frame.context, frame.variables, frame.effects)


def finish(frame: Frame, result: Any, effective: Any | None = None) -> Any:
    """The state's output from its result (ResultSelector/ResultPath/OutputPath or Output)."""
    state = frame.state
    if frame.jsonata:
        pending = _assignments(frame, state, result=result)
        output = evaluate(frame, state["Output"], result=result) if "Output" in state else result
        frame.variables.update(pending)
        return output
    if "ResultSelector" in state:
        result = build(frame, state["ResultSelector"], result)
    pending = _assignments(frame, state, data=result)
    merged = payload.place(state.get("ResultPath", "$"), frame.raw, result)
    output = payload.select(state.get("OutputPath", "$"), merged, "OutputPath", frame.variables)
    frame.variables.update(pending)
    return output


def passthrough(frame: Frame, data: Any, block: Any = None) -> Any:
    """Output of a state without a result (Choice, Wait, Succeed): OutputPath or Output."""
    block = frame.state if block is None else block
    if frame.jsonata:
        pending = _assignments(frame, block)
        output = evaluate(frame, block["Output"]) if "Output" in block else frame.raw
        frame.variables.update(pending)
        return output
    pending = _assignments(frame, block, data=data)
    output = payload.select(frame.state.get("OutputPath", "$"), data, "OutputPath", frame.variables)
    frame.variables.update(pending)
    return output


def _assignments(frame: Frame, block: Any, data: Any = None, **extra: Any) -> dict[str, Any]:
    assign = block.get("Assign")
    if not assign:
        return {}
    if frame.jsonata:
        return dict(evaluate(frame, assign, **extra))
    return dict(build(frame, assign, data))


def caught(frame: Frame, catcher: Any, error: str, cause: str) -> Any:
    """The output a Catcher passes to its Next state."""
    error_output = {"Error": error, "Cause": cause}
    if frame.jsonata:
        pending = _assignments(frame, catcher, errorOutput=error_output)
        output = error_output
        if "Output" in catcher:
            output = evaluate(frame, catcher["Output"], errorOutput=error_output)
        frame.variables.update(pending)
        return output
    pending = _assignments(frame, catcher, data=error_output)
    output = payload.place(catcher.get("ResultPath", "$"), frame.raw, error_output)
    frame.variables.update(pending)
    return output
