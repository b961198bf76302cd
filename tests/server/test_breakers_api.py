"""Circuit breakers over HTTP: state, settings and the recorded transitions."""

import pytest

import podium


def test_breaker_state_and_transitions(client, as_scope, app: podium.App):
    app.circuit_breaker("payments", failure_threshold=0.5, min_calls=2, window=60, cooldown=30)

    @app.step(circuit="payments")
    def call_gateway() -> None:
        raise ConnectionError("gateway down")

    read = as_scope("read")
    (before,) = client.get("/api/v1/breakers", headers=read).json()
    assert before["name"] == "payments" and before["state"] == "closed"
    assert before["settings"]["min_calls"] == 2
    for _ in range(2):
        with pytest.raises(ConnectionError):
            call_gateway()
    (after,) = client.get("/api/v1/breakers", headers=read).json()
    assert after["state"] == "open"
    moves = client.get("/api/v1/breakers/transitions?name=payments", headers=read).json()
    assert [(m["from_state"], m["to_state"]) for m in moves] == [("closed", "open")]
    assert moves[0]["failure_rate"] == 1.0


def test_breakers_need_a_token(client):
    assert client.get("/api/v1/breakers").status_code == 401
