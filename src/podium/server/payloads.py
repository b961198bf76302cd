"""What a token without the payloads right may see: every response body goes through `shown`.

Payloads are what workflows carry: inputs, outputs, step results, event and message
payloads, state-machine data, query and update answers, and the text of errors (an error's
message and traceback often quote the data that caused it). A token created with
`payloads: false` sees the metadata around them (ids, names, statuses, times, error types)
and null in their place. The rule lives here, once, by field name, so a route only has to
pass its body through `shown`; tests/server/test_payload_rights.py walks every GET route of
the app with such a token and a planted marker to keep it that way. Search attributes are
user-set values too: their names stay, their values are nulled.

What a workflow computed from its `redact=` values rather than stored under a mark (search
attributes it set, query and update answers, a handler's error) is passed through `masked`,
which masks the values the workflow's stored payloads mark, unless the token holds the
`secrets` scope (the same rule as for marked values; see podium.redaction). For the same
reason an `attr=` filter never matches such a value for a token without that scope
(`unguessed`): the workflow is left out of the listing, as if the value were `*****`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi.encoders import jsonable_encoder

from podium import redaction
from podium.server.security import Principal, allows
from podium.store import base

PAYLOAD_FIELDS = frozenset(
    {
        "input",
        "output",
        "payload",
        "data",
        "result",
        "args",
        "kwargs",
        "error_message",
        "error_traceback",
        "traceback",
    }
)
"""Fields that hold a payload wherever they appear in a response body."""
SEARCH_FIELDS = frozenset({"search"})
"""Fields that hold search attributes ({name: value}): the names stay, the values are nulled."""
ERROR_FIELDS = frozenset({"error", "last_error"})
"""Fields that hold an error object ({type, message, traceback}): only its type is kept."""

Body = TypeVar("Body")


def shown(who: Principal, body: Body) -> Body:
    """`body` as `who` may see it: unchanged with the payloads right, else payloads nulled."""
    if who.payloads:
        return body
    return _scrub(body)  # type: ignore[no-any-return]


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _field(key, item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(item) for item in value]
    return value


def _field(key: Any, value: Any) -> Any:
    if value is None:
        return None
    if key in PAYLOAD_FIELDS:
        return None
    if key in SEARCH_FIELDS and isinstance(value, dict):
        return {k: None for k in value}
    if key in ERROR_FIELDS and isinstance(value, dict):
        return {k: (v if k in ("type", "error_type") else None) for k, v in value.items()}
    return _scrub(value)


FILTER_FIELDS = frozenset({"attr", "search"})
"""Filters of a bulk verb's audit entry that may quote search attribute values."""


def audit_shown(who: Principal, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Audit entries as `who` may see them (`shown`, and bulk verbs' filter values).

    A bulk verb's entry records its filters, search attribute values included, in its
    `detail` and its `target` text: without the payloads right both lose them.
    """
    if who.payloads:
        return entries
    seen = []
    for entry in shown(who, entries):
        detail = entry.get("detail")
        if not isinstance(detail, dict):
            seen.append(entry)
            continue
        filters = detail.get("filters")
        if isinstance(filters, dict) and FILTER_FIELDS & filters.keys():
            hidden = {k: (None if k in FILTER_FIELDS else v) for k, v in filters.items()}
            entry = {**entry, "target": None, "detail": {**detail, "filters": hidden}}
        seen.append(entry)
    return seen


def sensitive(store: base.Store, record: base.WorkflowRecord) -> frozenset[str]:
    """The text forms of the values `record`'s stored payloads mark (input, output, history)."""
    texts = [record.input, record.output, *(e.payload for e in store.load_history(record.id))]
    return redaction.sensitive_values(texts)


def unguessed(
    who: Principal, store: base.Store, records: list[base.WorkflowRecord], attr: list[str]
) -> list[base.WorkflowRecord]:
    """`records` an `attr=` filter matched, less those matched on a `redact=` value.

    For a token without the `secrets` scope only: it sees the copy of a marked value in the
    search attributes as `*****`; were the filter to match it, guessing values one filter at
    a time would reveal it. A workflow is left out when a filter's value holds one of its
    marked values (the same text rule as `masked`).
    """
    if allows(who, "secrets") or not records:
        return records
    values = [item.partition("=")[2] for item in attr]
    kept = []
    for record in records:
        marked = sensitive(store, record)
        if not any(secret in value for secret in marked for value in values):
            kept.append(record)
    return kept


def masked(who: Principal, store: base.Store, record: base.WorkflowRecord, value: Any) -> Any:
    """`value`, computed by `record`'s workflow, JSON-ready with its sensitive values masked.

    Unchanged (but JSON-ready) for a token with the `secrets` scope.
    """
    ready = jsonable_encoder(value)
    if allows(who, "secrets"):
        return ready
    return redaction.scrub_value(ready, sensitive(store, record))
