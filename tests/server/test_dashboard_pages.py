"""The Workers page and the Intelligence page (remediations, anomalies), as HTML."""

from __future__ import annotations

import time

import podium
from podium.store import base


def test_workers_page_lists_live_and_expired_workers(client, tokens, app: podium.App, wait_until):
    now = time.time()
    dead = base.WorkerInfo("box:9:gone", "shop", ("mail",), ("send",), now - 90, now - 60, now - 30)
    app.store.beat_worker(dead, dead.beat_at)
    client.cookies.set("podium_token", tokens["read"])
    with app.worker(1):
        wait_until(lambda: app.store.live_workers(time.time()))
        html = client.get("/dashboard/workers").text
        owner = app.store.live_workers(time.time())[0].owner
    assert 'id="nav-workers"' in html and "<h1>Workers</h1>" in html
    live_row = html.split(f'data-worker="{owner}"')[1].split("</tr>")[0]
    assert "worker-live" in live_row and "serverapp" in live_row and "checkout" in live_row
    gone_row = html.split('data-worker="box:9:gone"')[1].split("</tr>")[0]
    assert "worker-expired" in gone_row and "mail" in gone_row and "send" in gone_row
    assert "1 live, 1 expired" in html
    partial = client.get("/dashboard/workers", headers={"X-Podium-Partial": "1"})
    assert partial.text.startswith("<div data-live")


def test_workers_page_needs_a_login(client):
    assert client.get("/dashboard/workers", follow_redirects=False).status_code == 303
