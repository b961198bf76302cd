"""podium.idempotency_key(): the same on every attempt of a step, different between steps."""

import pytest

import podium


def test_key_is_stable_across_attempts_and_distinct_between_steps(app: podium.App):
    keys: dict[str, list[str]] = {"charge": [], "refund": []}
    policy = podium.RetryPolicy(max_attempts=3, initial_delay=0.01, jitter=False)

    @app.step(retry=policy)
    def charge() -> str:
        keys["charge"].append(podium.idempotency_key())
        if len(keys["charge"]) < 3:
            raise ConnectionError("provider timeout")
        return keys["charge"][-1]

    @app.step
    def refund() -> str:
        keys["refund"].append(podium.idempotency_key())
        return keys["refund"][-1]

    @app.workflow
    def wf() -> list[str]:
        first = charge()
        podium.sleep(0.3)  # a replay must return the same keys it recorded
        return [first, refund(), refund()]

    result = app.run(wf, id="idem")
    assert len(set(keys["charge"])) == 1 and len(keys["charge"]) == 3
    assert result[0] == keys["charge"][0]
    assert len(set(result)) == 3, "each step call has its own key"
    assert all("idem" in key for key in result)


def test_key_differs_between_workflows(app: podium.App):
    @app.step
    def charge() -> str:
        return podium.idempotency_key()

    @app.workflow
    def wf() -> str:
        return str(charge())

    assert app.run(wf, id="a") != app.run(wf, id="b")


def test_key_outside_a_step_raises(app: podium.App):
    @app.workflow
    def wf() -> str:
        return podium.idempotency_key()

    with pytest.raises(podium.WorkflowFailed, match="outside a step"):
        app.run(wf)
    with pytest.raises(podium.PodiumError, match="outside a step"):
        podium.idempotency_key()
