"""The dashboard end to end in Debian's headless Chromium: log in, list, open, timeline."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

import podium
from podium.patterns import statemachine
from tests.server import serverapp
from tests.server.live import ROOT, serve
from tests.server.live import podium as podium_cli
from tests.server.login import login

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
ARTIFACTS = Path(os.environ.get("PODIUM_ARTIFACTS", ROOT / "artifacts"))
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
]


def browser(profile: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)):
        pytest.fail("the browser test needs chromium + chromium-driver: scripts/ensure_chromium.sh")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=Service(executable_path=DRIVER))


def seed(url: str) -> None:
    """Two finished checkouts: one with retries, one failed and compensated."""
    app = serverapp.build(url)
    try:
        app.start("checkout", {"id": "ok", "sku": "A1"}, id="order-ok")
        app.start("checkout", {"id": "bad", "fail": True}, id="order-bad")
        with app.worker(2):
            for wf in ("order-ok", "order-bad"):
                app.runtime.wait_for_end(wf, timeout=20)
    finally:
        app.close()


@pytest.mark.slow
def test_dashboard_in_headless_chromium(tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    url = f"sqlite:///{tmp_path / 'dash.db'}"
    seed(url)
    token = json.loads(podium_cli("tokens", "create", "--name", "ui", "--json", url=url).stdout)[
        "token"
    ]
    profile = tempfile.mkdtemp(prefix="podium-chromium-")
    with serve(url) as base:
        driver = browser(profile)
        try:
            wait = WebDriverWait(driver, 20)
            driver.get(base + "/dashboard")
            wait.until(ready.presence_of_element_located((By.ID, "token"))).send_keys(token)
            driver.find_element(By.ID, "login").click()
            wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, "tr.wf")))
            ids = [
                r.get_attribute("data-id") for r in driver.find_elements(By.CSS_SELECTOR, "tr.wf")
            ]
            assert set(ids) == {"order-ok", "order-bad"}
            counts = driver.find_element(By.ID, "counts").text
            assert "1 completed" in counts and "1 failed" in counts
            link = driver.find_element(By.CSS_SELECTOR, 'tr.wf[data-id="order-bad"] a.wf-link')
            link.click()
            wait.until(ready.presence_of_element_located((By.ID, "timeline")))
            steps = [
                r.get_attribute("data-step")
                for r in driver.find_elements(By.CSS_SELECTOR, ".tl-row")
            ]
            assert steps[:4] == ["hold", "reserve", "charge", "ship"]
            assert "hold.compensate" in steps
            assert driver.find_elements(By.CSS_SELECTOR, ".bar.attempt-failed")
            assert driver.find_elements(By.CSS_SELECTOR, ".tl-row.compensation")
            assert "no courier" in driver.find_element(By.ID, "error").text
            assert driver.find_element(By.ID, "wf-status").text == "failed"
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shot = ARTIFACTS / f"dashboard-{int(time.time())}.png"
            assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 0
        finally:
            driver.quit()
            shutil.rmtree(profile, ignore_errors=True)


def seed_paused(url: str) -> None:
    """A pending workflow with search attributes, paused; and one that is neither."""
    app = serverapp.build(url)
    try:
        app.start("wait_long", 60, id="held", search={"customer": "c-9", "amount": 42})
        app.start("wait_long", 60, id="free")
        app.get("held").pause()
    finally:
        app.close()


@pytest.mark.slow
def test_paused_and_search_attributes_in_headless_chromium(tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    url = f"sqlite:///{tmp_path / 'paused.db'}"
    seed_paused(url)
    token = json.loads(podium_cli("tokens", "create", "--name", "ui", "--json", url=url).stdout)[
        "token"
    ]
    profile = tempfile.mkdtemp(prefix="podium-chromium-")
    with serve(url) as base:
        driver = browser(profile)
        try:
            wait = WebDriverWait(driver, 20)
            driver.get(base + "/dashboard")
            wait.until(ready.presence_of_element_located((By.ID, "token"))).send_keys(token)
            driver.find_element(By.ID, "login").click()
            wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, "tr.wf")))
            held = driver.find_element(By.CSS_SELECTOR, 'tr.wf[data-id="held"]')
            assert held.find_element(By.CSS_SELECTOR, ".badge.paused").is_displayed()
            free = driver.find_element(By.CSS_SELECTOR, 'tr.wf[data-id="free"]')
            assert not free.find_elements(By.CSS_SELECTOR, ".badge.paused")
            held.find_element(By.CSS_SELECTOR, "a.wf-link").click()
            wait.until(ready.presence_of_element_located((By.ID, "search")))
            assert driver.find_element(By.ID, "wf-paused").text == "paused"
            attrs = {
                dd.get_attribute("data-key"): dd.text
                for dd in driver.find_elements(By.CSS_SELECTOR, "#search dd")
            }
            assert attrs == {"amount": "42", "customer": '"c-9"'}
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shot = ARTIFACTS / f"paused-{int(time.time())}.png"
            assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 0
        finally:
            driver.quit()
            shutil.rmtree(profile, ignore_errors=True)


def seed_operations(url: str) -> None:
    """A tripped breaker, a pending job on the limited queue, a machine instance moved on."""
    app = serverapp.add_operations(serverapp.build(url))
    try:
        gateway = app.registry.steps["call_gateway"]
        for _ in range(2):
            with pytest.raises(ConnectionError):
                gateway(True)
        app.start("bulk_job", 1, id="bulk-1")
        definition = app.registry.workflows["podium.machine:order_flow"]
        assert isinstance(definition, statemachine.MachineWorkflow)
        flow = definition.machine
        flow.create("O-1")
        flow.send("O-1", "pay")
    finally:
        app.close()


@pytest.mark.slow
def test_operations_page_in_headless_chromium(tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    url = f"sqlite:///{tmp_path / 'ops.db'}"
    seed_operations(url)
    token = json.loads(podium_cli("tokens", "create", "--name", "ui", "--json", url=url).stdout)[
        "token"
    ]
    profile = tempfile.mkdtemp(prefix="podium-chromium-")
    with serve(url) as base:
        driver = browser(profile)
        try:
            wait = WebDriverWait(driver, 20)
            driver.get(base + "/dashboard")
            wait.until(ready.presence_of_element_located((By.ID, "token"))).send_keys(token)
            driver.find_element(By.ID, "login").click()
            wait.until(ready.element_to_be_clickable((By.ID, "nav-operations"))).click()
            wait.until(ready.presence_of_element_located((By.ID, "breakers")))
            breaker = driver.find_element(By.CSS_SELECTOR, 'tr[data-breaker="gateway"]')
            assert "open" in breaker.find_element(By.CSS_SELECTOR, ".breaker.open").text
            queue = driver.find_element(By.CSS_SELECTOR, 'tr[data-queue="bulk"]')
            assert "concurrency 2" in queue.text and "max depth 100" in queue.text
            schedule = driver.find_element(By.CSS_SELECTOR, 'tr[data-schedule="yearly_report"]')
            assert "Europe/Paris" in schedule.text
            states = driver.find_elements(
                By.CSS_SELECTOR, '[data-machine="order_flow"] svg g.sm-state'
            )
            assert {s.get_attribute("data-state") for s in states} >= {"placed", "paid"}
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shot = ARTIFACTS / f"operations-{int(time.time())}.png"
            assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 0
            driver.get(base + "/dashboard/workflows/order_flow:O-1")
            current = wait.until(
                ready.presence_of_element_located((By.CSS_SELECTOR, "#machine g.sm-state.current"))
            )
            assert current.get_attribute("data-state") == "paid"
            machine_shot = ARTIFACTS / f"machine-{int(time.time())}.png"
            assert driver.save_screenshot(str(machine_shot))
        finally:
            driver.quit()
            shutil.rmtree(profile, ignore_errors=True)


def test_dashboard_pages_render_without_a_browser(client, tokens, app):
    app.start("checkout", {"id": "x", "fail": True}, id="order-x")
    with app.worker(1):
        app.runtime.wait_for_end("order-x", timeout=10)
    assert client.get("/dashboard", follow_redirects=False).status_code == 303
    login(client, tokens["read"])
    listing = client.get("/dashboard")
    assert listing.status_code == 200 and "order-x" in listing.text
    partial = client.get("/dashboard", headers={"X-Podium-Partial": "1"})
    assert partial.text.startswith("<div data-live")
    page = client.get("/dashboard/workflows/order-x")
    assert "hold.compensate" in page.text and "ValueError" in page.text
    assert client.get("/dashboard/workflows/nope").status_code == 404
    assert client.get("/dashboard/static/podium.js").status_code == 200
    assert client.get("/dashboard/static/../app.py").status_code == 404


def test_dashboard_login_rejects_a_bad_token(client):
    response = client.post("/dashboard/login", content=b"token=pod_x_y", follow_redirects=False)
    assert response.headers["location"] == "/dashboard/login?error=1"
    assert "not valid" in client.get("/dashboard/login?error=1").text


del podium


def seed_actions(url: str) -> None:
    """A waiting workflow, a failed one, 20 pending `batch-*` and 2 pending `keep-*`."""
    app = serverapp.build(url)
    try:
        app.start("wait_long", 3600, id="sleeper")
        app.start("checkout", {"id": "bad", "fail": True}, id="order-bad")
        with app.worker(2):
            app.runtime.wait_for_end("order-bad", timeout=20)
            deadline = time.monotonic() + 20
            while app.store.get_workflow("sleeper").status != "waiting":  # type: ignore[union-attr]
                assert time.monotonic() < deadline
                time.sleep(0.05)
        for n in range(20):
            app.start("wait_long", 60, id=f"batch-{n:02d}")
        for n in range(2):
            app.start("wait_long", 60, id=f"keep-{n}")
    finally:
        app.close()


@pytest.mark.slow
def test_dashboard_actions_in_headless_chromium(tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    url = f"sqlite:///{tmp_path / 'actions.db'}"
    seed_actions(url)
    token = json.loads(
        podium_cli(
            "tokens", "create", "--name", "ops", "--scope", "admin", "--json", url=url
        ).stdout
    )["token"]
    profile = tempfile.mkdtemp(prefix="podium-chromium-")
    check = serverapp.build(url)
    shots = 0

    def status(wid: str) -> str:
        record = check.store.get_workflow(wid)
        assert record is not None
        return record.status

    def shoot(name: str) -> None:
        nonlocal shots
        shots += 1
        shot = tmp_path / f"{shots:02d}-{name}.png"
        assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 0

    with serve(url) as base:
        driver = browser(profile)
        try:
            wait = WebDriverWait(driver, 20)
            driver.get(base + "/dashboard")
            wait.until(ready.presence_of_element_located((By.ID, "token"))).send_keys(token)
            driver.find_element(By.ID, "login").click()
            wait.until(ready.presence_of_element_located((By.ID, "bulk-actions")))

            driver.get(base + "/dashboard/workflows/sleeper")
            wait.until(ready.element_to_be_clickable((By.ID, "act-cancel"))).click()
            question = wait.until(ready.presence_of_element_located((By.ID, "confirm-question")))
            assert "sleeper" in question.text and "waiting" in question.text
            shoot("confirm-cancel")
            assert status("sleeper") == "waiting"
            driver.find_element(By.ID, "confirm").click()
            wait.until(ready.text_to_be_present_in_element((By.ID, "wf-status"), "cancelled"))
            assert status("sleeper") == "cancelled"
            shoot("cancelled")

            driver.get(base + "/dashboard/workflows/order-bad")
            wait.until(ready.element_to_be_clickable((By.ID, "act-resume"))).click()
            wait.until(ready.element_to_be_clickable((By.ID, "confirm"))).click()
            wait.until(ready.presence_of_element_located((By.ID, "wf-status")))
            assert status("order-bad") in ("pending", "running")
            shoot("resumed")

            driver.get(base + "/dashboard?search=batch")
            wait.until(ready.element_to_be_clickable((By.ID, "bulk-cancel"))).click()
            question = wait.until(ready.presence_of_element_located((By.ID, "confirm-question")))
            assert "Cancel 20 workflows matching search=batch" in question.text
            shoot("confirm-bulk")
            driver.find_element(By.ID, "confirm").click()
            wait.until(ready.presence_of_element_located((By.ID, "workflows")))
            assert {status(f"batch-{n:02d}") for n in range(20)} == {"cancelled"}
            assert {status(f"keep-{n}") for n in range(2)} == {"pending"}
            shoot("bulk-cancelled")

            driver.get(base + "/dashboard/operations")
            wait.until(ready.element_to_be_clickable((By.ID, "queue-pause-default"))).click()
            wait.until(ready.element_to_be_clickable((By.ID, "confirm"))).click()
            wait.until(ready.presence_of_element_located((By.ID, "queue-resume-default")))
            assert check.paused_queues() == ["default"]
            shoot("queue-paused")
        finally:
            driver.quit()
            check.close()
            shutil.rmtree(profile, ignore_errors=True)
