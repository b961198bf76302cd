"""The settings of a Map state, evaluated for one run: items, item inputs, limits, batches.

JSONPath: InputPath selects the data; ItemsPath (default `$`) the items in it; ItemSelector
(or the legacy Parameters) builds each item's input from the data and `$$.Map.Item` (Index,
Value, Source, and Key when iterating an object). JSONata: Items (default: the state input)
and ItemSelector with `$states.context.Map.Item`. JSONPath items are an array, or an object
whose key-value pairs are iterated (without ItemSelector each gets `{"Key": k, "Value": v}`);
JSONata items must be an array: an object fails with States.QueryEvaluationError, as AWS
records it.
ItemBatcher groups the item inputs into `{"Items": [...]}` (plus `"BatchInput"` when given).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from podium.asl import dataflow, errors, intrinsics, itemreader, jsonata, limits, payload
from podium.asl.frame import Frame

INLINE = "INLINE"
DISTRIBUTED = "DISTRIBUTED"
NO_LIMIT = 2**62
STATE_DATA = "STATE_DATA"
DEFAULT_BATCH_BYTES = 256 * 1024


def processor(state: Mapping[str, Any]) -> Mapping[str, Any]:
    """The machine each item runs: ItemProcessor, or the legacy Iterator."""
    found: Mapping[str, Any] = state.get("ItemProcessor") or state["Iterator"]
    return found


def mode(state: Mapping[str, Any]) -> str:
    """INLINE or DISTRIBUTED (ItemProcessor.ProcessorConfig.Mode; INLINE by default)."""
    config = processor(state).get("ProcessorConfig") or {}
    return str(config.get("Mode", INLINE))


def label(frame: Frame) -> str:
    """The Map's Label, or its state name, as it appears in Map Run and child ARNs."""
    return str(frame.state.get("Label") or frame.name)


def data(frame: Frame) -> Any:
    """The data the Map's fields read: the input after InputPath (JSONata: the input)."""
    if frame.jsonata:
        return frame.raw
    path = frame.state.get("InputPath", "$")
    return payload.select(path, frame.raw, "InputPath", frame.variables, frame.context)


@dataclasses.dataclass
class Items:
    """The items of one Map run: their values, their keys (iterating an object) and source."""

    values: list[Any]
    keys: list[str] | None = None
    source: str = STATE_DATA

    def default_input(self, index: int) -> Any:
        """Item `index`'s input without ItemSelector: the item, or `{"Key", "Value"}`."""
        if self.keys is None:
            return self.values[index]
        return {"Key": self.keys[index], "Value": self.values[index]}

    def context(self, index: int) -> dict[str, Any]:
        """`$$.Map.Item` of item `index`."""
        item: dict[str, Any] = {"Index": index, "Value": self.values[index]}
        if self.keys is not None:
            item["Key"] = self.keys[index]
        item["Source"] = self.source
        return item


def items(frame: Frame, base: Any) -> Items:
    """The items: read by ItemReader, or ItemsPath/Items of `base` (an array or object)."""
    state = frame.state
    if "ItemReader" in state:
        values, source = itemreader.read(frame, base)
        return Items(values, None, source)
    if frame.jsonata:
        found = dataflow.evaluate(frame, state["Items"], "Items") if "Items" in state else frame.raw
    else:
        path = state.get("ItemsPath", "$")
        found = payload.select(path, base, "ItemsPath", frame.variables, frame.context)
    if isinstance(found, dict) and not frame.jsonata:  # JSONata iterates arrays only
        return Items(list(found.values()), [str(k) for k in found])
    if not isinstance(found, list):
        raise _not_items(frame, found)
    return Items(found)


def _not_items(frame: Frame, found: Any) -> errors.ASLError:
    """The failure of a Map whose items are neither an array nor an object."""
    shown = intrinsics.dumps(found)
    if not frame.jsonata:
        path = frame.state.get("ItemsPath", "$")
        return errors.failure(
            errors.RUNTIME,
            f"Invalid path '{path}': The ItemsPath field of Map state '{frame.name}' must "
            f"give a JSON array or object, not {shown}",
        )
    items = frame.state.get("Items")
    if not jsonata.is_expression(items):
        return errors.failure(errors.QUERY, f"Map state input must be an array but was: {shown}")
    cause = jsonata.unexpected_type(items, "Items", "array", found).cause
    return errors.failure(errors.QUERY, f"{cause} for value: {shown}")


def item_input(frame: Frame, base: Any, found: Items, index: int) -> Any:
    """Item `index`'s input: ItemSelector (or Parameters) filled, else the item itself."""
    state = frame.state
    selector = state.get("ItemSelector", state.get("Parameters"))
    if selector is None:
        return found.default_input(index)
    context = {k: v for k, v in frame.context.items() if k != "Map"}
    context["Map"] = {"Item": found.context(index)}
    if frame.jsonata:
        states = dataflow.states_var(frame)
        states["context"] = context
        # with the effects: $now(), $random() and $uuid() are recorded, as everywhere else
        return jsonata.fill(selector, states, frame.variables, "ItemSelector", frame.effects)
    return payload.build(selector, base, context, frame.variables, frame.effects)


def max_concurrency(frame: Frame, base: Any) -> int:
    """MaxConcurrency (or its Path): how many items may run at once; 0 for no limit."""
    if "MaxConcurrencyPath" in frame.state:
        value = _path_integer(frame, "MaxConcurrencyPath", base)
        if value < 0:
            raise errors.failure(
                errors.RUNTIME,
                f"Expected non-negative integer for MaxConcurrency, got '{value}' instead.",
            )
        return value
    value = limits.number(frame, frame.state, "MaxConcurrency", base)
    return limits.whole(frame, value, "MaxConcurrency")


def _path_integer(frame: Frame, key: str, base: Any) -> int:
    """The whole number a `...Path` field finds (a numeric string too), else States.Runtime."""
    path = frame.state[key]
    value = _as_number(payload.select(path, base, key, frame.variables, frame.context))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.failure(
            errors.RUNTIME,
            f'The {key} field refers to value "{_shown(value)}" '
            f"which is not a valid integer: {path}",
        )
    return value


def _as_number(value: Any) -> Any:
    """A string holding a number, read as that number (other values unchanged)."""
    if isinstance(value, str):
        for kind in (int, float):
            try:
                return kind(value.strip())
            except ValueError:
                pass
    return value


def _shown(value: Any) -> str:
    """A value as Step Functions quotes it in a cause: strings bare, the rest as JSON."""
    return value if isinstance(value, str) else intrinsics.dumps(value)


def tolerance(frame: Frame, base: Any) -> tuple[int, float] | None:
    """(ToleratedFailureCount, ToleratedFailurePercentage) when the Map tolerates failures.

    None for an INLINE Map without either field: its first failure fails it. A DISTRIBUTED
    Map always has a threshold: 0 failed items unless a field says otherwise.
    """
    state = frame.state
    count = _tolerated_count(frame, base)
    percentage = _tolerated_percentage(frame, base)
    if count is None and percentage is None:
        return None if mode(state) != DISTRIBUTED else (0, 0.0)
    limit = NO_LIMIT if count is None else limits.whole(frame, count, "ToleratedFailureCount")
    if percentage is None:
        return limit, 100.0
    number_ = isinstance(percentage, int | float) and not isinstance(percentage, bool)
    if not number_ or not 0 <= percentage <= 100:
        raise errors.failure(
            errors.QUERY if frame.jsonata else errors.RUNTIME,
            f"The ToleratedFailurePercentage of Map state '{frame.name}' must be a number "
            f"from 0 to 100, not {intrinsics.dumps(percentage)}",
        )
    return limit, float(percentage)


def _tolerated_count(frame: Frame, base: Any) -> Any:
    """ToleratedFailureCount, or the whole non-negative number its Path finds."""
    key = "ToleratedFailureCountPath"
    if key not in frame.state:
        return limits.number(frame, frame.state, "ToleratedFailureCount", base)
    value = _path_integer(frame, key, base)
    if value < 0:
        raise errors.failure(errors.RUNTIME, "ToleratedFailureCount cannot be negative.")
    return value


def _tolerated_percentage(frame: Frame, base: Any) -> Any:
    """ToleratedFailurePercentage, or the number from 0 to 100 its Path finds."""
    key = "ToleratedFailurePercentagePath"
    if key not in frame.state:
        return limits.number(frame, frame.state, "ToleratedFailurePercentage", base)
    path = frame.state[key]
    value = _as_number(payload.select(path, base, key, frame.variables, frame.context))
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise errors.failure(
            errors.RUNTIME,
            f'The {key} field refers to value "{_shown(value)}" which is not a valid float: {path}',
        )
    if not 0 <= value <= 100:
        raise errors.failure(
            errors.RUNTIME, "ToleratedFailurePercentage must be between 0 and 100."
        )
    return value


def exceeded(threshold: tuple[int, float], failed: int, total: int) -> bool:
    """Whether `failed` of `total` items is more than the threshold tolerates."""
    count, percentage = threshold
    if failed > count:
        return True
    return total > 0 and failed * 100.0 / total > percentage


def batches(frame: Frame, base: Any, inputs: list[Any]) -> list[list[Any]] | None:
    """The item inputs grouped per ItemBatcher (None without one)."""
    batcher = frame.state.get("ItemBatcher")
    if batcher is None:
        return None
    most = limits.whole(
        frame, limits.number(frame, batcher, "MaxItemsPerBatch", base), "MaxItemsPerBatch"
    )
    size = limits.number(frame, batcher, "MaxInputBytesPerBatch", base)
    limit = limits.whole(frame, size, "MaxInputBytesPerBatch", DEFAULT_BATCH_BYTES)
    out: list[list[Any]] = []
    current: list[Any] = []
    for value in inputs:
        candidate = [*current, value]
        full = most and len(candidate) > most
        heavy = limit and len(json.dumps(candidate, separators=(",", ":"))) > limit
        if current and (full or heavy):
            out.append(current)
            candidate = [value]
        current = candidate
    if current:
        out.append(current)
    return out


def batch_input(frame: Frame, base: Any) -> tuple[bool, Any]:
    """(whether ItemBatcher has a BatchInput, its value) — filled from the state's data."""
    batcher = frame.state.get("ItemBatcher") or {}
    if "BatchInput" not in batcher:
        return False, None
    template = batcher["BatchInput"]
    if frame.jsonata:
        return True, dataflow.evaluate(frame, template)
    return True, payload.build(template, base, frame.context, frame.variables, frame.effects)
