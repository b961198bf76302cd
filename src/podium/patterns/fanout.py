"""Fan-out / fan-in and child workflows: `step.submit`, `gather`, `map` and `start_child`.

A submitted step is a child task: a workflow row (`parent_id` set) that runs the step once, as
a durable step, on any worker serving its queue. The parent creates each child at a history
position (kind "child"; id "<parent id>/<position>" unless given), so a replay creates nothing
twice. Submits are batched: they are created together, in one transaction, at the parent's
next durable point (a wait, a step, a recorded value, or the end of its run).

Waiting (`gather`, a child handle's `result()`, the window of `map`) is a durable wait: the
parent is unloaded, and the end of the child that completes its wait wakes it. The outcome is
recorded at the wait's position, so a replay never reads the children again. A gather's record
also names the history positions of the children it joined (`{"joined": [...], "results":
[...]}`; a failure carries `joined` too), which is how the console draws fan-in edges; a
gather recorded before that (a bare list of results) still replays.

Failures: `gather` waits for all its futures, then raises the error of the first failed one in
argument order. A submitted step raises the step's own error (rebuilt as a replayed failed step
is), a child workflow raises `WorkflowFailed`, a cancelled child `WorkflowCancelled`.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, NoReturn, TypeVar, cast

from podium import arguments, context, definitions, errors, serialization
from podium import registry as registry_mod
from podium import workflow as workflow_mod
from podium.engine import failures, hooks
from podium.engine.runtime import Runtime
from podium.store import base
from podium.store.children import Children, ChildState, NewChild

R = TypeVar("R")
Run = context.Run

RUNNER_PREFIX = "podium.step:"
"""Workflow name of the internal workflow that runs a submitted step: prefix + step name."""

RECHECK_SECONDS = 60.0
"""A waiting parent looks at its children again after this long even if never woken: the
worker of its last child may die between storing the child's end and waking the parent."""


# -- the internal workflow that runs one submitted step -------------------------------------


def runner_name(step: definitions.Step) -> str:
    """The workflow name under which `step` runs as a child task."""
    return RUNNER_PREFIX + step.name


def register_runner(registry: registry_mod.Registry, step: definitions.Step) -> None:
    """Make `step` runnable as a child task by every worker of the app that has `registry`.

    The runner is the internal workflow that calls `step` once, as a durable step; it is made
    once per step and app (a second registration of the step finds it registered).
    """
    name = runner_name(step)
    if name in registry.workflows:
        return

    async def run_async_step(*args: Any, **kwargs: Any) -> Any:
        return await step(*args, **kwargs)

    def run_step(*args: Any, **kwargs: Any) -> Any:
        return step(*args, **kwargs)

    fn: Callable[..., Any] = run_async_step if step.is_async else run_step
    registry.add_workflow(workflow_mod.WorkflowDefinition(fn, name, workflow_mod.WorkflowOptions()))


# -- futures and handles ------------------------------------------------------------------


class StepFuture(Generic[R]):
    """A submitted step: a child task any worker may run. Wait for it with `podium.gather`."""

    def __init__(self, child_id: str, step: str, seq: int | None = None) -> None:
        self.id = child_id
        self.step = step
        self.seq = seq
        """The parent's history position that created the child (None: not known)."""

    def __repr__(self) -> str:
        return f"<StepFuture {self.step!r} {self.id!r}>"

    def result(self) -> Any:
        """Wait durably for this step's result (inside the workflow that submitted it)."""
        run = _current("result")
        return context.ready(run, _wait_all(run, [self])[0])


class ChildHandle(workflow_mod.WorkflowHandle):
    """The handle of a child workflow; inside its parent, `result()` is a durable wait."""

    def __init__(
        self, runtime: Runtime, workflow_id: str, workflow: str, seq: int | None = None
    ) -> None:
        super().__init__(runtime, workflow_id)
        self.workflow = workflow
        self.seq = seq
        """The parent's history position that created the child (None: not known)."""

    def result(self, timeout: float | None = None) -> Any:
        """Inside a workflow: wait durably (no thread held). Outside: as WorkflowHandle."""
        run = context.current_run.get()
        if run is None:
            return super().result(timeout)
        if timeout is not None:
            raise errors.ConfigurationError(
                "inside a workflow, result() of a child waits durably and takes no timeout; "
                "give the child workflow a timeout= instead"
            )
        return context.ready(run, _wait_all(run, [self])[0])


Future = StepFuture[Any] | ChildHandle


# -- the public verbs -----------------------------------------------------------------------


def submit(
    step: definitions.Step,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    queue: str | None = None,
) -> StepFuture[Any]:
    """Submit `step(*args, **kwargs)` as a child task of the running workflow."""
    run = _current("submit")
    name = runner_name(step)
    position = run.take("child", name, check=False)  # held back: see _Children
    future: StepFuture[Any] = StepFuture(
        f"{run.workflow.id}/{position.seq}", step.name, position.seq
    )
    if position.recorded is not None:
        return future
    register_runner(run.runtime.registry, step)
    _bind(step, args, kwargs)
    payload = serialization.dumps_call(
        args,
        kwargs,
        owner=f"step {step.name!r}",
        names=_parameter_names(step.fn),
        limit=run.runtime.settings.max_payload_bytes,
    )
    _defer(run, _child(run, future.id, name, payload, queue, None, position))
    return future


def start_child(
    workflow: definitions.Workflow | str,
    /,
    *args: Any,
    id: str | None = None,
    queue: str | None = None,
    **kwargs: Any,
) -> ChildHandle:
    """Start a child workflow of the running workflow; cancelling the parent cancels it.

    The child is created with the parent's next durable point. Its `id` defaults to
    "<parent id>/<position>"; its queue to the child workflow's own.
    """
    run = _current("start_child")
    definition = _definition(run, workflow)
    position = run.take("child", definition.name, check=False)
    if position.recorded is not None:
        child_id = str(serialization.loads(position.recorded.payload)["id"])
        return ChildHandle(run.runtime, child_id, definition.name, position.seq)
    definition.bind(args, kwargs)
    child_id = f"{run.workflow.id}/{position.seq}"
    if id is not None:
        child_id = _own_child_id(run, id, definition.name)
    payload = serialization.dumps_call(
        args,
        kwargs,
        owner=f"workflow {definition.name!r}",
        names=definition.parameter_names(),
        limit=run.runtime.settings.max_payload_bytes,
    )
    timeout = definition.options.timeout
    deadline = None if timeout is None else run.time() + timeout
    queue = queue or definition.options.queue
    _defer(run, _child(run, child_id, definition.name, payload, queue, deadline, position))
    return ChildHandle(run.runtime, child_id, definition.name, position.seq)


def gather(*futures: Future) -> Any:
    """Wait durably for all `futures`; their results in order (awaitable in async workflows).

    Waits for every one, then raises the error of the first failed future in argument order.
    """
    run = _current("gather")
    for future in futures:
        if not isinstance(future, StepFuture | ChildHandle):
            hint = " (write gather(*futures))" if isinstance(future, list | tuple) else ""
            raise TypeError(
                f"podium.gather() takes futures from step.submit() or podium.start_child(), "
                f"not {future!r}{hint}"
            )
    if not futures:
        return context.ready(run, [])
    return context.ready(run, _wait_all(run, list(futures)))


def map(
    step: definitions.Step,
    items: Iterable[Any],
    max_concurrency: int | None = None,
    *,
    queue: str | None = None,
) -> Any:
    """Run `step(item)` for every item as child tasks; their results in item order.

    With `max_concurrency=N` no more than N of them are unfinished at once: the first N are
    submitted, and more each time some finish. After a failure no further items are submitted
    and the first failure (in item order) is raised once the submitted ones have finished.
    """
    run = _current("map")
    limit = None
    if max_concurrency is not None:
        limit = arguments.check_int(max_concurrency, "max_concurrency", minimum=1)
    futures: list[Future] = []
    running: list[Future] = []
    for item in items:
        if limit is not None and len(running) >= limit:
            done, failed = _wait_any(run, running)
            if failed:
                break
            running = [f for f in running if f.id not in done]
        future = submit(step, (item,), {}, queue)
        futures.append(future)
        running.append(future)
    return context.ready(run, _wait_all(run, futures) if futures else [])


# -- the engine hook -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ParentWaker:
    """The engine's run listener (see engine/hooks): tell this process a parent was woken.

    The store wakes the parent in the transaction that stores the child's end (`finish` with
    `parent_id`), so a crash between the two cannot cost the parent its wake-up, and that
    transaction is ordered with the parent's storing of its wait (SQLite has one writer;
    on PostgreSQL both lock the parent's row first): either the child's end sees the wait, or
    the parent's look at its children after storing the wait sees the end. So nothing is
    read again here; a woken parent is announced to this process's workers and waiters.
    """

    runtime: Runtime

    def __call__(self, end: hooks.RunEnd) -> None:
        """When a child's end woke its parent, tell this process at once."""
        parent_id = end.workflow.parent_id
        if parent_id is None or not end.ended or not end.parent_woken:
            return
        self.runtime.notifier.work_available()
        self.runtime.notifier.run_ended(parent_id)


# -- durable waits --------------------------------------------------------------------------


def _wait_all(run: Run, futures: list[Future]) -> list[Any]:
    """Record (or replay) the outcome of all `futures`, suspending until they have ended."""
    position = run.take("gather", "gather")
    recorded = position.recorded
    if recorded is not None:
        if recorded.status == "failed":
            _raise(serialization.loads(recorded.payload))
        return gathered(serialization.loads(recorded.payload))
    ids = [f.id for f in futures]
    states = _await(run, ids, _ALL)
    positions = [f.seq for f in futures if f.seq is not None]
    failure = run.guarded(lambda: _first_failure(run.runtime, futures, states))
    if failure is not None:
        failure["joined"] = positions
        run.commit(position, serialization.dumps(failure), status="failed")
        _raise(failure)
    results = "[" + ",".join(states[i].output or "null" for i in ids) + "]"
    payload = '{"joined":' + serialization.dumps(positions) + ',"results":' + results + "}"
    run.commit(position, payload)
    return gathered(serialization.loads(payload))


def gathered(recorded: Any) -> list[Any]:
    """The results a completed gather recorded: `{"joined", "results"}`, or an older bare list."""
    if isinstance(recorded, dict) and "results" in recorded:
        return cast(list[Any], recorded["results"])
    return cast(list[Any], recorded)


def joined(recorded: Any) -> list[int] | None:
    """The child positions a gather's record names as joined (None: recorded before joins were)."""
    if isinstance(recorded, dict) and isinstance(recorded.get("joined"), list):
        return [int(seq) for seq in recorded["joined"]]
    return None


def _wait_any(run: Run, futures: list[Future]) -> tuple[set[str], bool]:
    """Record (or replay) which of `futures` have ended, suspending until one has."""
    position = run.take("map", "map")
    if position.recorded is None:
        states = _await(run, [f.id for f in futures], _ANY)
        done = [f.id for f in futures if not states[f.id].open]
        failed = any(states[i].status != "completed" for i in done)
        payload = serialization.dumps({"done": done, "failed": failed})
        run.commit(position, payload)
    else:
        payload = position.recorded.payload or "{}"
    data = serialization.loads(payload)
    return set(data["done"]), bool(data["failed"])


def _all_ended(states: dict[str, ChildState]) -> bool:
    return not any(state.open for state in states.values())


def _any_ended(states: dict[str, ChildState]) -> bool:
    return any(not state.open for state in states.values())


@dataclasses.dataclass(frozen=True)
class _Wait:
    """What a durable wait waits for, judged on the children's states or on counts alone."""

    enough: Callable[[dict[str, ChildState]], bool]
    """Over, given the states of the awaited children."""
    enough_counted: Callable[[int, int], bool]
    """Over, given how many of the distinct awaited children are open, and how many there are."""
    needed: Callable[[int], int]
    """How many of the awaited open children must end (given how many are open) to end it."""


_ALL = _Wait(_all_ended, lambda open_, _total: open_ == 0, lambda open_: open_)
_ANY = _Wait(_any_ended, lambda open_, total: open_ < total, lambda _open: 1)


def _await(run: Run, ids: list[str], wait: _Wait) -> dict[str, ChildState]:
    """The children's states once `wait` is over; until then suspend (a durable wait).

    Before the parent decides to wait it stores how many of its children may still be open
    when it is woken (all open ones minus the `needed` ends), then looks again: a child that
    ends after that look sees the stored count and wakes it (a wake during the run is kept).
    The looks count open children; the states (results included) are read once, when the
    wait is over, so a gather of n children does not read n results to learn it must wait.
    """
    store = Children(run.runtime.store.connector)
    parent = run.workflow.id
    distinct = list(dict.fromkeys(ids))
    open_now = run.guarded(lambda: store.open_count(parent))  # counted before the others
    open_ids = run.guarded(lambda: store.open_among(distinct))
    if wait.enough_counted(open_ids, len(distinct)):
        states = run.guarded(lambda: _states(store, ids))
        if wait.enough(states):  # else a child was resumed meanwhile: wait for it
            if run.workflow.runs > 1:
                run.guarded(lambda: store.clear_wait(parent))  # left by an earlier run's wait
            return states
        open_ids = sum(state.open for state in states.values())
    # Children only end from here on, so `open_now - needed` is at least the number of open
    # children outside this wait by the time the wait is over.
    run.guarded(lambda: store.set_wait(parent, open_now - wait.needed(open_ids)))
    if wait.enough_counted(run.guarded(lambda: store.open_among(distinct)), len(distinct)):
        states = run.guarded(lambda: _states(store, ids))
        if wait.enough(states):
            run.guarded(lambda: store.clear_wait(parent))
            return states
    raise errors.Suspend(run.time() + RECHECK_SECONDS)


def _states(store: Children, ids: list[str]) -> dict[str, ChildState]:
    states = store.states(ids)
    for child_id in ids:
        if child_id not in states:
            raise errors.WorkflowNotFound(child_id)
    return states


def _first_failure(
    rt: Runtime, futures: list[Future], states: dict[str, ChildState]
) -> dict[str, Any] | None:
    """The stored form of the first of `futures` that did not complete, or None."""
    for index, future in enumerate(futures):
        state = states[future.id]
        if state.status != "completed":
            return {"index": index, **_failure(rt, future, state)}
    return None


def _failure(rt: Runtime, future: Future, state: ChildState) -> dict[str, Any]:
    """How a child that did not complete is raised in its parent, as stored history."""
    if state.status == "cancelled":
        return {"kind": "cancelled", "id": state.id}
    if isinstance(future, StepFuture):
        return {
            "kind": "step",
            "id": state.id,
            "step": future.step,
            "error": _step_error(rt, state),
        }
    record = rt.store.get_workflow(state.id)
    return {
        "kind": "workflow",
        "id": state.id,
        "type": state.error_type or "Error",
        "message": state.error_message or "",
        "traceback": record.error_traceback if record is not None else None,
    }


def _step_error(rt: Runtime, state: ChildState) -> dict[str, Any]:
    """The failed step's recorded error (type, module, message) from the child's history."""
    for event in rt.store.load_history(state.id):
        if event.kind == "step" and event.status == "failed" and event.payload:
            data = serialization.loads(event.payload)
            if isinstance(data, dict):
                return data
    return {"type": state.error_type or "Exception", "message": state.error_message or ""}


def _raise(failure: dict[str, Any]) -> NoReturn:
    kind = failure.get("kind")
    if kind == "cancelled":
        raise errors.WorkflowCancelled(str(failure["id"]))
    if kind == "workflow":
        raise errors.WorkflowFailed(
            str(failure["id"]), failure["type"], failure["message"], failure.get("traceback")
        )
    raise failures.rebuild(str(failure["step"]), serialization.dumps(failure["error"]))


# -- helpers --------------------------------------------------------------------------------


class _Children:
    """Children submitted since the parent's last durable point; created in one transaction.

    Held back (see `context.Run.batch`) so that a loop of submits costs one commit: the run
    commits the batch at its next durable point (a wait, a step, a recorded value, its end).
    """

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.children: list[NewChild] = []

    def commit(self, fence: base.Fence, now: float) -> Sequence[base.HistoryEvent]:
        """Create the children and their parent's history rows, fenced; wake the workers."""
        rt = self.runtime
        Children(rt.store.connector).create(fence, self.children, now)
        rt.notifier.work_available()
        return [
            base.HistoryEvent(
                fence.workflow_id, c.seq, "child", c.name, "completed", c.payload, 1, now, now
            )
            for c in self.children
        ]


def _defer(run: Run, child: NewChild) -> None:
    run.batch(_Children, lambda: _Children(run.runtime)).children.append(child)


def _child(
    run: Run,
    child_id: str,
    workflow: str,
    payload: str,
    queue: str | None,
    deadline: float | None,
    position: context.Position,
) -> NewChild:
    return NewChild(
        id=child_id,
        workflow=workflow,
        input=payload,
        queue=arguments.check_name(queue or run.workflow.queue, "queue"),
        priority=run.workflow.priority,
        deadline=deadline,
        seq=position.seq,
        name=workflow,
        payload='{"id":' + serialization.dumps(child_id) + "}",  # as dumps({"id": ...})
    )


def _current(helper: str) -> Run:
    return context.current(
        helper,
        "fan-out works inside an @app.workflow function (not in a step); outside, use app.start()",
    )


def _definition(run: Run, workflow: definitions.Workflow | str) -> definitions.Workflow:
    registry = run.runtime.registry
    if isinstance(workflow, str):
        return registry.workflow(workflow)
    if isinstance(workflow, workflow_mod.WorkflowDefinition):
        if registry.workflows.get(workflow.name) is not workflow:
            raise errors.ConfigurationError(
                f"workflow {workflow.name!r} is not registered with this app; decorate it "
                "with the same app's @app.workflow"
            )
        return workflow
    raise errors.ConfigurationError(
        f"start_child() takes a workflow (decorated with @app.workflow) or its name, "
        f"not {workflow!r}"
    )


def _own_child_id(run: Run, child_id: str, workflow: str) -> str:
    """A chosen child id: free, or already this parent's child of the same workflow."""
    if not isinstance(child_id, str) or not child_id.strip() or len(child_id) > 200:
        raise errors.ConfigurationError(
            f"child id {child_id!r} must be a non-empty string of at most 200 chars"
        )
    parent = run.workflow.id
    record = run.guarded(lambda: run.runtime.store.get_workflow(child_id))
    if record is not None and (record.parent_id != parent or record.workflow != workflow):
        raise errors.ConfigurationError(
            f"id {child_id!r} already belongs to a {record.workflow!r} workflow that is not a "
            f"child of {parent!r}; choose another id"
        )
    return child_id


def _bind(step: definitions.Step, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    arity = _arity(step.fn)
    if arity is not None and not kwargs and arity[0] <= len(args) <= arity[1]:
        return  # what Signature.bind would accept, known without its per-call work
    try:
        _signature(step.fn).bind(*args, **kwargs)
    except TypeError as exc:
        raise TypeError(f"step {step.name!r}.submit(): {exc}") from None


def _parameter_names(fn: Callable[..., Any]) -> list[str]:
    return list(_signature(fn).parameters)


@functools.lru_cache(maxsize=1024)
def _arity(fn: Callable[..., Any]) -> tuple[int, int] | None:
    """How many parameters of `fn` are required, and how many it has; None if not all positional.

    With no *args, **kwargs or keyword-only parameters, a call of positional arguments binds
    exactly when their number is within that range.
    """
    params = _signature(fn).parameters.values()
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if any(p.kind not in positional for p in params):
        return None
    return sum(p.default is p.empty for p in params), len(params)


@functools.lru_cache(maxsize=1024)
def _signature(fn: Callable[..., Any]) -> inspect.Signature:
    """`inspect.signature(fn)`, worked out once per step: a fan-out submits one step often."""
    return inspect.signature(fn)
