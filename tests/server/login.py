"""Log a test client in to the dashboard: the server answers with a signed session cookie."""

from __future__ import annotations

from fastapi.testclient import TestClient


def login(client: TestClient, token: str) -> None:
    """POST the token to /dashboard/login; the client keeps the session cookie it gets."""
    response = client.post(
        "/dashboard/login",
        content=f"token={token}".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/dashboard", response.headers["location"]
