"""Queries and updates: read and change a running workflow's declared state from outside.

A workflow declares the state its handlers see with `podium.state(initial)` (a JSON-family
dict or list, mutated in place), and the handlers on its definition:

    @checkout.query("progress")
    def progress(state) -> dict: ...              # read-only; runs in the caller's process
    @checkout.update("add_item", validator=check_item)
    def add_item(state, item) -> dict: ...        # mutates state; its return value answers

Design (see docs/operating.md, "Queries and updates"):

- State snapshot: `podium.state()` records the initial state at a history position and
  stores a snapshot in the transaction of that history row; every applied update and every
  `podium.wait_condition`/`podium.save_state` that finds the state changed writes a newer
  snapshot the same way (fenced). A query runs its handler on the snapshot in the caller's
  process: no worker, no step, no history write, and it works while the workflow is
  suspended, paused, or finished (Restate's shared handlers read the object's state the same
  way).
- Updates travel as messages (topic `podium.update`, message id = update id, so a retried
  update is the same message). The caller checks the name and the argument, runs the
  validator against the snapshot (a rejection raises UpdateRejected and writes nothing),
  sends the message, and waits for the outcome. The workflow applies updates where it waits
  in `podium.wait_condition(...)`: it receives the message at one history position (exactly
  once, in order) and applies it at the next, writing the outcome and the new snapshot in
  that history row's transaction. On replay the handler runs again on the replayed state
  (so handlers must be deterministic, like workflow code) and the recorded outcome stands:
  an update is applied once, whatever crashes in between. Temporal applies updates between
  workflow tasks in the same spirit; its validator also runs on the worker, as here: an
  update whose validator rejects it at application (the state changed since the caller
  checked) is recorded as rejected and changes nothing.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import inspect
import time
import uuid
import weakref
from collections.abc import Callable
from typing import Any

from podium import context, definitions, errors, serialization
from podium.engine.runtime import Runtime
from podium.patterns import events, messages
from podium.store import base, operate
from podium.store import events as es
from podium.types import TERMINAL_STATUSES

TOPIC = "podium.update"
"""The message topic updates travel on."""
STATE, UPDATE, CLOCK = "state", "update", "now"
"""History kinds: a state snapshot, an update's application, the wait's recorded start."""


@dataclasses.dataclass(frozen=True)
class Handler:
    """A declared query or update handler: `fn(state)` or `fn(state, arg)`."""

    name: str
    fn: Callable[..., Any]
    validator: Callable[..., Any] | None = None

    @property
    def takes_arg(self) -> bool:
        """Whether the handler takes an argument after the state."""
        try:
            inspect.signature(self.fn).bind(None, None)
        except TypeError:
            return False
        return True


class Handlers:
    """The query and update handlers declared on one workflow definition."""

    def __init__(self, workflow: str) -> None:
        self.workflow = workflow
        self.queries: dict[str, Handler] = {}
        self.updates: dict[str, Handler] = {}

    def declare(
        self, kind: str, name: str, validator: Callable[..., Any] | None
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """The decorator `@wf.query(name)` / `@wf.update(name, validator=)` returns."""
        table = self.queries if kind == "query" else self.updates
        name = events.check_name(name, kind)
        if name in table:
            raise errors.ConfigurationError(
                f"workflow {self.workflow!r} already has a {kind} named {name!r}"
            )
        if validator is not None and not callable(validator):
            raise errors.ConfigurationError(f"validator={validator!r} must be a function")

        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            if not callable(fn) or inspect.iscoroutinefunction(fn):
                raise errors.ConfigurationError(
                    f"{kind} {name!r} of workflow {self.workflow!r} must be a plain function "
                    "taking the state (and, for an update, one argument)"
                )
            table[name] = Handler(name, fn, validator)
            return fn

        return register


def handlers_of(definition: definitions.Workflow) -> Handlers:
    """The handlers declared on `definition` (none for a workflow without any)."""
    found = getattr(definition, "handlers", None)
    return found if isinstance(found, Handlers) else Handlers(definition.name)


# -- in the workflow -----------------------------------------------------------------------


class _Declared:
    """The state a run declared, and the JSON of its last snapshot."""

    def __init__(self, value: Any, saved: str) -> None:
        self.value = value
        self.saved = saved


_declared: weakref.WeakKeyDictionary[Any, _Declared] = weakref.WeakKeyDictionary()


def state(initial: Any = None) -> Any:
    """Declare the state this workflow's queries and updates see; return it (mutable).

    `initial` (default `{}`) must be JSON-family; mutate the returned dict or list in place.
    Call it once, near the top of the workflow; replays return the recorded initial state.
    """
    run = context.current("state")
    if run in _declared:
        raise errors.ConfigurationError(
            f"workflow {run.workflow.id!r} called podium.state() twice; call it once and "
            "keep the object it returns"
        )
    position = run.take(STATE, "declare")
    if position.recorded is not None:
        value = serialization.loads(position.recorded.payload)
        _declared[run] = _Declared(value, str(position.recorded.payload))
        return value
    value = {} if initial is None else initial
    if not isinstance(value, dict | list):
        raise errors.ConfigurationError(
            f"podium.state({initial!r}) in workflow {run.workflow.id!r}: pass a dict or a list "
            "(handlers change it in place)"
        )
    text = _dumps(run, value)
    _commit(run, position, text, text)
    _declared[run] = _Declared(value, text)
    return value


def save_state() -> None:
    """Store a snapshot of the declared state now, if it changed (so queries see it)."""
    run = context.current("save_state")
    _save(run, _state_of(run, "save_state"))


def wait_condition(predicate: Callable[[], bool], timeout: events.Timeout = None) -> Any:
    """Apply updates as they arrive until `predicate()` is true; False on timeout.

    The workflow is unloaded while it waits (no thread held); each update is applied once,
    at its own history position. In an `async def` workflow write `await ...`.
    """
    run = context.current("wait_condition")
    declared = _state_of(run, "wait_condition")
    events.check_timeout(timeout)
    start = float(run.record(CLOCK, run.time))
    limit = context.deadline(timeout, start)
    until = None if limit is None else dt.datetime.fromtimestamp(limit, tz=dt.UTC)
    store = es.for_store(run.runtime.store)
    workflow_id = run.workflow.id
    definition = run.runtime.registry.workflows.get(run.workflow.workflow)
    table = {} if definition is None else handlers_of(definition).updates

    def register(
        seq: int, deadline: float | None, now: float
    ) -> tuple[es.Wait, es.Event | es.Message | None]:
        after = messages.consumed(run, TOPIC, seq)
        wait = es.Wait(workflow_id, seq, "message", TOPIC, None, after, deadline)
        return store.wait_for_message(wait, now)

    while not predicate():
        _save(run, declared)
        message = events.durable_wait(run, messages.RECEIVE, TOPIC, until, register)
        if message is None:
            return context.ready(run, False)
        _apply(run, declared, table, message)
    return context.ready(run, True)


def _state_of(run: context.Run, helper: str) -> _Declared:
    declared = _declared.get(run)
    if declared is None:
        raise errors.ConfigurationError(
            f"podium.{helper}() in workflow {run.workflow.id!r} needs its state: call "
            "podium.state(initial) first"
        )
    return declared


def _dumps(run: context.Run, value: Any) -> str:
    return serialization.dumps(
        value,
        what=f"state of workflow {run.workflow.id!r}",
        limit=run.runtime.settings.max_payload_bytes,
    )


def _commit(
    run: context.Run,
    position: context.Position,
    payload: str,
    snapshot: str | None,
    outcome: operate.Outcome | None = None,
) -> None:
    store = operate.for_store(run.runtime.store)
    now = run.time()

    def write(fence: base.Fence, row: base.HistoryEvent) -> None:
        store.commit(fence, row, now, snapshot, outcome)

    run.commit(position, payload, via=write)


def _save(run: context.Run, declared: _Declared) -> None:
    """Record a snapshot at a new position when the state changed since the last one."""
    text = _dumps(run, declared.value)
    if text == declared.saved:
        return
    position = run.take(STATE, "save")
    if position.recorded is None:
        _commit(run, position, text, text)
    declared.saved = text


def _apply(run: context.Run, declared: _Declared, table: dict[str, Handler], message: Any) -> None:
    """Apply one update message at the next position (or replay its recorded outcome)."""
    update_id, name, arg = str(message["id"]), str(message["name"]), message.get("arg")
    position = run.take(UPDATE, name)
    handler = table.get(name)
    if position.recorded is not None:
        if serialization.loads(position.recorded.payload)["outcome"] == "applied":
            assert handler is not None, f"update {name!r} was applied but is gone"
            _call(handler, declared.value, arg)
            declared.saved = _dumps(run, declared.value)
        return
    before = copy.deepcopy(declared.value)
    outcome, result, error = "applied", None, None
    try:
        if handler is None:
            raise errors.ConfigurationError(f"this workflow declares no update named {name!r}")
        if handler.validator is not None:
            try:
                _call_validator(handler, declared.value, arg)
            except Exception as exc:
                outcome, error = "rejected", str(exc) or type(exc).__name__
        if outcome == "applied":
            result = _call(handler, declared.value, arg)
    except Exception as exc:
        outcome, error = "failed", f"{type(exc).__name__}: {exc}"
    if outcome != "applied":
        _restore(declared.value, before)
    answer = None if outcome != "applied" else _dumps(run, result)
    snapshot = _dumps(run, declared.value) if outcome == "applied" else None
    record = operate.Outcome(update_id, name, outcome, answer, error, position.seq)
    body = serialization.dumps({"id": update_id, "outcome": outcome, "error": error})
    _commit(run, position, body, snapshot, record)
    if snapshot is not None:
        declared.saved = snapshot


def _restore(value: dict[str, Any] | list[Any], before: Any) -> None:
    """Put `before` back into the state object the workflow holds (in place)."""
    value.clear()
    if isinstance(value, dict):
        value.update(before)
    else:
        value.extend(before)


def _call(handler: Handler, value: Any, arg: Any) -> Any:
    return handler.fn(value, arg) if handler.takes_arg else handler.fn(value)


def _call_validator(handler: Handler, value: Any, arg: Any) -> None:
    assert handler.validator is not None
    if handler.takes_arg:
        handler.validator(value, arg)
    else:
        handler.validator(value)


# -- from outside --------------------------------------------------------------------------


def _lookup(
    rt: Runtime, workflow_id: str, kind: str, name: str
) -> tuple[base.WorkflowRecord, Handler]:
    record = rt.store.get_workflow(workflow_id)
    if record is None:
        raise errors.WorkflowNotFound(workflow_id)
    definition = rt.registry.workflows.get(record.workflow)
    if definition is None:
        raise errors.ConfigurationError(
            f"workflow {workflow_id!r} is a {record.workflow!r} workflow, which this app does "
            "not register; use the app that defines it"
        )
    handlers = handlers_of(definition)
    table = handlers.queries if kind == "query" else handlers.updates
    handler = table.get(name) if isinstance(name, str) else None
    if handler is None:
        raise errors.UnknownHandler(workflow_id, record.workflow, kind, str(name), sorted(table))
    return record, handler


def _snapshot(rt: Runtime, workflow_id: str) -> Any:
    found = operate.for_store(rt.store).state(workflow_id)
    return None if found is None else serialization.loads(found[0])


def query(rt: Runtime, workflow_id: str, name: str, arg: Any = None) -> Any:
    """Run query `name` of `workflow_id` on its latest state snapshot; return its answer."""
    record, handler = _lookup(rt, workflow_id, "query", name)
    _check_arg(record, "query", handler, arg)
    found = operate.for_store(rt.store).state(workflow_id)
    if found is None:
        raise errors.ConfigurationError(
            f"workflow {workflow_id!r} has no state yet (it is {record.status}; it declares "
            "its state with podium.state() when it first runs); query it again once it runs"
        )
    value = serialization.loads(found[0])
    try:
        return _call(handler, value, arg) if handler.takes_arg else handler.fn(value)
    except Exception as exc:
        raise errors.QueryFailed(workflow_id, name, f"{type(exc).__name__}: {exc}") from exc


def _check_arg(record: base.WorkflowRecord, kind: str, handler: Handler, arg: Any) -> None:
    if handler.takes_arg or arg is None:
        return
    raise errors.ConfigurationError(
        f"{kind} {handler.name!r} of workflow {record.id!r} takes no argument "
        f"({handler.name}{inspect.signature(handler.fn)}); call it without one"
    )


def update(
    rt: Runtime,
    workflow_id: str,
    name: str,
    arg: Any = None,
    *,
    timeout: float | None = 60.0,
    id: str | None = None,
) -> Any:
    """Send update `name` with `arg`, wait until the workflow applied it; return its answer.

    Raises UnknownHandler, UpdateRejected (validator; nothing written), WorkflowEnded,
    UpdateFailed (the handler raised), or TimeoutError (the update stays queued and is
    applied when the workflow next waits; the same `id=` again waits for that one).
    """
    record, handler = _lookup(rt, workflow_id, "update", name)
    if record.status in TERMINAL_STATUSES:
        raise errors.WorkflowEnded(workflow_id, record.status, f"update {name!r} of")
    _check_arg(record, "update", handler, arg)
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout < 0
    ):
        raise errors.ConfigurationError(f"timeout={timeout!r} must be seconds >= 0 or None")
    update_id = uuid.uuid4().hex if id is None else events.check_name(id, "id")
    store = operate.for_store(rt.store)
    if store.result(workflow_id, update_id) is None:
        current = _snapshot(rt, workflow_id)
        if handler.validator is not None and current is not None:
            try:
                _call_validator(handler, current, arg)
            except Exception as exc:
                raise errors.UpdateRejected(
                    workflow_id, name, str(exc) or type(exc).__name__
                ) from None
        payload = {"id": update_id, "name": name, "arg": arg}
        messages.send(rt, workflow_id, TOPIC, payload, id=update_id)
    return _answer(rt, workflow_id, name, update_id, timeout)


def _answer(rt: Runtime, workflow_id: str, name: str, update_id: str, timeout: float | None) -> Any:
    store = operate.for_store(rt.store)
    give_up = None if timeout is None else time.monotonic() + timeout
    pause, checks = 0.001, 0
    while True:
        found = store.result(workflow_id, update_id)
        if found is not None:
            return _outcome(workflow_id, found)
        checks += 1
        if checks % 20 == 0:
            record = rt.store.get_workflow(workflow_id)
            if record is not None and record.status in TERMINAL_STATUSES:
                found = store.result(workflow_id, update_id)
                if found is not None:
                    return _outcome(workflow_id, found)
                raise errors.WorkflowEnded(
                    workflow_id, record.status, f"apply update {name!r} ({update_id}) to"
                )
        if give_up is not None and time.monotonic() >= give_up:
            raise TimeoutError(
                f"update {name!r} ({update_id}) of workflow {workflow_id!r} was not applied "
                f"within {timeout}s; it stays queued and is applied when the workflow next "
                f"waits in podium.wait_condition (call update again with id={update_id!r} to "
                "wait for its answer)"
            )
        time.sleep(pause)
        pause = min(pause * 1.5, 0.05)


def _outcome(workflow_id: str, found: operate.Outcome) -> Any:
    if found.outcome == "applied":
        return serialization.loads(found.result)
    if found.outcome == "rejected":
        raise errors.UpdateRejected(workflow_id, found.name, found.error or "")
    raise errors.UpdateFailed(workflow_id, found.name, found.error or "")
