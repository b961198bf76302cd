"""State machine definitions: validation, the pure transition function, Mermaid output.

No store and no clock: `MachineDefinition` is a value with pure methods.
"""

import copy

import pytest

import podium
from podium.patterns import machinedef
from podium.patterns.machinedef import MachineDefinition, Transition

TICKET = [
    ("start", "open", "in_progress"),
    ("resolve", "in_progress", "resolved"),
    ("reopen", "resolved", "open"),
]


def ticket(**options) -> MachineDefinition:
    return MachineDefinition("ticket", "open", TICKET, **options)


def invalid(*args, **kwargs) -> str:
    """The message of the ConfigurationError that defining this machine raises."""
    with pytest.raises(podium.ConfigurationError) as caught:
        MachineDefinition(*args, **kwargs)
    return str(caught.value)


# -- parsing -------------------------------------------------------------------------------


def test_tuples_dicts_and_guards_parse_in_order():
    def big(data, payload):
        return payload["amount"] > 100

    machine = MachineDefinition(
        "order",
        "new",
        [
            ("pay", "new", "review", big),
            {"event": "pay", "source": "new", "target": "paid"},
            {"event": "approve", "source": "review", "target": "paid", "guard": None},
            ("ship", "paid", "shipped"),
        ],
        final=["shipped"],
    )
    assert machine.transitions[0] == Transition("pay", "new", "review", big)
    assert machine.transitions[1] == Transition("pay", "new", "paid")
    assert machine.states == ["new", "review", "paid", "shipped"]
    assert machine.events == ["pay", "approve", "ship"]
    assert machine.final == {"shipped"}


def test_a_list_of_sources_makes_one_transition_each():
    machine = MachineDefinition(
        "m",
        "a",
        [("next", "a", "b"), ("cancel", ["a", "b"], "cancelled")],
        final="cancelled",
    )
    assert [(t.event, t.source) for t in machine.outgoing("b")] == [("cancel", "b")]
    assert len(machine.outgoing("a")) == 2


@pytest.mark.parametrize(
    ("spec", "names"),
    [
        (("start", "open"), "write (event, source, target)"),
        ("start open closed", "write (event, source, target)"),
        ({"event": "start", "source": "open"}, "needs the keys"),
        ({"event": "e", "source": "a", "target": "b", "when": 1}, "unknown keys: ['when']"),
        (("", "open", "closed"), "'' must be a non-empty string"),
        (("start", 3, "closed"), "3 must be a non-empty string"),
        (("start", "open", "closed", "yes"), "guard 'yes' must be a function"),
        ({"event": "e", "source": "a", "target": "b", "update": 5}, "update 5 must be"),
    ],
)
def test_a_malformed_transition_is_named(spec, names):
    message = invalid("m", "open", [spec], final=["closed"])
    assert "transition #0" in message
    assert names in message


@pytest.mark.parametrize("transitions", [[], "abc", {"event": "e"}, None])
def test_transitions_must_be_a_nonempty_list(transitions):
    assert "state machine 'm'" in invalid("m", "a", transitions)


@pytest.mark.parametrize("name", ["", "a:b", None, 3])
def test_machine_names_are_nonempty_strings_without_colons(name):
    assert "must be a non-empty string without ':'" in invalid(name, "a", [("e", "a", "a")])


def test_initial_and_final_states_must_be_strings():
    assert "initial state None" in invalid("m", None, [("e", "a", "b")])
    assert "final state 3" in invalid("m", "a", [("e", "a", "b")], final=[3])


# -- validation ----------------------------------------------------------------------------


def test_the_ticket_machine_is_valid():
    machine = ticket()
    assert machine.states == ["open", "in_progress", "resolved"]
    assert machine.final == frozenset()


def test_unknown_states_against_declared_states():
    message = invalid("m", "a", [("go", "a", "b"), ("back", "b", "a")], states=["a"])
    assert "unknown state 'b'" in message


def test_unknown_initial_state_against_declared_states():
    message = invalid("m", "start", [("go", "a", "b"), ("back", "b", "a")], states=["a", "b"])
    assert "unknown state 'start'" in message


def test_a_final_state_no_transition_reaches_is_unknown():
    message = invalid("m", "a", [("go", "a", "b"), ("back", "b", "a")], final=["done"])
    assert "unknown final state 'done'" in message


def test_duplicate_event_from_one_state_is_refused():
    message = invalid("m", "a", [("go", "a", "b"), ("go", "a", "c"), ("x", "b", "a")], final="c")
    assert "duplicate transition for event 'go' from state 'a'" in message


def test_guarded_alternatives_for_one_event_are_allowed():
    machine = MachineDefinition(
        "m",
        "a",
        [("go", "a", "b", lambda d, p: p == "b"), ("go", "a", "c")],
        final=["b", "c"],
    )
    assert [t.target for t in machine.outgoing("a")] == ["b", "c"]


def test_an_unguarded_transition_before_a_guarded_one_shadows_it():
    message = invalid(
        "m", "a", [("go", "a", "b"), ("go", "a", "c", lambda d, p: True)], final=["b", "c"]
    )
    assert "duplicate transition for event 'go' from state 'a'" in message


def test_unreachable_states_are_named():
    message = invalid(
        "m", "a", [("go", "a", "b"), ("back", "b", "a"), ("x", "island", "a")], states=None
    )
    assert "unreachable state(s) ['island']" in message
    assert "from 'a'" in message


def test_a_final_state_with_outgoing_transitions_is_refused():
    message = invalid("m", "a", [("go", "a", "b"), ("back", "b", "a")], final=["b"])
    assert "final state 'b' has outgoing transitions ('back')" in message


def test_a_dead_end_that_is_not_final_is_refused():
    message = invalid("m", "a", [("go", "a", "b")])
    assert "state 'b' has no outgoing transitions; declare it in final=" in message


def test_every_problem_is_reported_at_once():
    message = invalid("m", "a", [("go", "a", "b"), ("go", "a", "c"), ("x", "z", "a")], final="b")
    assert "duplicate transition" in message
    assert "unreachable state(s) ['z']" in message
    assert "state 'c' has no outgoing transitions" in message
    assert message.startswith("state machine 'm' is invalid: ")


# -- the transition function ---------------------------------------------------------------


def test_decide_follows_the_transitions():
    machine = ticket()
    decision = machine.decide("open", "start", {"n": 1}, None)
    assert decision is not None
    assert decision.target == "in_progress"
    assert decision.data == {"n": 1}
    assert machine.decide("open", "resolve", {}, None) is None
    assert machine.decide("nowhere", "start", {}, None) is None


def test_guards_choose_the_first_accepting_transition():
    machine = MachineDefinition(
        "refund",
        "requested",
        [
            ("decide", "requested", "approved", lambda data, p: p["amount"] <= data["limit"]),
            {
                "event": "decide",
                "source": "requested",
                "target": "escalated",
                "guard": lambda data, p: p["amount"] < 10 * data["limit"],
            },
        ],
        final=["approved", "escalated"],
    )
    data = {"limit": 100}
    assert machine.decide("requested", "decide", data, {"amount": 50}).target == "approved"  # type: ignore[union-attr]
    assert machine.decide("requested", "decide", data, {"amount": 500}).target == "escalated"  # type: ignore[union-attr]
    assert machine.decide("requested", "decide", data, {"amount": 5000}) is None


def test_update_computes_the_new_data_without_mutating_the_old():
    def count(data, payload):
        return {**data, "visits": data["visits"] + 1, "last": payload}

    machine = MachineDefinition(
        "m",
        "a",
        [{"event": "go", "source": "a", "target": "a", "update": count}, ("stop", "a", "end")],
        final="end",
    )
    data = {"visits": 0}
    decision = machine.decide("a", "go", data, "x")
    assert decision is not None
    assert decision.data == {"visits": 1, "last": "x"}
    assert data == {"visits": 0}


def test_decide_is_pure():
    machine = MachineDefinition(
        "m",
        "a",
        [
            ("go", "a", "b", lambda d, p: p["ok"]),
            {"event": "go", "source": "a", "target": "c", "update": lambda d, p: [*d, p]},
            ("back", "b", "a"),
            ("back", "c", "a"),
        ],
    )
    data, payload = [1, 2], {"ok": False}
    before = copy.deepcopy((data, payload))
    first = machine.decide("a", "go", data, payload)
    again = machine.decide("a", "go", data, payload)
    assert first == again
    assert first is not None
    assert first.target == "c"
    assert first.data == [1, 2, {"ok": False}]
    assert (data, payload) == before


def test_a_guard_error_propagates_from_decide():
    machine = MachineDefinition("m", "a", [("go", "a", "b", lambda d, p: p["missing"])], final="b")
    with pytest.raises(KeyError):
        machine.decide("a", "go", {}, {})


# -- Mermaid -------------------------------------------------------------------------------


def test_mermaid_of_the_ticket_machine():
    machine = MachineDefinition(
        "ticket", "open", [*TICKET, ("close", "resolved", "closed")], final=["closed"]
    )
    assert machine.to_mermaid() == (
        "stateDiagram-v2\n"
        "    [*] --> open\n"
        "    open --> in_progress : start\n"
        "    in_progress --> resolved : resolve\n"
        "    resolved --> open : reopen\n"
        "    resolved --> closed : close\n"
        "    closed --> [*]\n"
    )


def test_mermaid_aliases_names_that_are_not_ids_and_labels_guards():
    def approved(data, payload):
        return True

    machine = MachineDefinition(
        "m",
        "in review",
        [("ok: go", "in review", "s1", approved), ("back", "s1", "in review")],
    )
    text = machine.to_mermaid(highlight="s1")
    assert 'state "in review" as s0\n' in text
    assert "[*] --> s0\n" in text
    assert "s0 --> s1 : ok#58; go [approved]\n" in text
    assert "class s1 current\n" in text


def test_mermaid_aliases_never_collide_with_state_names():
    machine = MachineDefinition("m", "a b", [("go", "a b", "s0"), ("back", "s0", "a b")])
    text = machine.to_mermaid()
    assert 'state "a b" as s0_\n' in text
    assert "s0_ --> s0 : go\n" in text


def test_lambda_guards_are_labelled_guard():
    machine = MachineDefinition("m", "a", [("go", "a", "b", lambda d, p: True)], final="b")
    assert "a --> b : go [guard]\n" in machine.to_mermaid()


def test_the_module_rejects_nothing_valid():
    assert machinedef.check(ticket(), None) == []
