"""The request and response bodies of the JSON API (they are its OpenAPI schemas)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
)

Status = Literal["pending", "running", "waiting", "completed", "failed", "cancelled"]
Scope = Literal["read", "write", "admin", "traceback", "secrets"]


def clean(value: str) -> str:
    """Refuse text a database cannot store: NUL characters or lone surrogates."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


NO_NUL = r"^[^\x00]*$"
"""The schema's pattern for text: no NUL (which no store keeps), so clients see the rule."""

Text = Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL), AfterValidator(clean)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class StartRequest(_Strict):
    """Start a workflow by its registered name.

    `input` is passed as the one argument; or give `args`/`kwargs`. The same `id` again
    returns the existing workflow (200) instead of starting another.
    """

    workflow: Text
    input: Any = None
    args: list[Any] | None = None
    kwargs: dict[str, Any] | None = None
    id: Text | None = None
    queue: Text | None = None
    priority: int = Field(0, ge=-1_000_000, le=1_000_000)
    delay: float | None = Field(None, ge=0, le=10**9, allow_inf_nan=False)
    key: Text | None = None
    timeout: float | None = Field(None, gt=0, le=10**9, allow_inf_nan=False)
    search: dict[str, StrictStr | StrictBool | StrictInt | StrictFloat] | None = None
    """Search attributes of the new workflow (str, int, float or bool values)."""
    debounce: float | None = Field(None, gt=0, le=10**7, allow_inf_nan=False)
    """With `key`: a later start with that key within this many seconds folds into this one."""
    debounce_max: float | None = Field(None, gt=0, le=10**7, allow_inf_nan=False)
    """With `debounce`: run at the latest this many seconds after the first folded start."""


class ForkRequest(_Strict):
    """Fork a finished workflow: copy its history before position `from_step` into a new id.

    The new workflow replays the copied positions and runs the rest with the code deployed
    now. Without `id`, a fresh one is made.
    """

    from_step: int = Field(ge=0, le=10**9)
    id: Text | None = None


class Started(BaseModel):
    """The workflow a start request names, and whether this request created it."""

    id: str
    workflow: str
    status: Status
    created: bool


class WorkflowSummary(BaseModel):
    """A workflow as listed."""

    id: str
    workflow: str
    status: Status
    queue: str
    priority: int
    key: str | None
    parent_id: str | None
    error_type: str | None
    created_at: float
    updated_at: float
    ready_at: float | None
    """When a pending or waiting workflow may run next (null while running or finished)."""
    paused_at: float | None = None
    """When it was paused (null unless paused): a paused workflow starts no new step."""
    lease_until: float | None = None
    """When a running workflow's lease expires unless its worker renews it."""
    runs: int
    worker_note: str | None = None
    """Set when the workflow is due but no live worker can run it: what is missing."""


class WorkflowList(BaseModel):
    """One page of workflows, newest first; `next_offset` is null on the last page."""

    items: list[WorkflowSummary]
    limit: int
    offset: int
    next_offset: int | None


class ErrorInfo(BaseModel):
    """How a workflow failed."""

    type: str | None
    message: str | None
    traceback: str | None


class HistoryItem(BaseModel):
    """One position of a workflow's history (a step, timer, recorded value or saga mark)."""

    seq: int
    kind: str
    name: str
    status: str
    attempt: int
    started_at: float | None
    finished_at: float | None
    payload: Any


class AttemptItem(BaseModel):
    """A failed attempt of a step that was retried (or is waiting to be)."""

    seq: int
    attempt: int
    name: str
    error_type: str
    error_message: str | None
    """Null for a token without the payloads right (an error's text may quote the data)."""
    started_at: float
    finished_at: float
    retry_at: float | None


class WorkflowAttemptItem(BaseModel):
    """One attempt of the workflow: its start, or a resume, and how it ended.

    The last one is the workflow as it is now (`ended_at` null while unfinished).
    """

    attempt: int
    status: Status
    error_type: str | None
    error_message: str | None
    error_traceback: str | None
    runs: int
    started_at: float
    ended_at: float | None
    resumed_at: float | None


class WorkflowDetail(WorkflowSummary):
    """A workflow with its input, output or error, history and failed attempts.

    `attempts` are failed attempts of steps; `workflow_attempts` every attempt of the
    workflow itself (each resume starts one), with the error each ended with.
    """

    input: Any
    output: Any
    error: ErrorInfo | None
    deadline: float | None
    lease_owner: str | None
    history: list[HistoryItem]
    attempts: list[AttemptItem]
    workflow_attempts: list[WorkflowAttemptItem]
    search: dict[str, Any] = {}
    """The workflow's search attributes."""


class BulkRequest(_Strict):
    """`list()`'s filters for a bulk verb; at least one is required."""

    status: Status | None = None
    workflow: Text | None = None
    queue: Text | None = None
    search: dict[str, StrictStr | StrictBool | StrictInt | StrictFloat] | None = None


class BulkResult(BaseModel):
    """How many workflows a bulk verb changed."""

    count: int


class WorkflowType(BaseModel):
    """A registered workflow that can be started by name."""

    name: str
    queue: str
    parameters: list[str]
    is_async: bool


class Summary(BaseModel):
    """Workflow counts by status, overall and per workflow name."""

    counts: dict[str, int]
    by_workflow: dict[str, dict[str, int]]


class QueueStats(BaseModel):
    """A queue's unfinished workflows; `ready` ones wait for a worker."""

    queue: str
    pending: int
    running: int
    waiting: int
    ready: int
    oldest_ready_age: float | None
    paused: bool = False
    """Paused with `app.pause_queue`: no worker claims from it until resumed."""


class WorkerInfo(BaseModel):
    """A live worker (registered and beating, or holding leases) and its last heartbeat."""

    worker: str
    running: int
    heartbeat_at: float
    app: str | None = None
    queues: list[str] = []
    workflows: list[str] = []
    started_at: float | None = None
    expires_at: float | None = None


LimitName = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(clean)]
"""A workflow name or queue a token is limited to."""


class TokenRequest(_Strict):
    """Create an API token."""

    name: Annotated[str, Field(min_length=1, max_length=100), AfterValidator(clean)]
    scopes: list[Scope] = Field(min_length=1, max_length=4)
    expires_in: float | None = Field(default=None, gt=0, le=10 * 365 * 86400, allow_inf_nan=False)
    workflows: list[LimitName] | None = Field(
        default=None, min_length=1, max_length=100, description="only these workflow names"
    )
    queues: list[LimitName] | None = Field(
        default=None, min_length=1, max_length=100, description="only these queues"
    )
    payloads: bool = Field(default=True, description="false: metadata only, no payloads")


class Token(BaseModel):
    """An API token without its secret."""

    id: str
    name: str
    scopes: list[str]
    created_at: float
    revoked_at: float | None
    expires_at: float | None = None
    workflows: list[str] | None = None
    """The only workflow names it may act on and see (None: any)."""
    queues: list[str] | None = None
    """The only queues whose workflows it may act on and see (None: any)."""
    payloads: bool = True
    """Whether it sees inputs, outputs and history payloads."""


class NewToken(Token):
    """A token just created; `token` is shown this once and never again."""

    token: str


class Whoami(BaseModel):
    """Who the request's token is."""

    actor: str
    scopes: list[str]
    auth: bool
    workflows: list[str] | None = None
    queues: list[str] | None = None
    payloads: bool = True


class AuditItem(BaseModel):
    """An entry of the audit log."""

    id: int
    at: float
    actor: str
    action: str
    target: str | None
    detail: Any


class Health(BaseModel):
    """The server is up and its store answers."""

    status: Literal["ok"]
