"""The JSON API under /api/v1: workflows (list, get, start, cancel, resume, fork) and admin."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Header, Path, Query, Response

from podium import definitions, errors, redaction, registry, workflow
from podium.observability import tracing
from podium.server import models, payloads
from podium.server.context import ServerState, State
from podium.server.errors import ApiError, documented
from podium.server.models import clean
from podium.server.security import (
    Admin,
    Principal,
    Reader,
    ScopedAdmin,
    ScopedReader,
    ScopedWriter,
    allows,
    check_start,
)
from podium.store import base, browse, children
from podium.store import search as search_store
from podium.store import workers as workers_mod
from podium.types import TERMINAL_STATUSES

router = APIRouter(prefix="/api/v1", responses=documented(400, 401, 403, 413))
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
WorkflowId = Annotated[str, Path(min_length=1, max_length=200, description="The workflow id")]
Filter = Annotated[str | None, Query(min_length=1, max_length=200)]
INTERNAL = registry.INTERNAL_PREFIX
"""Workflows the engine registers for itself (e.g. a step run as a child workflow)."""
START_OPTIONS = frozenset(
    {"id", "queue", "priority", "delay", "key", "timeout", "search", "debounce", "debounce_max"}
)
Time = Annotated[float | None, Query(allow_inf_nan=False, ge=0, le=1e12)]


def _text(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    try:
        return clean(value)
    except ValueError as exc:
        raise ApiError(400, f"{what} {exc}") from None


def _json(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


@router.get("/workflows", response_model=models.WorkflowList, tags=["workflows"])
def list_workflows(
    who: ScopedReader,
    st: State,
    status: Annotated[models.Status | None, Query()] = None,
    workflow: Filter = None,
    queue: Filter = None,
    search: Annotated[str | None, Query(max_length=200, description="substring of the id")] = None,
    created_after: Time = None,
    created_before: Time = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    attr: Annotated[
        list[str] | None,
        Query(max_length=300, description="KEY=VALUE: search attribute KEY equals VALUE"),
    ] = None,
) -> dict[str, Any]:
    """Workflows matching every given filter, newest first, one page at a time.

    `attr=customer=c-9` (repeatable) filters on search attributes, each value read as its
    attribute's type (not for a token without the payloads right: 403). A token limited to
    workflow names or queues lists only those.
    """
    where = browse.Filter(
        status=status,
        workflow=_text(workflow, "workflow"),
        queue=_text(queue, "queue"),
        created_after=created_after,
        created_before=created_before,
        search=_text(search, "search") or None,
        workflows=who.workflows,
        queues=who.queues,
    )
    if attr:
        if not who.payloads:  # a filter on values would reveal them one guess at a time
            raise ApiError(403, "filtering on search attribute values needs the payloads right")
        return payloads.shown(who, _by_attributes(st, who, attr, where, limit, offset))
    rows = st.browser.workflows(where, limit + 1, offset)
    more = len(rows) > limit
    return payloads.shown(
        who,
        {
            "items": with_notes(st, rows[:limit]),
            "limit": limit,
            "offset": offset,
            "next_offset": offset + limit if more else None,
        },
    )


def _by_attributes(
    st: ServerState,
    who: Principal,
    attr: list[str],
    where: browse.Filter,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    """The listing with search-attribute filters: every other filter applies as well.

    A filter never matches a `redact=` value for a token without the `secrets` scope
    (`payloads.unguessed`).
    """
    try:
        records = search_store.for_store(st.app.store).matching(attr, where, limit + 1, offset)
    except errors.ConfigurationError as exc:
        raise ApiError(400, str(exc)) from None
    records = [r for r in records if _within(where, r.workflow, r.queue)]
    more = len(records) > limit
    records = payloads.unguessed(who, st.app.store, records[:limit], attr)
    return {
        "items": with_notes(st, [summary(r) for r in records]),
        "limit": limit,
        "offset": offset,
        "next_offset": offset + limit if more else None,
    }


def _within(where: browse.Filter, workflow: str, queue: str) -> bool:
    return (where.workflows is None or workflow in where.workflows) and (
        where.queues is None or queue in where.queues
    )


def with_notes(st: ServerState, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`rows` with their `worker_note` (see `workers.worker_note`): one read of live workers."""
    if not any(row["status"] in ("pending", "waiting") for row in rows):
        return rows
    now = st.now()
    workers = st.app.store.live_workers(now)
    return [
        {
            **row,
            "worker_note": workers_mod.unserved(
                row["status"], row["ready_at"], row["queue"], row["workflow"], workers, now
            ),
        }
        for row in rows
    ]


@router.post(
    "/workflows",
    response_model=models.Started,
    status_code=201,
    tags=["workflows"],
    responses={
        200: {"model": models.Started, "description": "a workflow with this id already exists"},
        **documented(404, 409, 422, 429),
    },
)
def start_workflow(
    body: models.StartRequest,
    who: ScopedWriter,
    st: State,
    response: Response,
    traceparent: Annotated[str | None, Header(max_length=512)] = None,
) -> dict[str, Any]:
    """Start a workflow by name; the same id again returns the existing one (200)."""
    app = st.app
    definition = app.registry.workflows.get(body.workflow)
    if definition is None or registry.is_internal(body.workflow):
        raise ApiError(
            404, f"no workflow named {body.workflow!r} is registered", "unknown_workflow"
        )
    check_start(who, body.workflow, body.queue or definition.options.queue)
    args, kwargs = _arguments(body)
    _check_queue(st, body.queue or definition.options.queue)
    record, created = _start(st, definition, args, kwargs, body)
    if traceparent and tracing.valid_traceparent(traceparent):
        st.tokens.remember_trace(record.id, traceparent)
    detail = {"workflow": record.workflow, "created": created, "queue": record.queue}
    st.tokens.audit(who.actor, "workflow.start", record.id, detail, st.now())
    response.status_code = 201 if created else 200
    return {
        "id": record.id,
        "workflow": record.workflow,
        "status": record.status,
        "created": created,
    }


def _arguments(body: models.StartRequest) -> tuple[tuple[Any, ...], dict[str, Any]]:
    given = body.model_fields_set
    if "input" in given and (body.args is not None or body.kwargs is not None):
        raise ApiError(400, "give either input (one argument) or args/kwargs, not both")
    if "input" in given:
        return (body.input,), {}
    kwargs = dict(body.kwargs or {})
    clash = sorted(set(kwargs) & START_OPTIONS)
    if clash:
        raise ApiError(400, f"kwargs {clash} clash with start options; pass them in args")
    return tuple(body.args or ()), kwargs


def _check_queue(st: ServerState, queue: str) -> None:
    if st.max_queue_depth is None:
        return
    for row in st.browser.queues(st.now()):
        if row["queue"] == queue and int(row["pending"]) >= st.max_queue_depth:
            raise ApiError(429, f"queue {queue!r} already holds {row['pending']} pending workflows")


def _start(
    st: ServerState,
    definition: definitions.Workflow,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    body: models.StartRequest,
) -> tuple[base.WorkflowRecord, bool]:
    app = st.app
    before = app.store.get_workflow(body.id) if body.id is not None else None
    try:
        definition.bind(args, kwargs)
        handle = app.start(
            definition,
            *args,
            id=body.id,
            queue=body.queue,
            priority=body.priority,
            delay=body.delay,
            key=body.key,
            timeout=body.timeout,
            search=body.search,
            debounce=body.debounce,
            debounce_max=body.debounce_max,
            **kwargs,
        )
    except TypeError as exc:
        raise ApiError(400, str(exc)) from None
    except errors.SerializationError as exc:
        status = 413 if isinstance(exc, errors.PayloadTooLarge) else 400
        raise ApiError(status, str(exc)) from None
    except errors.ConfigurationError as exc:
        status = 409 if before is not None else 400
        raise ApiError(status, str(exc)) from None
    record = app.store.get_workflow(handle.id)
    if record is None:  # pragma: no cover - just created
        raise ApiError(404, f"workflow {handle.id!r} vanished")
    if body.debounce is not None:  # a folded start moved the pending run's updated_at
        return record, record.updated_at == record.created_at
    return record, before is None


@router.get(
    "/workflows/{workflow_id:path}",
    response_model=models.WorkflowDetail,
    tags=["workflows"],
    responses=documented(404),
)
def get_workflow(workflow_id: WorkflowId, who: ScopedReader, st: State) -> dict[str, Any]:
    """One workflow with its input, output or error, step history and failed attempts.

    Error tracebacks only for tokens with the `traceback` scope (or admin); redacted values
    (`redact=`, `podium.Secret`) show as `*****` except to tokens with the `secrets` scope;
    a token without the payloads right sees no input, output, history payloads or error
    text (null; see podium.server.payloads).
    """
    record = _existing(st, workflow_id, who)
    body = detail(st, record, tracebacks=allows(who, "traceback"), reveal=allows(who, "secrets"))
    return payloads.shown(who, body)


def detail(
    st: ServerState, record: base.WorkflowRecord, *, tracebacks: bool = True, reveal: bool = False
) -> dict[str, Any]:
    """The WorkflowDetail body of `record` (also used by the dashboard).

    Sensitive values show as `*****` unless `reveal` (see podium.redaction).
    """
    store = st.app.store

    def shown(text: str | None) -> Any:
        return redaction.view(_json(text), reveal=reveal)

    events = store.load_history(record.id)
    history = [{**_fields(event), "payload": shown(event.payload)} for event in events]
    attempts = [_fields(a) for a in store.load_attempts(record.id)]
    runs = store.load_workflow_attempts(record.id)
    workflow_attempts = [{k: v for k, v in _fields(a).items() if k != "workflow_id"} for a in runs]
    if not tracebacks:
        history = [{**e, "payload": _no_traceback(e["payload"])} for e in history]
        attempts = [_without_tracebacks(a) for a in attempts]
        workflow_attempts = [_without_tracebacks(a) for a in workflow_attempts]
    note = workers_mod.worker_note(record, store.live_workers(st.now()), st.now())
    error = None
    if record.error_type or record.error_message:
        error = {
            "type": record.error_type,
            "message": record.error_message,
            "traceback": record.error_traceback if tracebacks else None,
        }
    return {
        **summary(record),
        "input": shown(record.input),
        "output": shown(record.output),
        "error": error,
        "deadline": record.deadline,
        "lease_owner": record.lease_owner,
        "history": history,
        "attempts": attempts,
        "workflow_attempts": workflow_attempts,
        "worker_note": note,
        "search": _search(store, record, events, reveal),
    }


def _search(
    store: base.Store, record: base.WorkflowRecord, events: list[Any], reveal: bool
) -> dict[str, Any]:
    """The workflow's search attributes; a value its payloads mark sensitive as `*****`."""
    attrs = search_store.for_store(store).get(record.id)
    if not attrs or reveal:
        return attrs
    texts = [record.input, record.output, *(e.payload for e in events)]
    scrubbed: dict[str, Any] = redaction.scrub_value(attrs, redaction.sensitive_values(texts))
    return scrubbed


def _no_traceback(payload: Any) -> Any:
    """A failed step's stored error without its traceback (other payloads unchanged)."""
    if isinstance(payload, dict) and payload.get("traceback") and "type" in payload:
        return {**payload, "traceback": None}
    return payload


def _without_tracebacks(row: dict[str, Any]) -> dict[str, Any]:
    return {k: None if "traceback" in k else v for k, v in row.items()}


def summary(record: base.WorkflowRecord) -> dict[str, Any]:
    """The WorkflowSummary body of `record`."""
    names = models.WorkflowSummary.model_fields
    return {name: getattr(record, name) for name in names if hasattr(record, name)}


def _fields(item: Any) -> dict[str, Any]:
    return dataclasses.asdict(item)


def _existing(
    st: ServerState, workflow_id: str, who: Principal | None = None
) -> base.WorkflowRecord:
    """The workflow with this id; 404 also when it is outside `who`'s limits (not revealed)."""
    record = st.app.store.get_workflow(_text(workflow_id, "the workflow id") or "")
    if record is None or (who is not None and not who.may_see(record.workflow, record.queue)):
        raise ApiError(404, f"no workflow has the id {workflow_id!r}", "unknown_workflow_id")
    return record


def _workflow_verb(verb: str) -> Callable[[Endpoint], Endpoint]:
    """Serve an admin's `verb` at POST /workflows/{id}/<verb>, answering a WorkflowSummary."""
    return router.post(
        f"/workflows/{{workflow_id:path}}/{verb}",
        response_model=models.WorkflowSummary,
        tags=["workflows"],
        responses=documented(404, 409),
    )


def _audited(
    st: ServerState, who: Principal, verb: str, workflow_id: str, was: str
) -> dict[str, Any]:
    """Audit `who`'s `verb` on the workflow (whose status `was`); answer its summary now."""
    st.tokens.audit(who.actor, f"workflow.{verb}", workflow_id, {"was": was}, st.now())
    return summary(_existing(st, workflow_id))


@_workflow_verb("cancel")
def cancel_workflow(workflow_id: WorkflowId, who: ScopedAdmin, st: State) -> dict[str, Any]:
    """Cancel a pending, running or waiting workflow (admin; audited)."""
    record = _existing(st, workflow_id, who)
    if record.status in TERMINAL_STATUSES:
        raise ApiError(409, f"workflow {workflow_id!r} is already {record.status}")
    children.cancel(st.app.store, workflow_id, st.now())
    return _audited(st, who, "cancel", workflow_id, record.status)


@_workflow_verb("resume")
def resume_workflow(workflow_id: WorkflowId, who: ScopedAdmin, st: State) -> dict[str, Any]:
    """Run a failed or cancelled workflow again from its first unfinished step (admin)."""
    record = _existing(st, workflow_id, who)
    if record.status not in ("failed", "cancelled"):
        raise ApiError(
            409, f"workflow {workflow_id!r} is {record.status}; only failed or cancelled resume"
        )
    st.app.resume(workflow_id)
    return _audited(st, who, "resume", workflow_id, record.status)


BULK_VERBS = {
    "cancel": "Cancel every pending, running or waiting workflow matching the filters",
    "resume": "Resume every failed or cancelled workflow matching the filters",
    "pause": "Pause every pending, running or waiting workflow matching the filters",
    "unpause": "Unpause every paused workflow matching the filters",
}
"""The bulk verbs, each served at POST /bulk/<verb>, and what each does."""


def _bulk_route(verb: str, does: str) -> None:
    """Serve the bulk `verb` at POST /bulk/<verb> as the operation `<verb>_many`."""

    def endpoint(body: models.BulkRequest, who: Admin, st: State) -> dict[str, Any]:
        return _bulk(st, who, verb, body)

    router.add_api_route(
        f"/bulk/{verb}",
        endpoint,
        methods=["POST"],
        name=f"{verb}_many",
        description=f"{does} (admin; audited).",
        response_model=models.BulkResult,
        tags=["workflows"],
    )


for _verb, _does in BULK_VERBS.items():
    _bulk_route(_verb, _does)


def _bulk(st: ServerState, who: Principal, verb: str, body: models.BulkRequest) -> dict[str, Any]:
    filters: dict[str, Any] = {
        "status": body.status,
        "workflow": _text(body.workflow, "workflow"),
        "queue": _text(body.queue, "queue"),
        "search": body.search,
    }
    app = st.app
    try:
        verbs = {
            "cancel": app.cancel_many,
            "resume": app.resume_many,
            "pause": app.pause_many,
            "unpause": app.unpause_many,
        }
        count = verbs[verb](**filters)
    except errors.ConfigurationError as exc:
        raise ApiError(400, str(exc)) from None
    given = {k: v for k, v in filters.items() if v is not None}
    target = " ".join(f"{k}={v}" for k, v in given.items())[:200]
    st.tokens.audit(
        who.actor, f"workflow.{verb}_many", target, {"filters": given, "count": count}, st.now()
    )
    return {"count": count}


@router.post(
    "/workflows/{workflow_id:path}/fork",
    response_model=models.WorkflowSummary,
    status_code=201,
    tags=["workflows"],
    responses=documented(404, 409),
)
def fork_workflow(
    workflow_id: WorkflowId, body: models.ForkRequest, who: Admin, st: State
) -> dict[str, Any]:
    """Copy a finished workflow's history before `from_step` into a new workflow (admin).

    The new workflow replays the copied steps and runs the rest with today's code.
    """
    record = _existing(st, workflow_id)
    if record.status not in TERMINAL_STATUSES:
        raise ApiError(
            409,
            f"workflow {workflow_id!r} is {record.status}; only a finished workflow can be "
            "forked: wait for it or cancel it first",
        )
    if body.id is not None and st.app.store.get_workflow(body.id) is not None:
        raise ApiError(
            409, f"the id {body.id!r} is taken; pass another id or leave it out", "conflict"
        )
    try:
        handle = st.app.fork(workflow_id, from_step=body.from_step, id=body.id)
    except errors.ConfigurationError as exc:
        raise ApiError(409 if "is taken" in str(exc) else 400, str(exc)) from None
    detail = {"from_step": body.from_step, "id": handle.id}
    st.tokens.audit(who.actor, "workflow.fork", workflow_id, detail, st.now())
    return summary(_existing(st, handle.id))


@router.get("/workflow-types", response_model=list[models.WorkflowType], tags=["workflows"])
def workflow_types(_who: Reader, st: State) -> list[dict[str, Any]]:
    """The workflows this server's app can start, with their parameter names."""
    found = []
    for name, definition in sorted(st.app.registry.workflows.items()):
        if name.startswith(INTERNAL) or not isinstance(definition, workflow.WorkflowDefinition):
            continue
        found.append(
            {
                "name": name,
                "queue": definition.options.queue,
                "parameters": definition.parameter_names(),
                "is_async": definition.is_async,
            }
        )
    return found


@router.get("/summary", response_model=models.Summary, tags=["workflows"])
def summary_counts(_who: Reader, st: State) -> dict[str, Any]:
    """Workflow counts by status, overall and per workflow name."""
    return counts(st)


def counts(st: ServerState) -> dict[str, Any]:
    """The Summary body (also used by the dashboard)."""
    overall: dict[str, int] = dict.fromkeys(
        ("pending", "running", "waiting", "completed", "failed", "cancelled"), 0
    )
    by_workflow: dict[str, dict[str, int]] = {}
    for name, status, n in st.browser.status_counts():
        overall[status] = overall.get(status, 0) + n
        by_workflow.setdefault(name, {})[status] = n
    return {"counts": overall, "by_workflow": by_workflow}


@router.get("/queues", response_model=list[models.QueueStats], tags=["operations"])
def queues(_who: Reader, st: State) -> list[dict[str, Any]]:
    """Per queue: unfinished workflows and how long the oldest ready one has waited."""
    now = st.now()
    paused = set(st.app.paused_queues())
    return [
        {
            **{k: row[k] for k in ("queue", "pending", "running", "waiting", "ready")},
            "oldest_ready_age": None
            if row["oldest_ready_at"] is None
            else max(0.0, now - row["oldest_ready_at"]),
            "paused": row["queue"] in paused,
        }
        for row in st.browser.queues(now)
    ]


@router.get("/workers", response_model=list[models.WorkerInfo], tags=["operations"])
def workers(_who: Reader, st: State) -> list[dict[str, Any]]:
    """Live workers: their queues and workflows, leases held and last heartbeat (the store)."""
    lease = st.app.settings.lease_seconds
    found: dict[str, dict[str, Any]] = {
        w.owner: {
            "worker": w.owner,
            "running": 0,
            "heartbeat_at": w.beat_at,
            "app": w.app,
            "queues": list(w.queues),
            "workflows": list(w.workflows),
            "started_at": w.started_at,
            "expires_at": w.expires_at,
        }
        for w in st.app.store.live_workers(st.now())
    }
    for r in st.browser.leases():
        row = found.setdefault(
            r["worker"], {"worker": r["worker"], "heartbeat_at": r["lease_until"] - lease}
        )
        row["running"] = int(r["running"])
    return sorted(found.values(), key=lambda row: str(row["worker"]))
