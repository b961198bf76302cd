"""`podium tokens` and `podium server` as real processes."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.server.live import podium, serve


def test_tokens_create_list_revoke(tmp_path):
    url = f"sqlite:///{tmp_path / 'tokens.db'}"
    made = podium("tokens", "create", "--name", "ci", "--scope", "write", "--json", url=url)
    assert made.returncode == 0, made.stderr
    token = json.loads(made.stdout)
    assert token["token"].startswith("pod_") and token["scopes"] == ["write"]
    listed = podium("tokens", "list", url=url)
    assert token["id"] in listed.stdout and "active" in listed.stdout
    assert token["token"] not in listed.stdout
    assert podium("tokens", "revoke", token["id"], url=url).returncode == 0
    assert "revoked" in podium("tokens", "list", url=url).stdout
    again = podium("tokens", "revoke", token["id"], url=url)
    assert again.returncode == 2 and "no active token" in again.stderr
    bad = podium("tokens", "create", "--name", "x", "--scope", "root", url=url)
    assert bad.returncode == 2


def test_no_auth_is_refused_off_loopback(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    refused = podium(
        "server", "tests.server.serverapp:app", "--no-auth", "--host", "0.0.0.0", url=url
    )
    assert refused.returncode == 2 and "--no-auth is refused" in refused.stderr


@pytest.mark.slow
def test_server_process_serves_the_api_with_tokens(tmp_path):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    token = podium("tokens", "create", "--name", "t", "--scope", "write", "--json", url=url)
    secret = json.loads(token.stdout)["token"]
    with serve(url, "--worker", "2") as base:
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(base + "/api/v1/workflows", timeout=5)
        assert denied.value.code == 401
        denied.value.close()
        body = json.dumps({"workflow": "add", "args": [2, 3], "id": "w1"}).encode()
        request = urllib.request.Request(
            base + "/api/v1/workflows",
            data=body,
            headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 201
