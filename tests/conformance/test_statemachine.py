"""State machines through the engine, on every store: transitions, actions, guards, races."""

import threading
from collections import Counter
from typing import Any

import pytest

import podium
from podium.patterns import statemachine
from podium.store import machines

TICKET = [
    ("start", "open", "in_progress"),
    ("resolve", "in_progress", "resolved"),
    ("reopen", "resolved", "open"),
    ("close", "resolved", "closed"),
]


def ticket_machine(app: podium.App, name: str = "ticket") -> statemachine.StateMachine:
    return app.state_machine(name, initial="open", transitions=TICKET, final=["closed"])


def test_create_send_state_and_history(app: podium.App):
    ticket = ticket_machine(app)
    created = ticket.create("T-1", {"title": "printer on fire"})
    assert (created.state, created.data, created.version) == (
        "open",
        {"title": "printer on fire"},
        0,
    )

    moved = ticket.send("T-1", "start", {"by": "ada"})
    assert (moved.seq, moved.event, moved.source, moved.target) == (
        1,
        "start",
        "open",
        "in_progress",
    )
    assert ticket.state("T-1") == "in_progress"
    ticket.send("T-1", "resolve")

    history = ticket.history("T-1")
    assert [(h.seq, h.event, h.source, h.target, h.payload) for h in history] == [
        (1, "start", "open", "in_progress", {"by": "ada"}),
        (2, "resolve", "in_progress", "resolved", None),
    ]
    assert history[0].at <= history[1].at
    assert history[0].as_dict()["from"] == "open"
    assert ticket.get("T-1").version == 2


def test_an_invalid_event_is_refused_and_changes_nothing(app: podium.App):
    ticket = ticket_machine(app)
    ticket.create("T-1")
    ticket.send("T-1", "start")
    before = (ticket.get("T-1"), ticket.history("T-1"))

    with pytest.raises(podium.InvalidTransition) as caught:
        ticket.send("T-1", "reopen", {"why": "typo"})
    assert (caught.value.machine, caught.value.instance) == ("ticket", "T-1")
    assert (caught.value.state, caught.value.event) == ("in_progress", "reopen")
    with pytest.raises(podium.InvalidTransition):
        ticket.send("T-1", "no-such-event")
    assert (ticket.get("T-1"), ticket.history("T-1")) == before


def test_create_is_idempotent_per_id(app: podium.App):
    ticket = ticket_machine(app)
    ticket.create("T-1", {"v": 1})
    ticket.send("T-1", "start")
    again = ticket.create("T-1", {"v": 2})
    assert (again.state, again.data, again.version) == ("in_progress", {"v": 1}, 1)
    assert [w.id for w in app.list(workflow="podium.machine:ticket")] == ["ticket:T-1"]


def test_instances_of_two_machines_are_independent(app: podium.App):
    ticket, other = ticket_machine(app), ticket_machine(app, "bug")
    ticket.create("1")
    other.create("1")
    ticket.send("1", "start")
    assert (ticket.state("1"), other.state("1")) == ("in_progress", "open")
    assert [i.id for i in ticket.instances(state="in_progress")] == ["1"]
    assert other.instances(state="in_progress") == []


def test_unknown_instances_raise_workflow_not_found(app: podium.App):
    ticket = ticket_machine(app)
    for call in (
        lambda: ticket.state("nope"),
        lambda: ticket.history("nope"),
        lambda: ticket.send("nope", "start"),
    ):
        with pytest.raises(podium.WorkflowNotFound) as caught:
            call()
        assert caught.value.workflow_id == "ticket:nope"


def test_unstorable_data_or_payload_writes_nothing(app: podium.App):
    ticket = ticket_machine(app)
    with pytest.raises(podium.SerializationError):
        ticket.create("T-1", {"when": object()})
    with pytest.raises(podium.WorkflowNotFound):
        ticket.state("T-1")
    ticket.create("T-2")
    with pytest.raises(podium.SerializationError):
        ticket.send("T-2", "start", {"who": object()})
    assert ticket.history("T-2") == []


def test_definition_errors_name_the_problem(app: podium.App):
    ticket = ticket_machine(app)
    with pytest.raises(podium.ConfigurationError, match="already registered"):
        ticket_machine(app)
    with pytest.raises(podium.ConfigurationError, match="no such state"):
        ticket.on_enter("archived")
    with pytest.raises(podium.ConfigurationError, match="a final state is never left"):
        ticket.on_exit("closed")
    with pytest.raises(podium.ConfigurationError, match="unreachable"):
        app.state_machine("bad", initial="a", transitions=[("go", "a", "a"), ("x", "b", "a")])


def test_actions_run_as_steps_once_each_in_transition_order(app: podium.App):
    ticket = ticket_machine(app)
    ran: list[tuple[str, int, str, str]] = []

    @app.step
    def notify(change: dict[str, Any]) -> str:
        ran.append(("notify", change["seq"], change["from"], change["to"]))
        return f"told {change['instance']}"

    def audit(change: dict[str, Any]) -> None:
        ran.append(("audit", change["seq"], change["event"], change["data"]["title"]))

    @ticket.on_exit("open")
    def left_open(change: dict[str, Any]) -> None:
        ran.append(("left_open", change["seq"], change["event"], str(change["payload"])))

    ticket.on_enter("resolved")(notify)
    ticket.on_enter("resolved")(audit)
    ticket.create("T-1", {"title": "t"})
    with app.worker(concurrency=2):
        for event in ("start", "resolve", "reopen", "start", "resolve", "close"):
            ticket.send("T-1", event, event.upper())
        assert ticket.handle("T-1").result(timeout=30) == {"state": "closed", "transitions": 6}

    assert ran == [
        ("left_open", 1, "start", "START"),
        ("notify", 2, "in_progress", "resolved"),
        ("audit", 2, "resolve", "t"),
        ("left_open", 4, "start", "START"),
        ("notify", 5, "in_progress", "resolved"),
        ("audit", 5, "resolve", "t"),
    ]
    steps = [e.name for e in app.store.load_history("ticket:T-1") if e.kind == "step"]
    assert (
        steps
        == [
            "ticket.on_exit.open.left_open",
            "notify",
            "ticket.on_enter.resolved.audit",
        ]
        * 2
    )
    with pytest.raises(podium.InvalidTransition):
        ticket.send("T-1", "reopen")


def test_async_step_actions_run(app: podium.App):
    ticket = ticket_machine(app)
    seen: list[int] = []

    @app.step
    async def remember(change: dict[str, Any]) -> None:
        seen.append(change["seq"])

    ticket.on_enter("in_progress")(remember)
    ticket.create("T-1")
    with app.worker():
        for event in ("start", "resolve", "close"):
            ticket.send("T-1", event)
        ticket.handle("T-1").result(timeout=30)
    assert seen == [1]


def test_guards_and_updates(app: podium.App):
    def within_limit(data, payload):
        return payload["amount"] <= data["limit"]

    refund = app.state_machine(
        "refund",
        initial="requested",
        transitions=[
            ("decide", "requested", "approved", within_limit),
            {
                "event": "decide",
                "source": "requested",
                "target": "escalated",
                "guard": lambda data, payload: payload["amount"] <= 10 * data["limit"],
                "update": lambda data, payload: {**data, "escalated_for": payload["amount"]},
            },
            ("pay", "approved", "paid"),
            ("pay", "escalated", "paid"),
        ],
        final=["paid"],
    )
    for rid in ("small", "big", "huge"):
        refund.create(rid, {"limit": 100})
    refund.send("small", "decide", {"amount": 50})
    refund.send("big", "decide", {"amount": 500})
    with pytest.raises(podium.InvalidTransition):
        refund.send("huge", "decide", {"amount": 5000})

    assert refund.state("small") == "approved"
    assert refund.get("small").data == {"limit": 100}
    assert refund.state("big") == "escalated"
    assert refund.get("big").data == {"limit": 100, "escalated_for": 500}
    assert refund.history("big")[0].data == {"limit": 100, "escalated_for": 500}
    assert (refund.state("huge"), refund.history("huge")) == ("requested", [])


def test_an_action_may_send_the_next_event(app: podium.App):
    order = app.state_machine(
        "order",
        initial="placed",
        transitions=[("approve", "placed", "approved"), ("ship", "approved", "shipped")],
        final=["shipped"],
    )

    @order.on_enter("approved")
    def auto_ship(change: dict[str, Any]) -> None:
        order.send(change["instance"], "ship", {"after": change["seq"]})

    order.create("O-1")
    with app.worker():
        order.send("O-1", "approve")
        assert order.handle("O-1").result(timeout=30) == {"state": "shipped", "transitions": 2}
    assert [h.event for h in order.history("O-1")] == ["approve", "ship"]


def test_send_in_workflow_code_is_refused(app: podium.App):
    ticket = ticket_machine(app)
    ticket.create("T-1")

    @app.workflow
    def meddle() -> None:
        ticket.send("T-1", "start")

    with pytest.raises(podium.WorkflowFailed) as caught:
        app.run(meddle)
    assert "inside an @app.step" in caught.value.message
    assert ticket.state("T-1") == "open"


def test_a_failed_action_fails_the_workflow_and_resume_retries_it(app: podium.App):
    ticket = ticket_machine(app)
    calls: list[int] = []

    @ticket.on_enter("resolved")
    def flaky(change: dict[str, Any]) -> None:
        calls.append(change["seq"])
        if len(calls) == 1:
            raise ConnectionError("mail server down")

    ticket.create("T-1")
    with app.worker():
        ticket.send("T-1", "start")
        ticket.send("T-1", "resolve")
        with pytest.raises(podium.WorkflowFailed, match="mail server down"):
            ticket.handle("T-1").result(timeout=30)
        ticket.send("T-1", "close")  # the state moves on while the actions wait for a resume
        assert ticket.state("T-1") == "closed"
        app.resume("ticket:T-1")
        assert ticket.handle("T-1").result(timeout=30) == {"state": "closed", "transitions": 3}
    assert calls == [2, 2]


def test_eight_threads_sending_to_one_instance_lose_no_transition(app: podium.App):
    flips = app.state_machine(
        "switch",
        initial="off",
        transitions=[("flip", "off", "on"), ("flip", "on", "off"), ("stop", ["off", "on"], "end")],
        final=["end"],
    )
    acted: list[int] = []

    @flips.on_enter("on")
    @flips.on_enter("off")
    def count(change: dict[str, Any]) -> None:
        acted.append(change["seq"])

    flips.create("S")
    threads, per_thread = 8, 13  # more than one BATCH of transitions
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def sender(n: int) -> None:
        start.wait()
        try:
            for i in range(per_thread):
                flips.send("S", "flip", {"thread": n, "i": i})
        except BaseException as exc:
            errors.append(exc)

    with app.worker(concurrency=2):
        pool = [threading.Thread(target=sender, args=(n,)) for n in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        assert errors == []
        flips.send("S", "stop")
        flips.handle("S").result(timeout=60)

    history = flips.history("S")
    total = threads * per_thread
    assert [h.seq for h in history] == list(range(1, total + 2))
    sent = Counter((h.payload["thread"], h.payload["i"]) for h in history[:-1])
    assert sent == Counter({(n, i): 1 for n in range(threads) for i in range(per_thread)})
    state = "off"
    for h in history[:-1]:
        assert (h.source, h.target) == (state, "on" if state == "off" else "off")
        state = h.target
    assert (history[-1].source, history[-1].target) == (state, "end")
    assert acted == list(range(1, total + 1))
    assert flips.get("S").version == total + 1


def test_of_eight_concurrent_conflicting_sends_exactly_one_wins(app: podium.App):
    ticket = ticket_machine(app)
    ticket.create("T-1")
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def sender(n: int) -> None:
        start.wait()
        try:
            ticket.send("T-1", "start", n)
            outcomes.append("won")
        except podium.InvalidTransition:
            outcomes.append("refused")

    pool = [threading.Thread(target=sender, args=(n,)) for n in range(8)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert Counter(outcomes) == {"won": 1, "refused": 7}
    assert len(ticket.history("T-1")) == 1
    assert ticket.get("T-1").version == 1


def test_a_backlog_longer_than_one_wait_is_acted_on_in_order(app: podium.App):
    counter = app.state_machine(
        "counter",
        initial="idle",
        transitions=[("tick", "idle", "idle"), ("stop", "idle", "stopped")],
        final=["stopped"],
    )
    acted: list[int] = []

    @counter.on_exit("idle")
    def tick(change: dict[str, Any]) -> None:
        acted.append(change["seq"])

    counter.create("C")
    total = statemachine.BATCH + 20
    for n in range(total - 1):
        counter.send("C", "tick", n)
    counter.send("C", "stop")
    with app.worker():
        assert counter.handle("C").result(timeout=60) == {"state": "stopped", "transitions": total}
    assert acted == list(range(1, total + 1))
    waits = [e.payload for e in app.store.load_history("counter:C") if e.kind == "machine"]
    assert waits == [
        f'{{"after":0,"upto":{statemachine.BATCH}}}',
        f'{{"after":{statemachine.BATCH},"upto":{total}}}',
    ]


def test_an_instance_whose_workflow_was_never_started_gets_it_on_send(app: podium.App):
    ticket = ticket_machine(app)
    now = app.runtime.clock.time()
    # What a crash between storing the instance and starting its workflow leaves behind.
    assert machines.MachineStore(app.store).create("ticket", "T-1", "open", None, now)
    with pytest.raises(podium.WorkflowNotFound):
        app.get("ticket:T-1")
    ticket.send("T-1", "start")
    with app.worker():
        for event in ("resolve", "close"):
            ticket.send("T-1", event)
        assert ticket.handle("T-1").result(timeout=30) == {"state": "closed", "transitions": 3}
