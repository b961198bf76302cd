"""Run state machines in-process with recorded sleeps and mapped resources."""

import datetime as dt
from typing import Any

from podium.asl import validate
from podium.asl.effects import LocalEffects
from podium.asl.interpreter import Interpreter


class FakeEffects(LocalEffects):
    """Sleeps are recorded, not waited; the clock is fixed."""

    def __init__(self, resources: Any = None) -> None:
        super().__init__(resources)
        self.sleeps: list[float] = []
        self.moment = dt.datetime(2024, 1, 1, 12, 0, tzinfo=dt.UTC)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.moment += dt.timedelta(seconds=seconds)

    def now(self) -> dt.datetime:
        return self.moment

    def random(self) -> float:
        return 0.5


def run(definition: dict[str, Any], value: Any = None, resources: Any = None, effects=None):
    assert validate(definition) == [], validate(definition)
    effects = effects or FakeEffects(resources)
    return Interpreter(effects, "Machine").execute(definition, value, "exec-1")


def single(state: dict[str, Any], value: Any = None, resources: Any = None):
    state = {**state}
    if state["Type"] not in ("Choice", "Succeed", "Fail"):
        state.setdefault("End", True)
    return run({"StartAt": "S", "States": {"S": state}}, value, resources)
