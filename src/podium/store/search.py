"""Search attributes in the store: typed key/value pairs per workflow, indexed on both dialects.

PostgreSQL keeps them as one JSONB document in `podium_workflows.search` with a partial GIN
index (`jsonb_path_ops`), and a filter is containment (`search @> {...}`). SQLite keeps one
row per (workflow, key) in `podium_search` with an index on (key, value): SQLite cannot
index arbitrary paths of a JSON column (an expression index needs one fixed path per key,
declared in advance), while that one B-tree answers an equality filter on any key. A
workflow without attributes has no document and no row, so the hot paths (create, claim,
finish) do exactly what they did before.

Each key has one type (str, int, float, bool), fixed by its first write in
`podium_search_keys`: a later write or a filter of another type is refused with an error that
names the key, both types and the fix. An int is accepted where a key holds floats.
"""

from __future__ import annotations

import json
import math
import re
import threading
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from podium import errors
from podium.store import base, browse, queries, workflows

FEATURE = "search"
TYPES: dict[str, type] = {"str": str, "int": int, "float": float, "bool": bool}
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,99}")
MAX_TEXT = 1000


def type_name(value: object) -> str | None:
    """The search type of `value` ("str", "int", "float", "bool"), None for any other."""
    if isinstance(value, bool):
        return "bool"
    for name in ("str", "int", "float"):
        if isinstance(value, TYPES[name]):
            return name
    return None


def check(attrs: object, what: str, *, removals: bool = False) -> dict[str, Any]:
    """`attrs` as a validated dict; a ConfigurationError naming the bad key and the fix.

    `what` names the argument in errors (e.g. "search="); with `removals`, a None value
    means "remove this key" (for `podium.set_search`).
    """
    if not isinstance(attrs, Mapping):
        raise errors.ConfigurationError(
            f"{what} must be a dict of attribute name to value, e.g. "
            f"{{'customer': 'c-9'}}; got {type(attrs).__name__}"
        )
    checked: dict[str, Any] = {}
    for key, value in attrs.items():
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise errors.ConfigurationError(
                f"{what} key {key!r} is not a valid search attribute name; use letters, "
                "digits, '_', '.' or '-' (starting with a letter or '_', at most 100)"
            )
        if value is None and removals:
            checked[key] = None
            continue
        kind = type_name(value)
        if kind is None:
            raise errors.ConfigurationError(
                f"{what} value of {key!r} is a {type(value).__name__}; search attributes "
                "are str, int, float or bool" + ("; None removes the attribute" if removals else "")
            )
        if kind == "float" and not math.isfinite(value):
            raise errors.ConfigurationError(f"{what} value of {key!r} must be a finite number")
        if kind == "str" and len(value) > MAX_TEXT:
            raise errors.ConfigurationError(
                f"{what} value of {key!r} is {len(value)} characters; at most {MAX_TEXT}"
            )
        checked[key] = value
    return checked


class _Types:
    def __init__(self) -> None:
        self.types: dict[str, str] = {}
        self.lock = threading.Lock()


_CACHES: weakref.WeakKeyDictionary[Any, _Types] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


class SearchStore(queries.Feature, sql=FEATURE):
    """Search attribute verbs over one connector."""

    def __init__(self, connector: base.Connector) -> None:
        super().__init__(connector)
        self._create = queries.load(connector.dialect, "workflows")["create_workflow"]
        with _CACHES_LOCK:
            found = _CACHES.get(connector)
            if found is None:
                found = _CACHES[connector] = _Types()
        self._cache = found

    # -- key types -------------------------------------------------------------------------

    def key_types(self, keys: Sequence[str] = ()) -> dict[str, str]:
        """The stored type of every key (read again when one of `keys` is not cached)."""
        cache = self._cache
        if any(k not in cache.types for k in keys) or not keys:
            rows = self._c.query(self._q["key_types"], {})
            with cache.lock:
                cache.types = {str(r["key"]): str(r["type"]) for r in rows}
        return cache.types

    def fix_types(self, attrs: Mapping[str, Any], what: str) -> dict[str, Any]:
        """`attrs` with each key's type fixed in the store (first use) and checked.

        Returns the values as stored: an int given for a float key becomes a float.
        """
        given = {k: v for k, v in attrs.items() if v is not None}
        types = self.key_types(list(given))
        new = [k for k in given if k not in types]
        for key in new:
            self._c.execute(
                self._q["add_key"], {"key": key, "type": type_name(given[key])}, idempotent=True
            )
        if new:
            types = self.key_types(list(given))
        out: dict[str, Any] = {}
        for key, value in attrs.items():
            out[key] = value if value is None else _coerce(key, value, types[key], what)
        return out

    def check_filter(self, search: Mapping[str, Any]) -> dict[str, Any] | None:
        """`search` as the store compares it; None when a key was never written (no match)."""
        filters = check(search, "search=")
        types = self.key_types(list(filters))
        if any(k not in types for k in filters):
            return None
        return {k: _coerce(k, v, types[k], "search filter") for k, v in filters.items()}

    def parse_filter(self, pairs: Sequence[str]) -> dict[str, Any] | None:
        """`key=value` texts (CLI, query strings) as a filter, each value read as its key's type."""
        texts = _key_texts(pairs, "search filter")
        types = self.key_types(list(texts))
        if any(k not in types for k in texts):
            return None
        return {k: _parse(k, text, types[k]) for k, text in texts.items()}

    def parse_attributes(self, pairs: Sequence[str]) -> dict[str, Any]:
        """`key=value` texts (`podium start --search`) as attributes to set.

        A key some workflow already has is read as its stored type; a new key's value is an
        int, float or bool when it reads as one in JSON (`42`, `4.2`, `true`), else a string.
        """
        texts = _key_texts(pairs, "search attribute")
        types = self.key_types(list(texts))
        return {
            k: _parse(k, text, types[k]) if k in types else _infer(text)
            for k, text in texts.items()
        }

    # -- writing ---------------------------------------------------------------------------

    def write(self, run: base.Execute, workflow_id: str, attrs: Mapping[str, Any]) -> None:
        """Set (None: remove) `attrs` of `workflow_id` inside the caller's transaction."""
        if not attrs:
            return
        if self._c.dialect == "postgres":
            run(self._q["merge"], {"id": workflow_id, "doc": json.dumps(dict(attrs))})
            return
        for key, value in attrs.items():
            if value is None:
                run(self._q["drop"], {"id": workflow_id, "key": key})
            else:
                run(self._q["put"], {"id": workflow_id, "key": key, "value": value})

    def create(
        self, new: base.NewWorkflow, attrs: Mapping[str, Any], now: float
    ) -> tuple[base.WorkflowRecord, bool]:
        """`create_workflow` and its attributes in one transaction (attributes only if new)."""
        with self._c.transaction() as run:
            created = run(self._create, new.row(now)).rowcount == 1
            if created:
                self.write(run, new.id, attrs)
        if created:
            return new.record(now), True
        found = self._c.query(
            queries.load(self._c.dialect, "workflows")["get_workflow"], {"id": new.id}
        )
        if not found:
            raise errors.PodiumError(f"workflow {new.id!r} was neither created nor found")
        return base.WorkflowRecord.from_row(found[0]), False

    def write_fenced(
        self, fence: base.Fence, event: base.HistoryEvent, attrs: Mapping[str, Any]
    ) -> None:
        """Append `event` fenced and set `attrs` in one transaction (`podium.set_search`)."""
        with self._c.transaction() as run:
            workflows.append_fenced(run, self._c.dialect, fence, event)
            self.write(run, fence.workflow_id, attrs)

    # -- reading ---------------------------------------------------------------------------

    def get(self, workflow_id: str) -> dict[str, Any]:
        """The search attributes of `workflow_id` ({} when it has none), sorted by key."""
        rows = self._c.query(self._q["get"], {"id": workflow_id})
        if self._c.dialect == "postgres":
            doc = rows[0]["search"] if rows else None
            found = dict(doc or {})
        else:
            found = {str(r["key"]): r["value"] for r in rows}
            types = self.key_types(list(found))
            found = {k: bool(v) if types.get(k) == "bool" else v for k, v in found.items()}
        return dict(sorted(found.items()))

    def matching(
        self, pairs: Sequence[str], where: browse.Filter, limit: int, offset: int = 0
    ) -> list[base.WorkflowRecord]:
        """Workflows whose attributes match the `key=value` texts `pairs` and that pass `where`.

        `where` gives the status, name, queue, creation times and id substring; a key no
        workflow has matches nothing. ConfigurationError for a text that does not read.
        """
        found = self.parse_filter(pairs)
        if found is None:
            return []
        return self.select(
            statuses=() if where.status is None else (where.status,),
            workflow=where.workflow,
            queue=where.queue,
            search=found,
            created_after=where.created_after,
            created_before=where.created_before,
            id_contains=where.search,
            limit=limit,
            offset=offset,
        )

    def select(
        self,
        *,
        statuses: Sequence[str] = (),
        workflow: str | None = None,
        queue: str | None = None,
        search: Mapping[str, Any] | None = None,
        created_after: float | None = None,
        created_before: float | None = None,
        id_contains: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[base.WorkflowRecord]:
        """Workflows matching every filter (search: each key equal), newest first.

        `created_after` is inclusive, `created_before` exclusive, `id_contains` a
        case-insensitive substring of the id: as the dashboard listing reads them.
        """
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        where: list[str] = []
        source = "podium_workflows w"
        if created_after is not None:
            params["created_after"] = created_after
            where.append("w.created_at >= :created_after")
        if created_before is not None:
            params["created_before"] = created_before
            where.append("w.created_at < :created_before")
        if id_contains:
            params["id_contains"] = id_contains
            find = "strpos" if self._c.dialect == "postgres" else "instr"
            where.append(f"{find}(lower(w.id), lower(:id_contains)) > 0")
        if statuses:
            names = []
            for i, status in enumerate(statuses):
                params[f"s{i}"] = status
                names.append(f":s{i}")
            where.append(f"w.status IN ({', '.join(names)})")
        for column, value in (("workflow", workflow), ("queue", queue)):
            if value is not None:
                params[column] = value
                where.append(f"w.{column} = :{column}")
        if search and self._c.dialect == "postgres":
            params["doc"] = json.dumps(dict(search))
            where.append("w.search IS NOT NULL AND w.search @> :doc::jsonb")
        elif search:
            for i, (key, value) in enumerate(search.items()):
                params[f"k{i}"] = key
                params[f"v{i}"] = value
                if i == 0:  # drive the query from the (key, value) index
                    source = "podium_search s0 JOIN podium_workflows w ON w.id = s0.workflow_id"
                    where.append("s0.key = :k0 AND s0.value = :v0")
                else:
                    where.append(
                        f"EXISTS (SELECT 1 FROM podium_search s{i} WHERE s{i}.workflow_id = w.id"
                        f" AND s{i}.key = :k{i} AND s{i}.value = :v{i})"
                    )
        sql = (
            f"SELECT w.* FROM {source} {'WHERE ' + ' AND '.join(where) if where else ''} "
            "ORDER BY w.created_at DESC, w.id DESC LIMIT :limit OFFSET :offset"
        )
        rows = self._c.query(queries.adapt(self._c.dialect, sql), params)
        return [base.WorkflowRecord.from_row(row) for row in rows]


def _coerce(key: str, value: Any, stored: str, what: str) -> Any:
    kind = type_name(value)
    if kind == stored:
        return value
    if kind == "int" and stored == "float":
        return float(value)
    example = {"str": "'text'", "int": "42", "float": "4.2", "bool": "True"}[stored]
    raise errors.ConfigurationError(
        f"{what} {key}={value!r} is a {kind}, but search attribute {key!r} holds {stored} "
        f"values; pass a {stored} (e.g. {key}={example})"
    )


def _parse(key: str, text: str, stored: str) -> Any:
    try:
        if stored == "int":
            return int(text)
        if stored == "float":
            return float(text)
    except ValueError:
        raise errors.ConfigurationError(
            f"search filter {key}={text!r}: search attribute {key!r} holds {stored} values, "
            f"and {text!r} is not one"
        ) from None
    if stored == "bool":
        if text.lower() in ("true", "1", "yes"):
            return True
        if text.lower() in ("false", "0", "no"):
            return False
        raise errors.ConfigurationError(
            f"search filter {key}={text!r}: search attribute {key!r} holds bool values; "
            "write true or false"
        )
    return text


def _key_texts(pairs: Sequence[str], what: str) -> dict[str, str]:
    """{key: text} of `key=value` texts (CLI, query strings), keys checked; `what` names them."""
    texts: dict[str, str] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key:
            raise errors.ConfigurationError(
                f"{what} {pair!r} is not KEY=VALUE; write e.g. customer=c-9"
            )
        texts[key] = text
    check(dict.fromkeys(texts, ""), what)
    return texts


def _infer(text: str) -> Any:
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if type_name(value) in (None, "str") or (isinstance(value, float) and not math.isfinite(value)):
        return text
    return value


def for_store(store: base.Store) -> SearchStore:
    """The search feature of `store` (one per store)."""
    return store.feature(SearchStore)
