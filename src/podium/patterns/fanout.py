"""Fan-out / fan-in and child workflows: `step.submit`, `gather`, `map` and `start_child`.

A submitted step is a child task: a workflow row (`parent_id` set) that runs the step once, as
a durable step, on any worker serving its queue. The parent creates each child at a history
position (kind "child"; id "<parent id>/<position>" unless given), so a replay creates nothing
twice. Submits are batched: they are created together, in one transaction, at the parent's
next durable point (a wait, a step, a recorded value, or the end of its run).

Waiting (`gather`, a child handle's `result()`, the window of `map`) is a durable wait: the
parent is unloaded, and the end of the child that completes its wait wakes it. The outcome is
recorded at the wait's position, so a replay never reads the children again.

Failures: `gather` waits for all its futures, then raises the error of the first failed one in
argument order. A submitted step raises the step's own error (rebuilt as a replayed failed step
is), a child workflow raises `WorkflowFailed`, a cancelled child `WorkflowCancelled`.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Generator, Iterable
from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeVar, cast

from podium import context, errors, serialization
from podium import workflow as workflow_mod
from podium.engine import failures
from podium.store import base
from podium.store import children as store_children
from podium.store.children import Children, ChildState, NewChild

if TYPE_CHECKING:
    from podium.engine.executor import Execution
    from podium.engine.runtime import Runtime

R = TypeVar("R")

RUNNER_PREFIX = "podium.step:"
"""Workflow name of the internal workflow that runs a submitted step: prefix + step name."""

RECHECK_SECONDS = 60.0
"""A waiting parent looks at its children again after this long even if never woken: the
worker of its last child may die between storing the child's end and waking the parent."""

DRIVE_BATCH = 64


# -- the internal workflow that runs one submitted step -------------------------------------


def runner_name(step: Any) -> str:
    """The workflow name under which `step` runs as a child task."""
    return RUNNER_PREFIX + str(step.name)


def runner(step: Any) -> workflow_mod.WorkflowDefinition[..., Any]:
    """The internal workflow that calls `step` once, as a durable step (made once per step)."""
    made: workflow_mod.WorkflowDefinition[..., Any] | None = getattr(step, "_podium_runner", None)
    if made is not None:
        return made

    async def run_async_step(*args: Any, **kwargs: Any) -> Any:
        return await step(*args, **kwargs)

    def run_step(*args: Any, **kwargs: Any) -> Any:
        return step(*args, **kwargs)

    fn: Callable[..., Any] = run_async_step if step.is_async else run_step
    made = workflow_mod.WorkflowDefinition(fn, runner_name(step), workflow_mod.WorkflowOptions())
    step._podium_runner = made
    return made


def register_runner(registry: Any, step: Any) -> None:
    """Make `step` runnable as a child task by every worker of the app that has `registry`."""
    registry.workflows[runner_name(step)] = runner(step)


# -- futures and handles ------------------------------------------------------------------


class StepFuture(Generic[R]):
    """A submitted step: a child task any worker may run. Wait for it with `podium.gather`."""

    def __init__(self, child_id: str, step: str) -> None:
        self.id = child_id
        self.step = step

    def __repr__(self) -> str:
        return f"<StepFuture {self.step!r} {self.id!r}>"

    def result(self) -> Any:
        """Wait durably for this step's result (inside the workflow that submitted it)."""
        run = _current("result")
        return _deliver(run, _wait_all(run, [self])[0])


class ChildHandle(workflow_mod.WorkflowHandle):
    """The handle of a child workflow; inside its parent, `result()` is a durable wait."""

    def __init__(self, runtime: Runtime, workflow_id: str, workflow: str) -> None:
        super().__init__(runtime, workflow_id)
        self.workflow = workflow

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
        execution = cast("Execution", run)
        return _deliver(execution, _wait_all(execution, [self])[0])


Future = StepFuture[Any] | ChildHandle


class Ready:
    """An awaitable of a value already known: what waits return in `async def` workflows."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __await__(self) -> Generator[Any, None, Any]:
        yield from ()
        return self.value


# -- the public verbs -----------------------------------------------------------------------


def submit(
    step: Any, args: tuple[Any, ...], kwargs: dict[str, Any], queue: str | None = None
) -> StepFuture[Any]:
    """Submit `step(*args, **kwargs)` as a child task of the running workflow."""
    run = _current("submit")
    name = runner_name(step)
    seq, event = run.cursor.advance("child", name)
    future: StepFuture[Any] = StepFuture(f"{run.wf.id}/{seq}", step.name)
    if event is not None:
        return future
    if run.rt.registry.workflows.get(name) is None:
        register_runner(run.rt.registry, step)
    definition = runner(step)
    _bind(step, args, kwargs)
    payload = serialization.dumps_call(
        args,
        kwargs,
        owner=f"step {step.name!r}",
        names=_parameter_names(step.fn),
        limit=run.rt.settings.max_payload_bytes,
    )
    _defer(run, _child(run, future.id, definition.name, payload, queue, None, seq))
    return future


def start_child(
    workflow: workflow_mod.WorkflowDefinition[..., Any] | str,
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
    seq, event = run.cursor.advance("child", definition.name)
    if event is not None:
        child_id = str(serialization.loads(event.payload)["id"])
        return ChildHandle(run.rt, child_id, definition.name)
    definition.bind(args, kwargs)
    child_id = f"{run.wf.id}/{seq}" if id is None else _own_child_id(run, id, definition.name)
    payload = serialization.dumps_call(
        args,
        kwargs,
        owner=f"workflow {definition.name!r}",
        names=definition.parameter_names(),
        limit=run.rt.settings.max_payload_bytes,
    )
    timeout = definition.options.timeout
    deadline = None if timeout is None else run.rt.clock.time() + timeout
    queue = queue or definition.options.queue
    _defer(run, _child(run, child_id, definition.name, payload, queue, deadline, seq))
    return ChildHandle(run.rt, child_id, definition.name)


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
        return _deliver(run, [])
    return _deliver(run, _wait_all(run, list(futures)))


def map(
    step: Any,
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
    limit = _check_limit(max_concurrency)
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
    return _deliver(run, _wait_all(run, futures) if futures else [])


# -- engine hooks -------------------------------------------------------------------------


def child_ended(rt: Runtime, parent_id: str) -> None:
    """After a child's end is stored: wake its parent if that may complete the parent's wait."""
    try:
        if store_children.wake_parent(rt.store, parent_id, rt.clock.time()):
            rt.notifier.work_available()
            rt.notifier.run_ended(parent_id)
    except Exception as exc:
        rt.log.warning(
            "workflow %s: could not wake it after a child ended (%s: %s); it looks at its "
            "children again within %ss",
            parent_id,
            type(exc).__name__,
            exc,
            RECHECK_SECONDS,
        )


def drive_children(rt: Runtime, workflow_id: str, owner: str) -> bool:
    """Run the ready descendants of `workflow_id` in this thread (app.run); whether any ran."""
    from podium.engine import worker  # here: worker imports the executor, which imports us

    store = Children(rt.store.connector)
    never = threading.Event()
    ran = False
    while True:
        progress = False
        for child_id in store.ready_descendants(workflow_id, rt.clock.time(), DRIVE_BATCH):
            claim = rt.store.claim_one(child_id, owner, rt.clock.time(), rt.settings.lease_seconds)
            if claim is not None:
                worker.execute(rt, claim, never)
                ran = progress = True
        if not progress:
            return ran


# -- durable waits --------------------------------------------------------------------------


def _wait_all(run: Execution, futures: list[Future]) -> list[Any]:
    """Record (or replay) the outcome of all `futures`, suspending until they have ended."""
    seq, event = run.cursor.advance("gather", "gather")
    if event is not None:
        if event.status == "failed":
            _raise(serialization.loads(event.payload))
        return cast(list[Any], serialization.loads(event.payload))
    run.check_continue()
    ids = [f.id for f in futures]
    states = _await(run, ids, _all_ended, lambda s: sum(s[i].open for i in set(ids)))
    failure = _guarded(lambda: _first_failure(run.rt, futures, states))
    if failure is not None:
        _record(run, seq, "gather", "failed", serialization.dumps(failure))
        _raise(failure)
    payload = "[" + ",".join(states[i].output or "null" for i in ids) + "]"
    _record(run, seq, "gather", "completed", payload)
    return cast(list[Any], serialization.loads(payload))


def _wait_any(run: Execution, futures: list[Future]) -> tuple[set[str], bool]:
    """Record (or replay) which of `futures` have ended, suspending until one has."""
    seq, event = run.cursor.advance("map", "map")
    if event is None:
        run.check_continue()
        states = _await(run, [f.id for f in futures], _any_ended, lambda _s: 1)
        done = [f.id for f in futures if not states[f.id].open]
        failed = any(states[i].status != "completed" for i in done)
        payload = serialization.dumps({"done": done, "failed": failed})
        _record(run, seq, "map", "completed", payload)
    else:
        payload = event.payload or "{}"
    data = serialization.loads(payload)
    return set(data["done"]), bool(data["failed"])


def _all_ended(states: dict[str, ChildState]) -> bool:
    return not any(state.open for state in states.values())


def _any_ended(states: dict[str, ChildState]) -> bool:
    return any(not state.open for state in states.values())


def _await(
    run: Execution,
    ids: list[str],
    enough: Callable[[dict[str, ChildState]], bool],
    needed: Callable[[dict[str, ChildState]], int],
) -> dict[str, ChildState]:
    """The children's states once `enough` holds; until then suspend (a durable wait).

    Before the parent decides to wait it stores how many of its children may still be open
    when it is woken (all open ones minus the `needed` ends), then looks again: a child that
    ends after that look sees the stored count and wakes it (a wake during the run is kept).
    """
    store = Children(run.rt.store.connector)
    parent = run.wf.id
    open_now = _guarded(lambda: store.open_count(parent))  # counted before the states: see below
    states = _guarded(lambda: _states(store, ids))
    if enough(states):
        if run.wf.runs > 1:
            _guarded(lambda: store.clear_wait(parent))  # left by an earlier run's wait
        return states
    # Children only end from here on, so `open_now - needed` is at least the number of open
    # children outside this wait by the time the wait is over.
    _guarded(lambda: store.set_wait(parent, open_now - needed(states)))
    states = _guarded(lambda: _states(store, ids))
    if enough(states):
        _guarded(lambda: store.clear_wait(parent))
        return states
    raise errors.Suspend(run.rt.clock.time() + RECHECK_SECONDS)


def _states(store: Children, ids: list[str]) -> dict[str, ChildState]:
    states = store.states(ids)
    for child_id in ids:
        if child_id not in states:
            raise errors.WorkflowNotFound(child_id)
    return states


def _guarded(read: Callable[[], R]) -> R:
    """A store call inside the workflow: a store fault hands the run back, never fails it."""
    try:
        return read()
    except errors.PodiumError:
        raise
    except Exception as exc:
        raise errors.StoreFault(exc) from exc


def _record(run: Execution, seq: int, kind: str, status: str, payload: str) -> None:
    now = run.rt.clock.time()
    run.append(base.HistoryEvent(run.wf.id, seq, kind, kind, status, payload, 1, now, now))


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


class _Batch:
    """Children submitted since the parent's last durable point; created together on flush."""

    def __init__(self, run: Execution) -> None:
        self.run = run
        self.children: list[NewChild] = []

    def __call__(self) -> None:
        run = self.run
        now = run.rt.clock.time()
        Children(run.rt.store.connector).create(run.fence, self.children, now)
        for child in self.children:
            run.cursor.add(
                base.HistoryEvent(
                    run.wf.id,
                    child.seq,
                    "child",
                    child.name,
                    "completed",
                    child.payload,
                    1,
                    now,
                    now,
                )
            )
        run.rt.notifier.work_available()


def _defer(run: Execution, child: NewChild) -> None:
    batch = run.deferred
    if not isinstance(batch, _Batch):
        run.flush()
        batch = _Batch(run)
        run.deferred = batch
    batch.children.append(child)


def _child(
    run: Execution,
    child_id: str,
    workflow: str,
    payload: str,
    queue: str | None,
    deadline: float | None,
    seq: int,
) -> NewChild:
    return NewChild(
        id=child_id,
        workflow=workflow,
        input=payload,
        queue=_check_queue(queue or run.wf.queue),
        priority=run.wf.priority,
        deadline=deadline,
        seq=seq,
        name=workflow,
        payload=serialization.dumps({"id": child_id}),
    )


def _current(helper: str) -> Execution:
    run = context.current_run.get()
    if run is None:
        raise errors.PodiumError(
            f"podium {helper}() was called outside a workflow; fan-out works inside an "
            "@app.workflow function (not in a step); outside, use app.start()"
        )
    return cast("Execution", run)


def _definition(
    run: Execution, workflow: workflow_mod.WorkflowDefinition[..., Any] | str
) -> workflow_mod.WorkflowDefinition[..., Any]:
    registry = run.rt.registry
    if isinstance(workflow, str):
        return cast(workflow_mod.WorkflowDefinition[..., Any], registry.workflow(workflow))
    if isinstance(workflow, workflow_mod.WorkflowDefinition):
        if registry.workflows.get(workflow.name) is not workflow:
            raise errors.ConfigurationError(
                f"workflow {workflow.name!r} is not registered with this app; decorate it "
                "with the same app's @app.workflow"
            )
        return cast(workflow_mod.WorkflowDefinition[..., Any], workflow)
    raise errors.ConfigurationError(
        f"start_child() takes a workflow (decorated with @app.workflow) or its name, "
        f"not {workflow!r}"
    )


def _own_child_id(run: Execution, child_id: str, workflow: str) -> str:
    """A chosen child id: free, or already this parent's child of the same workflow."""
    if not isinstance(child_id, str) or not child_id.strip() or len(child_id) > 200:
        raise errors.ConfigurationError(
            f"child id {child_id!r} must be a non-empty string of at most 200 chars"
        )
    record = _guarded(lambda: run.rt.store.get_workflow(child_id))
    if record is not None and (record.parent_id != run.wf.id or record.workflow != workflow):
        raise errors.ConfigurationError(
            f"id {child_id!r} already belongs to a {record.workflow!r} workflow that is not a "
            f"child of {run.wf.id!r}; choose another id"
        )
    return child_id


def _bind(step: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    try:
        inspect.signature(step.fn).bind(*args, **kwargs)
    except TypeError as exc:
        raise TypeError(f"step {step.name!r}.submit(): {exc}") from None


def _parameter_names(fn: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(fn).parameters)


def _check_limit(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise errors.ConfigurationError(f"max_concurrency={value!r} must be an integer >= 1")
    return value


def _check_queue(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise errors.ConfigurationError(f"queue={value!r} must be a non-empty string")
    return value


def _deliver(run: Execution, value: Any) -> Any:
    """`value`, awaitable in an `async def` workflow."""
    return Ready(value) if run.is_async else value
