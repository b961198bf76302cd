import pytest

from podium.asl import errors

from .helpers import FakeEffects, run


class Flaky:
    def __init__(self, failures, error="CustomError"):
        self.failures = failures
        self.error = error
        self.calls = 0

    def __call__(self, payload):
        self.calls += 1
        if self.calls <= self.failures:
            raise errors.TaskError(self.error, f"attempt {self.calls}")
        return {"ok": self.calls}


def task(**extra):
    return {
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": "r", "End": True, **extra},
            "Handler": {"Type": "Pass", "End": True},
        },
    }


def test_retry_backoff_then_success():
    effects = FakeEffects({"r": Flaky(3)})
    retry = [
        {"ErrorEquals": ["CustomError"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 3}
    ]
    machine = task(Retry=retry)
    del machine["States"]["Handler"]
    assert run(machine, {}, effects=effects) == {"ok": 4}
    assert effects.sleeps == [2, 6, 18]


def test_retry_max_delay_and_full_jitter():
    effects = FakeEffects({"r": Flaky(3)})
    retry = [
        {
            "ErrorEquals": ["States.ALL"],
            "IntervalSeconds": 4,
            "MaxDelaySeconds": 5,
            "JitterStrategy": "FULL",
        }
    ]
    machine = task(Retry=retry)
    del machine["States"]["Handler"]
    run(machine, {}, effects=effects)
    assert effects.sleeps == [2, 2.5, 2.5]


def test_retries_exhausted_then_caught_with_result_path():
    effects = FakeEffects({"r": Flaky(5)})
    machine = task(
        Retry=[{"ErrorEquals": ["CustomError"], "MaxAttempts": 1}],
        Catch=[
            {"ErrorEquals": ["Other"], "Next": "Handler"},
            {"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.error", "Next": "Handler"},
        ],
    )
    out = run(machine, {"in": 1}, effects=effects)
    assert out == {"in": 1, "error": {"Error": "CustomError", "Cause": "attempt 2"}}


def test_max_attempts_zero_never_retries():
    flaky = Flaky(1)
    machine = task(Retry=[{"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}])
    del machine["States"]["Handler"]
    with pytest.raises(errors.ASLError) as info:
        run(machine, {}, {"r": flaky})
    assert info.value.error == "CustomError"
    assert flaky.calls == 1


def test_python_exceptions_are_named_by_class():
    def boom(payload):
        raise ZeroDivisionError("division by zero")

    machine = task(Catch=[{"ErrorEquals": ["ZeroDivisionError"], "Next": "Handler"}])
    assert run(machine, {}, {"r": boom}) == {
        "Error": "ZeroDivisionError",
        "Cause": "division by zero",
    }


def test_matching_rules():
    assert errors.matches(["States.ALL"], "X")
    assert errors.matches(["States.TaskFailed"], "X")
    assert not errors.matches(["States.TaskFailed"], "States.Timeout")
    assert errors.matches(["States.ALL"], "States.Timeout")
    assert not errors.matches(["States.ALL"], "States.Runtime")
    assert errors.matches(["A", "B"], "B")


def test_runtime_errors_are_not_caught():
    machine = task(
        Parameters={"x.$": "$.missing"}, Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Handler"}]
    )
    with pytest.raises(errors.ASLError) as info:
        run(machine, {}, {"r": lambda p: p})
    assert info.value.error == "States.Runtime"


@pytest.mark.parametrize(
    ("state", "value", "error"),
    [
        (
            {"Type": "Pass", "Parameters": {"x.$": "States.ArrayLength($.a)"}},
            {"a": 1},
            "States.Runtime",
        ),
        (
            {"Type": "Pass", "Result": 1, "ResultPath": "$.a.b"},
            {"a": 1},
            "States.ResultPathMatchFailure",
        ),
        ({"Type": "Pass", "InputPath": "$.nope"}, {}, "States.Runtime"),
        (
            {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $nope() %}"},
            {},
            "States.QueryEvaluationError",
        ),
    ],
)
def test_predefined_errors(state, value, error):
    with pytest.raises(errors.ASLError) as info:
        run({"StartAt": "S", "States": {"S": {**state, "End": True}}}, value)
    assert info.value.error == error


def test_an_intrinsic_failure_is_a_runtime_error_no_catcher_takes():
    machine = task(
        Parameters={"x.$": "States.StringToJson($.s)"},
        Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Handler", "ResultPath": "$.e"}],
    )
    with pytest.raises(errors.ASLError) as info:
        run(machine, {"s": "{"}, {"r": lambda p: p})
    assert info.value.error == "States.Runtime"


def test_error_class_names():
    exc = errors.failure("States.Timeout", "late")
    assert type(exc).__qualname__ == "States.Timeout"
    assert str(exc) == "late"
    assert errors.error_class("States.Timeout") is type(exc)
