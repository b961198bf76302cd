"""Retry as the AWS guide "Handling errors in Step Functions workflows" describes it."""

import pytest

from podium import errors as podium_errors
from podium.asl import TaskError, errors

from .helpers import FakeEffects, run


class Failing:
    """Raises the given errors in turn (a name, or an exception), then returns its payload."""

    def __init__(self, *failures):
        self.failures = list(failures)
        self.calls = 0

    def __call__(self, payload):
        self.calls += 1
        if self.failures:
            failure = self.failures.pop(0)
            if isinstance(failure, BaseException):
                raise failure
            raise TaskError(failure, f"{failure} on call {self.calls}")
        return payload


def machine(retry, catch=None, **task):
    state = {"Type": "Task", "Resource": "r", "Retry": retry, "End": True, **task}
    states = {"X": state}
    if catch is not None:
        state["Catch"] = catch
        states["Z"] = {"Type": "Pass", "End": True}
    return {"StartAt": "X", "States": states}


def test_complex_retry_scenario_from_the_guide():
    # ErrorA and ErrorB use the first retrier (1 s, then 2 s), ErrorC the second (5 s); the
    # fourth error, ErrorB again, finds the first retrier used up and goes to the Catch.
    task = Failing("ErrorA", "ErrorB", "ErrorC", "ErrorB")
    effects = FakeEffects({"r": task})
    definition = machine(
        [
            {
                "ErrorEquals": ["ErrorA", "ErrorB"],
                "IntervalSeconds": 1,
                "BackoffRate": 2.0,
                "MaxAttempts": 2,
            },
            {"ErrorEquals": ["ErrorC"], "IntervalSeconds": 5},
        ],
        [{"ErrorEquals": ["States.ALL"], "Next": "Z"}],
    )
    assert run(definition, {"in": 1}, effects=effects) == {
        "Error": "ErrorB",
        "Cause": "ErrorB on call 4",
    }
    assert effects.sleeps == [1, 2, 5]
    assert task.calls == 4


def test_two_retries_after_3_and_4_5_seconds():
    retry = [
        {
            "ErrorEquals": ["States.Timeout"],
            "IntervalSeconds": 3,
            "MaxAttempts": 2,
            "BackoffRate": 1.5,
        }
    ]
    task = Failing(*[podium_errors.StepTimeout("r", 2)] * 3)
    effects = FakeEffects({"r": task})
    with pytest.raises(errors.ASLError) as info:
        run(machine(retry), {}, effects=effects)
    assert info.value.error == "States.Timeout"
    assert effects.sleeps == [3, 4.5]
    assert task.calls == 3


def test_retry_everything_except_timeout():
    retry = [
        {"ErrorEquals": ["States.Timeout"], "MaxAttempts": 0},
        {"ErrorEquals": ["States.ALL"]},
    ]
    timeout = Failing(podium_errors.StepTimeout("r", 1))
    with pytest.raises(errors.ASLError) as info:
        run(machine(retry), {}, {"r": timeout})
    assert (info.value.error, timeout.calls) == ("States.Timeout", 1)
    other = Failing("Flaky", "Flaky", "Flaky")
    effects = FakeEffects({"r": other})
    assert run(machine(retry), {"ok": True}, effects=effects) == {"ok": True}
    assert effects.sleeps == [1, 2, 4]


def test_defaults_interval_1_attempts_3_backoff_2():
    task = Failing(*["E"] * 5)
    effects = FakeEffects({"r": task})
    with pytest.raises(errors.ASLError) as info:
        run(machine([{"ErrorEquals": ["E"]}]), {}, effects=effects)
    assert (info.value.error, info.value.cause) == ("E", "E on call 4")
    assert effects.sleeps == [1, 2, 4]
    assert task.calls == 4


def test_max_delay_seconds_caps_the_backoff():
    effects = FakeEffects({"r": Failing("E", "E", "E")})
    retry = [{"ErrorEquals": ["E"], "IntervalSeconds": 2, "BackoffRate": 10, "MaxDelaySeconds": 50}]
    assert run(machine(retry), 7, effects=effects) == 7
    assert effects.sleeps == [2, 20, 50]


@pytest.mark.parametrize(("jitter", "sleeps"), [("FULL", [0.5, 1, 2]), ("NONE", [1, 2, 4])])
def test_jitter_strategy(jitter, sleeps):
    effects = FakeEffects({"r": Failing("E", "E", "E")})  # FakeEffects.random() is 0.5
    assert run(machine([{"ErrorEquals": ["E"], "JitterStrategy": jitter}]), 1, effects=effects)
    assert effects.sleeps == sleeps


def test_retry_count_in_the_context_object():
    definition = machine(
        [{"ErrorEquals": ["E"], "IntervalSeconds": 1}],
        Parameters={"retries.$": "$$.State.RetryCount"},
        ResultPath="$.first",
        Next="Again",
    )
    del definition["States"]["X"]["End"]
    definition["States"]["Again"] = {
        "Type": "Task",
        "Resource": "r",
        "Parameters": {"retries.$": "$$.State.RetryCount"},
        "ResultPath": "$.second",
        "End": True,
    }
    out = run(definition, {}, {"r": Failing("E", "E")})
    assert out == {"first": {"retries": 2}, "second": {"retries": 0}}


def test_task_failed_retries_task_errors_but_not_timeouts():
    retry = [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 1}]
    assert run(machine(retry), 1, {"r": Failing("HandledError", ValueError("x"))}) == 1
    timeout = Failing(podium_errors.StepTimeout("r", 1))
    with pytest.raises(errors.ASLError) as info:
        run(machine(retry), 1, {"r": timeout})
    assert (info.value.error, timeout.calls) == ("States.Timeout", 1)


def test_runtime_errors_are_never_retried():
    task = Failing()
    definition = machine([{"ErrorEquals": ["States.ALL"]}], Parameters={"x.$": "$.missing"})
    with pytest.raises(errors.ASLError) as info:
        run(definition, {}, {"r": task})
    assert info.value.error == "States.Runtime"
    assert task.calls == 0


def test_retry_on_parallel_reruns_the_branches():
    task = Failing("BranchError")
    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Retry": [{"ErrorEquals": ["BranchError"], "IntervalSeconds": 3}],
                "Branches": [
                    {
                        "StartAt": "T",
                        "States": {"T": {"Type": "Task", "Resource": "r", "End": True}},
                    }
                ],
                "End": True,
            }
        },
    }
    effects = FakeEffects({"r": task})
    assert run(definition, {"a": 1}, effects=effects) == [{"a": 1}]
    assert (effects.sleeps, task.calls) == ([3], 2)


class FailsEveryOtherCall(Failing):
    def __call__(self, payload):
        self.failures = ["E"] if self.calls % 2 == 0 else []
        return super().__call__(payload)


def test_each_visit_of_a_state_starts_with_fresh_retriers():
    # MaxAttempts 1 allows one retry per visit: the second visit may retry again.
    task = FailsEveryOtherCall()
    definition = {
        "StartAt": "X",
        "States": {
            "X": {
                "Type": "Task",
                "Resource": "r",
                "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": 1}],
                "Next": "Loop?",
            },
            "Loop?": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "Second"}],
                "Default": "Done",
            },
            "Second": {"Type": "Pass", "Result": 2, "ResultPath": "$.n", "Next": "X"},
            "Done": {"Type": "Succeed"},
        },
    }
    assert run(definition, {"n": 1}, {"r": task}) == {"n": 2}
    assert task.calls == 4
