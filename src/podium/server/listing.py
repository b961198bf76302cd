"""The dashboard's workflow selection: its filters read from a query or form, and its rows.

One reading serves the list page and the bulk actions, so a bulk action changes exactly the
workflows the list shows: status, workflow type, id substring, search attributes
(`key=value`, comma separated), created after/before (UTC unless the text names a zone),
top-level only unless children are asked for, or the children of one parent.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

from podium import errors
from podium.server import api, payloads
from podium.server.context import ServerState
from podium.server.models import clean
from podium.server.security import Principal
from podium.store import browse
from podium.store import search as search_store

FIELDS = ("status", "workflow", "search", "attr", "after", "before", "children", "parent")
"""The filter fields, in the order the page and the audit log show them."""
MAX_TEXT = 300
STATUSES = ("pending", "running", "waiting", "completed", "failed", "cancelled")


class BadFilter(ValueError):
    """A filter a person typed that cannot be read; the message says which and how to fix it."""


@dataclasses.dataclass(frozen=True)
class Selection:
    """A parsed selection: the store filter, the search attributes, the texts as typed."""

    where: browse.Filter
    attrs: tuple[str, ...]
    given: dict[str, str]
    """Every field as typed ("" when absent), for the form and the links."""


def moment(text: str, what: str) -> float:
    """`text` (ISO 8601 date or date and time; UTC unless it names an offset) as epoch seconds."""
    try:
        parsed = dt.datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        raise BadFilter(
            f"{what} {text!r} is not a date and time; write e.g. 2026-12-06 or "
            "2026-12-06T14:30 (UTC) or 2026-12-06T14:30+01:00"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.timestamp()


def _text(value: str | None, what: str) -> str | None:
    if not value:
        return None
    try:
        return clean(value)
    except ValueError as exc:
        raise BadFilter(f"{what} {exc}") from None


def attributes(text: str) -> tuple[str, ...]:
    """`customer=c-9, tier=gold` as ("customer=c-9", "tier=gold")."""
    pairs = tuple(p.strip() for p in text.split(",") if p.strip())
    for pair in pairs:
        key, sep, _ = pair.partition("=")
        if not sep or not key.strip():
            raise BadFilter(
                f"search attribute filter {pair!r} is not KEY=VALUE; write e.g. customer=c-9 "
                "(several separated by commas)"
            )
    return tuple(f"{k.strip()}={v.strip()}" for k, _, v in (p.partition("=") for p in pairs))


def read(form: Mapping[str, str | None]) -> Selection:
    """The selection `form` (query parameters or a posted form) asks for (BadFilter if bad)."""
    given = {k: str(form.get(k) or "").strip() for k in FIELDS}
    for key, value in given.items():
        if len(value) > MAX_TEXT:
            raise BadFilter(f"{key} is {len(value)} characters long; at most {MAX_TEXT} please")
    if given["status"] and given["status"] not in STATUSES:
        raise BadFilter(f"status {given['status']!r} is not one of {', '.join(STATUSES)}")
    after = moment(given["after"], "created after") if given["after"] else None
    before = moment(given["before"], "created before") if given["before"] else None
    if after is not None and before is not None and after >= before:
        raise BadFilter("created after must be earlier than created before")
    parent = _text(given["parent"], "parent")
    where = browse.Filter(
        status=given["status"] or None,
        workflow=_text(given["workflow"], "workflow"),
        search=_text(given["search"], "the id filter"),
        created_after=after,
        created_before=before,
        top_level=not given["children"] and parent is None,
        parent_id=parent,
    )
    return Selection(where, attributes(given["attr"]), given)


TOTAL_CAP = 10_000
"""Workflows counted at most for the list's total (a larger total shows as 10000+)."""
ATTR_TOTAL_CAP = 1_000
"""The same with search attributes, whose count reads the matching rows."""


def total(st: ServerState, sel: Selection, who: Principal | None = None) -> tuple[int, bool]:
    """How many workflows the selection holds, and whether the count stopped at its cap."""
    if not sel.attrs:
        n = st.browser.count(sel.where, TOTAL_CAP + 1)
        return min(n, TOTAL_CAP), n > TOTAL_CAP
    n = len(rows(st, sel, ATTR_TOTAL_CAP + 1, 0, who))
    return min(n, ATTR_TOTAL_CAP), n > ATTR_TOTAL_CAP


def rows(
    st: ServerState, sel: Selection, limit: int, offset: int, who: Principal | None = None
) -> list[dict[str, Any]]:
    """The selected workflows (summaries, newest first); BadFilter for an unreadable attribute.

    With search attributes every listed workflow matches them, children included; for a
    viewer `who` without the `secrets` scope, never on a `redact=` value
    (`payloads.unguessed`).
    """
    if not sel.attrs:
        return st.browser.workflows(sel.where, limit, offset)
    try:
        records = search_store.for_store(st.app.store).matching(sel.attrs, sel.where, limit, offset)
    except errors.ConfigurationError as exc:
        raise BadFilter(str(exc)) from None
    parent = sel.where.parent_id
    records = [r for r in records if parent is None or r.parent_id == parent]
    if who is not None:
        records = payloads.unguessed(who, st.app.store, records, list(sel.attrs))
    return [api.summary(r) for r in records]
