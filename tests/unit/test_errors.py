"""Error messages say what happened, to what, and what to do; classes carry structured fields."""

import pytest

import podium
from podium import errors


def test_workflow_not_found_points_to_ls_and_url():
    error = podium.WorkflowNotFound("order-9")
    assert error.workflow_id == "order-9"
    assert "'order-9'" in str(error)
    assert "podium ls" in str(error) and "database URL" in str(error)


def test_nondeterminism_explains_the_fix():
    error = podium.NonDeterminismError("id-1", "checkout", 3, "step 'a'", "step 'b'")
    assert (error.workflow_id, error.workflow, error.position) == ("id-1", "checkout", 3)
    assert (error.recorded, error.called) == ("step 'a'", "step 'b'")
    message = str(error)
    assert "'checkout'" in message and "'id-1'" in message and "position 3" in message
    assert "podium.now()" in message and "new workflows" in message


def test_workflow_failed_fields():
    error = podium.WorkflowFailed("id-2", "KeyError", "'sku'", "Traceback ...")
    assert (error.workflow_id, error.error_type, error.message) == ("id-2", "KeyError", "'sku'")
    assert error.traceback == "Traceback ..."
    assert str(error) == "workflow 'id-2' failed with KeyError: 'sku'"
    assert podium.WorkflowFailed("id-3", "E", "m").traceback is None


def test_workflow_cancelled_names_resume():
    error = podium.WorkflowCancelled("id-4")
    assert error.workflow_id == "id-4"
    assert "app.resume('id-4')" in str(error)


def test_step_timeout_names_step_limit_and_fix():
    error = podium.StepTimeout("charge", 2.5)
    assert (error.step, error.timeout) == ("charge", 2.5)
    assert "'charge'" in str(error) and "2.5s" in str(error)
    assert "timeout=" in str(error) and "RetryPolicy" in str(error)


def test_circuit_open_says_how_long():
    error = podium.CircuitOpenError("payments", 12.34)
    assert (error.breaker, error.retry_after) == ("payments", 12.34)
    assert "'payments'" in str(error) and "12.3s" in str(error)


def test_compensation_failed_keeps_both_errors():
    original, failure = ValueError("charge"), RuntimeError("refund down")
    error = podium.CompensationFailed("charge", original, failure)
    assert (error.step, error.original, error.error) == ("charge", original, failure)
    assert "RuntimeError: refund down" in str(error) and "podium resume" in str(error)


def test_queue_full_says_max_depth():
    error = podium.QueueFull("emails", 10)
    assert (error.queue, error.max_depth) == ("emails", 10)
    assert "'emails'" in str(error) and "max_depth" in str(error) and "retry later" in str(error)


def test_invalid_transition_says_nothing_changed():
    error = podium.InvalidTransition("ticket", "T-1", "open", "resolve")
    assert (error.machine, error.instance, error.state, error.event) == (
        "ticket",
        "T-1",
        "open",
        "resolve",
    )
    assert "'open'" in str(error) and "'resolve'" in str(error) and "nothing changed" in str(error)


def test_internal_errors():
    step_failed = errors.StepFailed("pay", "acme.Declined", "no")
    assert "'pay'" in str(step_failed) and "acme.Declined: no" in str(step_failed)
    lost = errors.LeaseLost("id-5")
    assert "'id-5'" in str(lost) and "rejected" in str(lost)
    assert issubclass(errors.SchemaVersionError, podium.ConfigurationError)


def test_deadline_message_rounds_the_timeout():
    message = str(errors.DeadlineExceeded("id-6", (1e9 + 0.1) - 1e9))
    assert "'id-6'" in message and "timeout of 0.1s" in message and "timeout=" in message


@pytest.mark.parametrize(
    "signal",
    [errors.Suspend(1.0), errors.Release(), errors.Fenced(), errors.DeadlineExceeded("x", 1)],
)
def test_engine_signals_escape_except_exception(signal: BaseException):
    assert isinstance(signal, errors.EngineSignal)
    assert not isinstance(signal, Exception)
    with pytest.raises(errors.EngineSignal):
        try:
            raise signal
        except Exception:  # what user code in a workflow typically writes
            pytest.fail("an engine signal was caught by `except Exception`")


def test_every_public_error_is_a_podium_error():
    for name in podium.__all__:
        obj = getattr(podium, name)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            assert issubclass(obj, podium.PodiumError), name
