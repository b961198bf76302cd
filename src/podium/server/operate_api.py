"""Queries, updates and pausing over HTTP (/api/v1); the semantics are the patterns'.

Only names the workflow declares (`@wf.query`, `@wf.update`) are callable, never the
engine's own workflows (`podium.*`); every mutating call is audited like cancel and resume.
Errors: unknown workflow or handler 404, wrong argument 400, rejected update 422, finished
workflow 409, an update not applied within `timeout` 408 (it stays queued).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import Field

from podium import errors
from podium.server import api, payloads
from podium.server.context import ServerState, State, WorkflowId, name_in_path
from podium.server.errors import ApiError, documented
from podium.server.models import Text, WorkflowSummary, _Strict
from podium.server.security import Admin, Principal, Reader, Writer
from podium.store import base

QueueName = Annotated[str, name_in_path("The queue name")]

router = APIRouter(prefix="/api/v1", responses=documented(400, 401, 403, 404, 413))


class QueryRequest(_Strict):
    """Run query `name` (declared with `@wf.query`) on the workflow's latest state."""

    name: Text
    arg: Any = None


class UpdateRequest(_Strict):
    """Apply update `name` with `arg`; `id` makes a retried call the same update."""

    name: Text
    arg: Any = None
    timeout: float = Field(30.0, ge=0, le=600, allow_inf_nan=False)
    id: Text | None = None


class Answer(_Strict):
    """A query's or an applied update's answer."""

    result: Any = None


class QueueState(_Strict):
    """Whether a queue is paused now."""

    queue: str
    paused: bool


def _workflow(st: ServerState, workflow_id: str) -> base.WorkflowRecord:
    record = api._existing(st, workflow_id)
    if record.workflow.startswith(api.INTERNAL):
        raise ApiError(404, f"workflow {workflow_id!r} is internal to podium", "unknown_workflow")
    return record


HANDLER_ERRORS = (errors.UpdateRejected, errors.UpdateFailed, errors.QueryFailed)
"""Errors whose message a workflow's own handler wrote (it may quote the data)."""


def _mapped(
    exc: Exception,
    who: Principal | None = None,
    st: ServerState | None = None,
    record: base.WorkflowRecord | None = None,
) -> ApiError:
    """The HTTP error of `exc`.

    About a workflow (`record`): a message its handler wrote is hidden from a token without
    the payloads right, and its sensitive values masked for one without the `secrets` scope.
    """
    message = str(exc)
    if who is not None and st is not None and record is not None:
        if isinstance(exc, HANDLER_ERRORS) and not who.payloads:
            handler = exc.query if isinstance(exc, errors.QueryFailed) else exc.update
            message = (
                f"{handler!r} of workflow {exc.workflow_id!r}: {type(exc).__name__} "
                "(its message is hidden: this token has no payloads right)"
            )
        else:
            message = str(payloads.masked(who, st.app.store, record, message))
    return _plain(exc, message)


def _plain(exc: Exception, message: str) -> ApiError:
    if isinstance(exc, errors.WorkflowNotFound):
        return ApiError(404, message, "unknown_workflow_id")
    if isinstance(exc, errors.UnknownHandler):
        return ApiError(404, message, "unknown_handler")
    if isinstance(exc, errors.UpdateRejected):
        return ApiError(422, message, "update_rejected")
    if isinstance(exc, errors.UpdateFailed):
        return ApiError(422, message, "update_failed")
    if isinstance(exc, errors.WorkflowEnded):
        return ApiError(409, message, "workflow_ended")
    if isinstance(exc, TimeoutError):
        return ApiError(408, message, "update_timeout")
    if isinstance(exc, errors.SerializationError):
        return ApiError(413 if isinstance(exc, errors.PayloadTooLarge) else 400, message)
    if isinstance(exc, errors.PodiumError):
        return ApiError(400, message)
    raise exc


@router.post(
    "/workflows/{workflow_id:path}/query",
    response_model=Answer,
    tags=["workflows"],
    responses=documented(404, 409),
)
def query_workflow(workflow_id: WorkflowId, body: QueryRequest, who: Reader, st: State) -> Any:
    """Answer a declared query from the workflow's latest state (read; nothing written).

    A token without the payloads right gets a null result.
    """
    record = _workflow(st, workflow_id)
    try:
        answer = st.app.get(workflow_id).query(body.name, body.arg)
    except (errors.PodiumError, TimeoutError) as exc:
        raise _mapped(exc, who, st, record) from None
    return payloads.shown(who, {"result": payloads.masked(who, st.app.store, record, answer)})


@router.post(
    "/workflows/{workflow_id:path}/update",
    response_model=Answer,
    tags=["workflows"],
    responses=documented(404, 408, 409, 422),
)
def update_workflow(workflow_id: WorkflowId, body: UpdateRequest, who: Writer, st: State) -> Any:
    """Apply a declared update durably and answer with its result (write; audited).

    A token without the payloads right gets a null result.
    """
    record = _workflow(st, workflow_id)
    handle = st.app.get(workflow_id)
    try:
        result = handle.update(body.name, body.arg, timeout=body.timeout, id=body.id)
    except (errors.PodiumError, TimeoutError) as exc:
        raise _mapped(exc, who, st, record) from None
    detail = {"name": body.name, "id": body.id}
    st.tokens.audit(who.actor, "workflow.update", workflow_id, detail, st.now())
    return payloads.shown(who, {"result": payloads.masked(who, st.app.store, record, result)})


def _pausing(workflow_id: str, who: Principal, st: State, pause: bool) -> dict[str, Any]:
    _workflow(st, workflow_id)
    handle = st.app.get(workflow_id)
    try:
        changed = handle.pause() if pause else handle.unpause()
    except errors.PodiumError as exc:
        raise _mapped(exc) from None
    action = "workflow.pause" if pause else "workflow.unpause"
    st.tokens.audit(who.actor, action, workflow_id, {"changed": changed}, st.now())
    return api.summary(api._existing(st, workflow_id))


@router.post(
    "/workflows/{workflow_id:path}/pause",
    response_model=WorkflowSummary,
    tags=["workflows"],
    responses=documented(404, 409),
)
def pause_workflow(workflow_id: WorkflowId, who: Admin, st: State) -> dict[str, Any]:
    """Start no new step of this workflow until unpaused (admin; audited)."""
    return _pausing(workflow_id, who, st, True)


@router.post(
    "/workflows/{workflow_id:path}/unpause",
    response_model=WorkflowSummary,
    tags=["workflows"],
    responses=documented(404),
)
def unpause_workflow(workflow_id: WorkflowId, who: Admin, st: State) -> dict[str, Any]:
    """Let a paused workflow run again (admin; audited)."""
    return _pausing(workflow_id, who, st, False)


def _queue(name: str, who: Principal, st: State, pause: bool) -> dict[str, Any]:
    try:
        if pause:
            st.app.pause_queue(name)
        else:
            st.app.resume_queue(name)
    except errors.PodiumError as exc:
        raise _mapped(exc) from None
    action = "queue.pause" if pause else "queue.resume"
    st.tokens.audit(who.actor, action, name, None, st.now())
    return {"queue": name, "paused": name in st.app.paused_queues()}


@router.post("/queues/{name}/pause", response_model=QueueState, tags=["operations"])
def pause_queue(name: QueueName, who: Admin, st: State) -> dict[str, Any]:
    """Stop every worker claiming from this queue (admin; audited)."""
    return _queue(name, who, st, True)


@router.post("/queues/{name}/resume", response_model=QueueState, tags=["operations"])
def resume_queue(name: QueueName, who: Admin, st: State) -> dict[str, Any]:
    """Claim from this queue again (admin; audited)."""
    return _queue(name, who, st, False)
