"""`app.state_machine`: durable state machines whose instances each run as a podium workflow.

`send` validates an event with the pure transition function (see `machinedef`) and commits
the transition in one transaction with optimistic concurrency (see `store.machines`), so
concurrent sends to one instance serialize and a refused event writes nothing. Each instance
has a workflow `podium.machine:<name>` (id `<name>:<instance>`) that reads the transition log
and runs the `on_exit`/`on_enter` actions of every transition as durable steps, in log order,
then waits durably for the next transition; it ends when a final state is reached.

Actions run after their transition committed, exactly once each as a step (a crash replays
completed ones and reruns only the one in flight). An action that gives up fails the
instance's workflow; `app.resume(<name>:<instance>)` retries it, and transitions made
meanwhile are kept and acted on in order. Creating an instance does not run `on_enter` of the
initial state: actions belong to transitions, one history entry each.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from podium import context, definitions, errors, serialization
from podium import registry as registry_mod
from podium import step as step_mod
from podium import workflow as workflow_mod
from podium.engine.runtime import Runtime
from podium.patterns import machinedef
from podium.store import machines

MachineInstance = machines.MachineInstance
TransitionRecord = machines.TransitionRecord

WORKFLOW_PREFIX = "podium.machine:"
WAIT_KIND = "machine"
WAIT_NAME = "transitions"
BATCH = 100
"""Transitions one durable wait takes at most, so one wait never loads an unbounded log."""
MAX_CONFLICTS = 1000
"""Sends that lose a race re-read and retry; past this many the store is pathologically busy."""
MAX_ID_LENGTH = 200

A = TypeVar("A", bound=Callable[..., Any])


class Host(Protocol):
    """What a state machine needs of the App it is registered in."""

    @property
    def runtime(self) -> Runtime:
        """The engine (store, clock, settings, notifier)."""
        ...

    registry: registry_mod.Registry

    def start(
        self, workflow: definitions.Workflow | str, /, *args: Any, id: str | None = None
    ) -> workflow_mod.WorkflowHandle:
        """Start a workflow durably (idempotent per id)."""
        ...


class MachineWorkflow(workflow_mod.WorkflowDefinition[[str], dict[str, Any]]):
    """The workflow that runs the actions of one state machine's instances."""

    def __init__(self, machine: StateMachine, fn: Callable[[str], dict[str, Any]], queue: str):
        super().__init__(fn, fn.__name__, workflow_mod.WorkflowOptions(queue))
        self.machine = machine


class StateMachine:
    """A registered state machine: create instances, send them events, read their history."""

    def __init__(self, app: Host, definition: machinedef.MachineDefinition, queue: str) -> None:
        self._app = app
        self.definition = definition
        self.name = definition.name
        self._actions: dict[tuple[str, str], list[step_mod.StepDefinition[..., Any]]] = {}
        self.workflow = self._workflow_definition(queue)

    def __repr__(self) -> str:
        return f"<podium state machine {self.name!r}>"

    # -- definition ------------------------------------------------------------------------

    def on_enter(self, state: str) -> Callable[[A], A]:
        """Decorator: run `action(transition)` as a durable step whenever `state` is entered.

        `action` is an `@app.step` or a plain function (made a step named
        `<machine>.on_enter.<state>.<function>`); it gets the transition as a dict with
        machine, instance, seq, event, from, to, at, payload and data.
        """
        return self._hook("on_enter", state)

    def on_exit(self, state: str) -> Callable[[A], A]:
        """Decorator: like `on_enter`, for every transition that leaves `state`."""
        return self._hook("on_exit", state)

    def to_mermaid(self, highlight: str | None = None) -> str:
        """The machine as Mermaid `stateDiagram-v2` text; `highlight` marks a state (current)."""
        return self.definition.to_mermaid(highlight)

    # -- instances -------------------------------------------------------------------------

    def create(self, instance: str, data: Any = None) -> MachineInstance:
        """Create `instance` in the initial state with `data` and start its workflow.

        Idempotent per id: creating an existing instance changes nothing and returns it.
        """
        self._outside_workflow("create")
        wf_id = self.workflow_id(instance)
        text = self._dumps(data, f"data of state machine {self.name!r} instance {instance!r}")
        rt = self._app.runtime
        self._store().create(self.name, instance, self.definition.initial, text, rt.clock.time())
        self._app.start(self.workflow, instance, id=wf_id)
        return self.get(instance)

    def send(self, instance: str, event: str, payload: Any = None) -> TransitionRecord:
        """Apply `event` to `instance` atomically; return the transition it made.

        Raises InvalidTransition (and changes nothing) when no transition from the current
        state accepts the event. Concurrent sends to one instance are serialized.
        """
        self._outside_workflow("send")
        text = self._dumps(payload, f"payload of event {event!r} to {self.name!r}")
        decoded = serialization.loads(text)
        store = self._store()
        for attempt in range(MAX_CONFLICTS):
            move = self._move(self.get(instance), event, decoded, text)
            record = store.advance(move, self._app.runtime.clock.time())
            if record is not None:
                self._wake(instance)
                return record
            time.sleep(random.uniform(0, min(0.05, 0.001 * (attempt + 1))))
        raise errors.PodiumError(
            f"state machine {self.name!r} instance {instance!r}: event {event!r} lost "
            f"{MAX_CONFLICTS} races with other sends in a row; retry it"
        )

    def get(self, instance: str) -> MachineInstance:
        """The stored instance (state, data, version); WorkflowNotFound if it does not exist."""
        wf_id = self.workflow_id(instance)
        found = self._store().get(self.name, instance)
        if found is None:
            raise errors.WorkflowNotFound(wf_id)
        return found

    def state(self, instance: str) -> str:
        """The current state of `instance`."""
        return self.get(instance).state

    def history(self, instance: str) -> list[TransitionRecord]:
        """Every transition of `instance`, oldest first (event, from, to, at, payload)."""
        self.workflow_id(instance)  # validates the id
        records = self._store().transitions(self.name, instance)
        if not records:
            self.get(instance)  # WorkflowNotFound for an unknown instance
        return records

    def instances(
        self, state: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[MachineInstance]:
        """Instances of this machine, by id; only those in `state` when given."""
        return self._store().instances(self.name, state, limit, offset)

    def handle(self, instance: str) -> workflow_mod.WorkflowHandle:
        """The handle of the workflow that runs `instance`'s actions."""
        rt = self._app.runtime
        wf_id = self.workflow_id(instance)
        if rt.store.get_workflow(wf_id) is None:
            raise errors.WorkflowNotFound(wf_id)
        return workflow_mod.WorkflowHandle(rt, wf_id)

    def workflow_id(self, instance: str) -> str:
        """The id of `instance`'s workflow: `<machine>:<instance>`."""
        wf_id = f"{self.name}:{instance}"
        if not isinstance(instance, str) or not instance.strip() or len(wf_id) > MAX_ID_LENGTH:
            raise errors.ConfigurationError(
                f"state machine {self.name!r} instance id {instance!r} must be a non-empty "
                f"string of at most {MAX_ID_LENGTH - len(self.name) - 1} chars"
            )
        return wf_id

    # -- internals -------------------------------------------------------------------------

    def _hook(self, kind: str, state: str) -> Callable[[A], A]:
        if state not in self.definition.states:
            raise errors.ConfigurationError(
                f"state machine {self.name!r}.{kind}({state!r}): no such state "
                f"(states: {', '.join(self.definition.states)})"
            )
        if kind == "on_exit" and state in self.definition.final:
            raise errors.ConfigurationError(
                f"state machine {self.name!r}.on_exit({state!r}): a final state is never left"
            )

        def register(action: A) -> A:
            self._actions.setdefault((kind, state), []).append(self._as_step(kind, state, action))
            return action

        return register

    def _as_step(self, kind: str, state: str, action: Any) -> step_mod.StepDefinition[..., Any]:
        if isinstance(action, step_mod.StepDefinition):
            return action
        if not callable(action):
            raise errors.ConfigurationError(
                f"state machine {self.name!r}.{kind}({state!r}) takes a function or an "
                f"@app.step, not {action!r}"
            )
        name = f"{self.name}.{kind}.{state}.{getattr(action, '__name__', 'action')}"
        step = step_mod.StepDefinition(action, name, step_mod.StepOptions())
        self._app.registry.add_step(step)
        return step

    def _workflow_definition(self, queue: str) -> MachineWorkflow:
        def machine(instance: str) -> dict[str, Any]:
            return self._run(instance)

        machine.__name__ = machine.__qualname__ = WORKFLOW_PREFIX + self.name
        machine.__doc__ = f"Runs the actions of state machine {self.name!r} instances."
        return MachineWorkflow(self, machine, queue)

    def _run(self, instance: str) -> dict[str, Any]:
        """The instance's workflow body: act on each transition in log order until final."""
        processed = 0
        log = _LogReader(self, instance)
        while True:
            for transition in self._await_transitions(log, processed):
                self._act(instance, transition)
                processed = transition.seq
                if transition.target in self.definition.final:
                    return {"state": transition.target, "transitions": transition.seq}

    def _act(self, instance: str, transition: TransitionRecord) -> None:
        actions = [
            *self._actions.get(("on_exit", transition.source), []),
            *self._actions.get(("on_enter", transition.target), []),
        ]
        for action in actions:  # each gets its own dict: one action's edits never leak
            action({"machine": self.name, "instance": instance, **transition.as_dict()})

    def _await_transitions(self, log: _LogReader, after: int) -> list[TransitionRecord]:
        """Durable wait for transitions past `after`: replayed from the recorded range."""
        run = context.current("machine")
        position = run.take(WAIT_KIND, WAIT_NAME)
        if position.recorded is not None:
            return log.replay(after, int(serialization.loads(position.recorded.payload)["upto"]))
        started = run.time()
        found = log.read(after, after + BATCH)
        if not found:
            raise errors.Suspend(None)  # `send` wakes the workflow after its commit
        run.commit(
            position, serialization.dumps({"after": after, "upto": found[-1].seq}), started=started
        )
        return found

    def _move(self, current: MachineInstance, event: str, payload: Any, text: str) -> machines.Move:
        decision = self.definition.decide(current.state, event, current.data, payload)
        if decision is None:
            raise errors.InvalidTransition(self.name, current.id, current.state, event)
        data = self._dumps(
            decision.data, f"data of state machine {self.name!r} after event {event!r}"
        )
        return machines.Move(current, event, decision.target, text, data)

    def _wake(self, instance: str) -> None:
        """Tell the instance's workflow a transition is waiting; start it if it is missing."""
        rt = self._app.runtime
        wf_id = self.workflow_id(instance)
        if not rt.store.wake(wf_id, rt.clock.time()) and rt.store.get_workflow(wf_id) is None:
            self._app.start(self.workflow, instance, id=wf_id)  # created, then crashed
        rt.notifier.work_available()

    def _store(self) -> machines.MachineStore:
        return machines.MachineStore(self._app.runtime.store)

    def _dumps(self, value: Any, what: str) -> str:
        limit = self._app.runtime.settings.max_payload_bytes
        return serialization.dumps(value, what=what, limit=limit, checked=True)

    def _outside_workflow(self, verb: str) -> None:
        if context.current_run.get() is not None:
            raise errors.PodiumError(
                f"state machine {self.name!r}.{verb}() was called in workflow code, where a "
                "replay would repeat it; call it inside an @app.step (or outside workflows)"
            )


def register(app: Host, definition: machinedef.MachineDefinition, queue: str) -> StateMachine:
    """Register the workflow of the validated machine `definition` on `app`; its handle."""
    if WORKFLOW_PREFIX + definition.name in app.registry.workflows:
        raise errors.ConfigurationError(
            f"a state machine named {definition.name!r} is already registered in this app"
        )
    machine = StateMachine(app, definition, queue)
    app.registry.add_workflow(machine.workflow)
    return machine


class _LogReader:
    """An instance's transition log as one workflow run reads it.

    A replay revisits every recorded wait; the log is append-only, so it is read in large
    chunks and kept, instead of one query per wait.
    """

    CHUNK = 1000

    def __init__(self, machine: StateMachine, instance: str) -> None:
        self._machine = machine
        self._instance = instance
        self._seen: dict[int, TransitionRecord] = {}

    def replay(self, after: int, upto: int) -> list[TransitionRecord]:
        """The recorded transitions `after < seq <= upto` (read once per chunk)."""
        wanted = range(after + 1, upto + 1)
        if any(seq not in self._seen for seq in wanted):
            for record in self.read(after, max(upto, after + self.CHUNK)):
                self._seen[record.seq] = record
        return [self._seen[seq] for seq in wanted]

    def read(self, after: int, upto: int) -> list[TransitionRecord]:
        """Transitions `after < seq <= upto` from the store; a store failure hands the run back."""
        try:
            return self._machine._store().transitions(
                self._machine.name, self._instance, after, upto
            )
        except Exception as exc:
            raise errors.StoreFault(exc) from exc
