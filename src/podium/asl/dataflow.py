"""Input and output processing of one state, for both query languages.

JSONPath: InputPath -> Parameters -> (work) -> ResultSelector -> ResultPath -> OutputPath.
JSONata: Arguments -> (work) -> Output, with `$states.input/result/errorOutput/context`.
Assign is evaluated with the variables as they were when the state started, and applied
after the state's output is computed, as Step Functions does.
"""

from __future__ import annotations

from typing import Any

from podium.asl import jsonata, payload
from podium.asl.frame import Frame


def states_var(frame: Frame, **extra: Any) -> dict[str, Any]:
    """The `$states` binding of a JSONata expression."""
    out: dict[str, Any] = {"input": frame.raw, "context": frame.context}
    out.update(extra)
    return out


def evaluate(frame: Frame, value: Any, field: str | None = None, **extra: Any) -> Any:
    """Fill the `{% %}` expressions in the JSONata field named `field` (for error causes)."""
    states = states_var(frame, **extra)
    return jsonata.fill(value, states, frame.variables, field, frame.effects)


def effective_input(frame: Frame, template_key: str = "Parameters") -> Any:
    """The input the state's work sees: InputPath then Parameters, or Arguments."""
    state = frame.state
    if frame.jsonata:
        if "Arguments" in state:
            return evaluate(frame, state["Arguments"], "Arguments")
        return frame.raw
    data = select(frame, state.get("InputPath", "$"), frame.raw, "InputPath")
    if template_key in state:
        data = build(frame, state[template_key], data)
    return data


def select(frame: Frame, path: str | None, data: Any, what: str) -> Any:
    """Apply a JSONPath InputPath/OutputPath, which may read `$$` and variables."""
    return payload.select(path, data, what, frame.variables, frame.context)


def build(frame: Frame, template: Any, data: Any) -> Any:
    """A JSONPath payload template filled from `data`."""
    return payload.build(template, data, frame.context, frame.variables, frame.effects)


def finish(frame: Frame, result: Any, effective: Any | None = None) -> Any:
    """The state's output from its result (ResultSelector/ResultPath/OutputPath or Output)."""
    state = frame.state
    if frame.jsonata:
        pending = _assignments(frame, state, result=result)
        output = result
        if "Output" in state:
            output = evaluate(frame, state["Output"], "Output", result=result)
        frame.variables.update(pending)
        return output
    if "ResultSelector" in state:
        result = build(frame, state["ResultSelector"], result)
    pending = _assignments(frame, state, data=result)
    merged = payload.place(state.get("ResultPath", "$"), frame.raw, result)
    output = select(frame, state.get("OutputPath", "$"), merged, "OutputPath")
    frame.variables.update(pending)
    return output


def passthrough(frame: Frame, data: Any, block: Any = None) -> Any:
    """Output of a state without a result (Choice, Wait, Succeed): OutputPath or Output.

    `block` is the matched Choice rule, if any: the state's own Assign applies whichever rule
    matched and the rule's Assign is applied over it; the rule's Output, when it has one,
    replaces the state's.
    """
    blocks = [frame.state] if block is None or block is frame.state else [frame.state, block]
    pending: dict[str, Any] = {}
    for each in blocks:
        pending.update(_assignments(frame, each, data=data))
    if frame.jsonata:
        source = next((b for b in reversed(blocks) if "Output" in b), None)
        output = frame.raw
        if source is not None:
            output = evaluate(frame, source["Output"], where(frame, source) + "Output")
        frame.variables.update(pending)
        return output
    output = select(frame, frame.state.get("OutputPath", "$"), data, "OutputPath")
    frame.variables.update(pending)
    return output


def _assignments(frame: Frame, block: Any, data: Any = None, **extra: Any) -> dict[str, Any]:
    """The variables `block` assigns, computed from the values as they were on entry."""
    assign = block.get("Assign")
    if not assign:
        return {}
    if frame.jsonata:
        return dict(evaluate(frame, assign, where(frame, block) + "Assign", **extra))
    return dict(build(frame, assign, data))


def where(frame: Frame, block: Any) -> str:
    """The field prefix of a Choice rule or Catcher (`Choices[1]/`), empty for the state."""
    for key in ("Choices", "Catch"):
        items = frame.state.get(key)
        if isinstance(items, list):
            for index, item in enumerate(items):
                if item is block:
                    return f"{key}[{index}]/"
    return ""


def caught(frame: Frame, catcher: Any, error: str | None, cause: str) -> Any:
    """The output a Catcher passes to its Next state."""
    error_output = {"Error": error, "Cause": cause}
    if frame.jsonata:
        pending = _assignments(frame, catcher, errorOutput=error_output)
        output = error_output
        if "Output" in catcher:
            field = where(frame, catcher) + "Output"
            output = evaluate(frame, catcher["Output"], field, errorOutput=error_output)
        frame.variables.update(pending)
        return output
    pending = _assignments(frame, catcher, data=error_output)
    output = payload.place(catcher.get("ResultPath", "$"), frame.raw, error_output)
    frame.variables.update(pending)
    return output
