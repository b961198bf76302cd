"""Redaction on its own: marking paths, showing, scrubbing, and Secret."""

from __future__ import annotations

import dataclasses
import json

import pytest

import podium
from podium import redaction, serialization


@dataclasses.dataclass
class Card:
    number: str
    holder: str


def test_paths_match_at_any_depth_through_lists_and_classes() -> None:
    value = {"cards": [Card("4242", "Ada"), Card("5555", "Bob")], "ssn": "123-45", "n": 1}
    text = serialization.dumps(value)
    marked = redaction.mark_text(text, ["number", "ssn"])
    shown = redaction.view(json.loads(marked))
    assert "4242" not in json.dumps(shown) and "123-45" not in json.dumps(shown)
    assert shown["n"] == 1 and shown["cards"][0]["v"]["holder"] == "Ada"
    assert serialization.loads(marked) == value  # the workflow reads the real values


def test_call_arguments_match_by_parameter_name() -> None:
    text = serialization.dumps_call(["4242", {"pin": "0000"}], {"note": "x"}, owner="wf")
    marked = redaction.mark_text(text, ["card", "pin"], names=["card", "order"])
    raw = json.loads(marked)
    assert raw["args"][0] == {"__podium__": "redacted", "v": "4242"}
    assert raw["args"][1]["pin"] == {"__podium__": "redacted", "v": "0000"}
    assert raw["kwargs"] == {"note": "x"}
    assert serialization.loads_call(marked) == (["4242", {"pin": "0000"}], {"note": "x"})


def test_known_values_are_marked_wherever_they_reappear() -> None:
    marked = redaction.mark_text(
        '{"a": "4242-secret", "b": "open"}', [], values=frozenset({"4242-secret"})
    )
    assert redaction.view(json.loads(marked)) == {"a": "*****", "b": "open"}
    assert redaction.view(json.loads(marked), reveal=True) == {"a": "4242-secret", "b": "open"}


def test_user_data_cannot_forge_a_mark() -> None:
    forged = {"__podium__": "redacted", "v": "hide me"}
    text = serialization.dumps(forged)
    assert not redaction.has_marks(text)
    assert serialization.loads(text) == forged


def test_secret_prints_masked_and_round_trips() -> None:
    secret = podium.Secret({"pw": "hunter2"})
    assert str(secret) == "*****" and repr(secret) == "Secret('*****')"
    assert f"{secret}" == "*****" and "hunter2" not in repr([secret])
    back = serialization.loads(serialization.dumps({"s": secret}))
    assert back["s"].reveal() == {"pw": "hunter2"}
    assert redaction.view_text(serialization.dumps({"s": secret})) == '{"s": "*****"}'


def test_scrub_masks_sensitive_text_longest_first() -> None:
    texts = [redaction.mark_text('{"a": "4242424242", "b": "42"}', ["a", "b"])]
    values = redaction.sensitive_values(texts)
    assert values == {"4242424242"}  # "42" is too short to scrub safely
    assert redaction.scrub("card 4242424242 declined", values) == "card ***** declined"


@pytest.mark.parametrize("bad", ["", "a..b", ".a", ["ok", 3], "a\x00b"])
def test_bad_paths_are_configuration_errors(bad: object) -> None:
    with pytest.raises(podium.ConfigurationError, match="redact path"):
        redaction.check_paths(bad, "@app.workflow")  # type: ignore[arg-type]


def test_scrub_value_masks_copies_in_strings_numbers_and_containers() -> None:
    values = frozenset({"4242424242424242", "31337"})
    shown = redaction.scrub_value(
        {"card": "4242424242424242", "note": "pin 31337 ok", "n": 31337, "ok": True, "k": [1.5]},
        values,
    )
    assert shown == {"card": "*****", "note": "pin ***** ok", "n": "*****", "ok": True, "k": [1.5]}
    assert redaction.scrub_value({"a": "4242424242424242"}, frozenset()) == {
        "a": "4242424242424242"
    }
