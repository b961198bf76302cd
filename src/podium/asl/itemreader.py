"""ItemReader: a Map state's items read through a resource (e.g. arn:aws:states:::s3:getObject).

Locally the Resource is mapped in `resources=` like a Task's: the function gets the filled
Parameters (JSONata: Arguments), e.g. `{"Bucket": ..., "Key": ...}`, and returns the items
(a list), the object's text (parsed per ReaderConfig.InputType: JSON, JSONL or CSV), or a
ListObjectsV2-like `{"Contents": [...]}`. ReaderConfig.MaxItems (or MaxItemsPath) keeps the
first items. Any failure to read is States.ItemReaderFailed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any

from podium import errors as podium_errors
from podium.asl import dataflow, errors, jsonpath, limits, payload
from podium.asl.frame import Frame


def read(frame: Frame, base: Any) -> tuple[list[Any], str]:
    """The items the Map's ItemReader reads (at most MaxItems), and their source.

    The source is what `$$.Map.Item.Source` shows: `S3://bucket/key`, or `S3://bucket`.
    """
    reader: Mapping[str, Any] = frame.state["ItemReader"]
    config: Mapping[str, Any] = reader.get("ReaderConfig") or {}
    parameters = _parameters(frame, reader, base)
    try:
        raw = frame.effects.call(str(reader.get("Resource", "")), parameters, None)
        items = _items(raw, config)
    except (podium_errors.NonDeterminismError, podium_errors.ConfigurationError):
        raise
    except errors.ASLError as exc:
        if exc.error != errors.ITEM_READER:
            raise _failed(frame, exc) from None
        raise
    except Exception as exc:
        raise _failed(frame, exc) from None
    limit = _max_items(frame, config, base)
    return items[:limit], _source(parameters)


def _failed(frame: Frame, exc: Exception) -> errors.ASLError:
    """States.ItemReaderFailed for an item source that could not be read."""
    _error, cause = errors.from_exception(exc)
    return errors.failure(
        errors.ITEM_READER, f"The ItemReader of Map state '{frame.name}' failed: {cause}"
    )


def _source(parameters: Any) -> str:
    if not isinstance(parameters, dict):
        return ""
    bucket = parameters.get("Bucket", "")
    key = parameters.get("Key")
    return f"S3://{bucket}/{key}" if key is not None else f"S3://{bucket}"


def _parameters(frame: Frame, reader: Mapping[str, Any], base: Any) -> Any:
    if frame.jsonata:
        return dataflow.evaluate(frame, reader.get("Arguments", {}))
    template = reader.get("Parameters", {})
    return payload.build(template, base, frame.context, frame.variables, frame.effects)


def _max_items(frame: Frame, config: Mapping[str, Any], base: Any) -> int:
    """MaxItems (or MaxItemsPath): 0 (or none) reads everything, and at most 100,000,000.

    A MaxItemsPath value that is not a whole number, or is negative, fails the run with
    States.ItemReaderFailed.
    """
    if "MaxItemsPath" in config and not frame.jsonata:
        path = config["MaxItemsPath"]
        value = payload.select(path, base, "MaxItemsPath", frame.variables, frame.context)
        if isinstance(value, bool) or not isinstance(value, int):
            raise errors.failure(
                errors.ITEM_READER,
                f"The MaxItemsPath field refers to value '{_shown(value)}' "
                f"which is not a valid integer: {path}",
            )
        if value < 0:
            raise errors.failure(errors.ITEM_READER, "field MaxItems must be positive")
    else:
        value = limits.whole(frame, limits.number(frame, config, "MaxItems", base), "MaxItems")
    return min(value, MAX_ITEMS) if value else MAX_ITEMS


MAX_ITEMS = 100_000_000
"""The most items an ItemReader reads."""


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _items(raw: Any, config: Mapping[str, Any]) -> list[Any]:
    """The items in what the resource returned."""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8")
    if isinstance(raw, str):
        raw = parse(raw, config)
    if isinstance(raw, dict) and "ItemsPointer" in config:
        raw = jsonpath.find("$" + str(config["ItemsPointer"]).replace("/", "."), raw)
    if isinstance(raw, dict) and isinstance(raw.get("Contents"), list):
        raw = raw["Contents"]
    if not isinstance(raw, list):
        raise errors.failure(errors.ITEM_READER, "Attempting to map over non-iterable node.")
    return raw


def parse(text: str, config: Mapping[str, Any]) -> Any:
    """The content of an object's `text` per ReaderConfig.InputType (JSON by default)."""
    kind = str(config.get("InputType", "JSON")).upper()
    if kind == "JSONL":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    if kind in ("CSV", "TSV"):
        return _rows(text, config, "\t" if kind == "TSV" else ",")
    return json.loads(text)


def _rows(text: str, config: Mapping[str, Any], default: str) -> list[dict[str, str]]:
    """CSV rows as objects keyed by the header (first row, or CSVHeaders when GIVEN)."""
    delimiter = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}.get(
        str(config.get("CSVDelimiter", "")), default
    )
    rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if row]
    if config.get("CSVHeaderLocation") == "GIVEN":
        header = [str(h) for h in config.get("CSVHeaders", [])]
    else:
        header, rows = (rows[0], rows[1:]) if rows else ([], [])
    if len(set(header)) < len(header):
        raise errors.failure(errors.ITEM_READER, "CSV headers cannot contain duplicates.")
    return [{h: row[i] if i < len(row) else "" for i, h in enumerate(header)} for row in rows]
