"""Records whose frozen dataclass has a hand-written `__init__` (for speed) keep every field.

`StepContext`, `HistoryEvent` and `StartOptions` are made on every step or start, so each
stores its fields straight into the instance dict instead of the generated `__init__`'s
`object.__setattr__` per field. This pins that such an `__init__` sets exactly the declared
fields, in their order and with their defaults, so a field added later cannot be forgotten.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import pytest

from podium import arguments, context
from podium.store import base

FAST = [context.StepContext, base.HistoryEvent, arguments.StartOptions]


@pytest.mark.parametrize("record", FAST, ids=lambda r: r.__name__)
def test_the_hand_written_init_sets_every_field_and_stays_frozen(record: Any) -> None:
    fields = dataclasses.fields(record)
    parameters = list(inspect.signature(record.__init__).parameters.values())[1:]
    assert [p.name for p in parameters] == [f.name for f in fields]
    for parameter, field in zip(parameters, fields, strict=True):
        default = inspect.Parameter.empty if field.default is dataclasses.MISSING else field.default
        assert parameter.default == default, field.name
    values = {f.name: f"value-{i}" for i, f in enumerate(fields)}
    made = record(**values)
    assert vars(made) == values
    assert made == record(*values.values()) and hash(made) == hash(record(**values))
    assert dataclasses.replace(made, **{fields[0].name: "other"}) != made
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(made, fields[0].name, "changed")
