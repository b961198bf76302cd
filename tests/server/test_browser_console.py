"""The console in headless Chromium: schedule and breaker actions, filters, Workers and
Intelligence pages, each page checked for accessibility and photographed at two widths.

Screenshots go to the test's tmp_path (not committed) for a person to look at.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from podium.intelligence import actions
from podium.patterns import insight, remediation
from podium.store import base
from tests.server import a11y, serverapp
from tests.server.live import podium as podium_cli
from tests.server.live import serve
from tests.server.test_browser import browser, seed, seed_operations
from tests.server.test_dashboard_pages import spiky_queue

PAGES = {
    "workflows": "/dashboard",
    "operations": "/dashboard/operations",
    "workers": "/dashboard/workers",
    "intelligence": "/dashboard/intelligence",
    "workflow": "/dashboard/workflows/order-bad",
    "machine": "/dashboard/workflows/order_flow:O-1",
    "bad-filter": "/dashboard?after=yesterday",
    "docs": "/docs",
}


def seed_console(url: str) -> None:
    """Everything the pages show: workflows with search attributes, a tripped breaker, a
    schedule, a dead worker's registration, a queue-wait spike scored as an anomaly and a
    remediation rule's dry-run firing."""
    seed(url)
    seed_operations(url)
    app = serverapp.build(url)
    try:
        app.start("wait_long", 60, id="gold-1", search={"tier": "gold"})
        app.start("wait_long", 60, id="plain", search={"tier": "basic"})
        now = time.time()
        dead = base.WorkerInfo(
            "box:9:gone", "shop", ("mail",), ("send",), now - 90, now - 60, now - 30
        )
        app.store.beat_worker(dead, dead.beat_at)
        spiky_queue(app, now)
        assert insight.Scorer(app.runtime, 0.0).run_once(now)
        app.remediate(
            "hold-mail", when=lambda s: "mail waits", do=actions.pause_queue("mail"), dry_run=True
        )
        rt = app.runtime
        assert remediation.evaluate(rt, app.rules, app.served_queues(), rt.clock.time())
    finally:
        app.close()


@pytest.mark.slow
def test_console_actions_filters_pages_and_accessibility(tmp_path: Path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    url = f"sqlite:///{tmp_path / 'console.db'}"
    seed_console(url)
    made = podium_cli("tokens", "create", "--name", "ops", "--scope", "admin", "--json", url=url)
    token = json.loads(made.stdout)["token"]
    profile = tempfile.mkdtemp(prefix="podium-chromium-")
    check = serverapp.add_operations(serverapp.build(url))
    shots = tmp_path / "screenshots"
    shots.mkdir()

    def schedule_paused() -> bool:
        return next(s for s in check.schedules() if s.name == "yearly_report").paused

    with serve(url) as root:
        driver: Any = browser(profile)
        wait = WebDriverWait(driver, 20)

        def confirm(button: str) -> str:
            wait.until(ready.element_to_be_clickable((By.ID, button))).click()
            question = wait.until(ready.presence_of_element_located((By.ID, "confirm-question")))
            text = str(question.text)
            driver.find_element(By.ID, "confirm").click()
            wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, "[data-live]")))
            return text

        try:
            driver.get(root + "/dashboard/login")
            assert a11y.problems(driver) == []
            wait.until(ready.presence_of_element_located((By.ID, "token"))).send_keys(token)
            driver.find_element(By.ID, "login").click()
            wait.until(ready.presence_of_element_located((By.ID, "counts")))

            # every page: accessible, and photographed at desktop width and at 420 px
            for width in (1400, 420):
                driver.set_window_size(width, 1000)
                for name, path in PAGES.items():
                    driver.get(root + path)
                    wait.until(ready.presence_of_element_located((By.TAG_NAME, "h1")))
                    assert a11y.problems(driver) == [], (name, width)
                    shot = shots / f"{name}-{width}.png"
                    assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 0
            driver.set_window_size(1400, 1000)

            # a breaker reset: nothing changes before the confirmation
            assert check.breaker_state("gateway") == "open"
            driver.get(root + "/dashboard/operations")
            wait.until(ready.element_to_be_clickable((By.ID, "breaker-reset-gateway"))).click()
            question = wait.until(ready.presence_of_element_located((By.ID, "confirm-question")))
            assert "Reset circuit breaker 'gateway'" in question.text
            assert a11y.problems(driver) == []  # the confirmation page too
            driver.save_screenshot(str(shots / "confirm-reset.png"))
            assert check.breaker_state("gateway") == "open"
            driver.find_element(By.ID, "confirm").click()
            wait.until(ready.presence_of_element_located((By.ID, "breaker-open-gateway")))
            assert check.breaker_state("gateway") == "closed"

            # a schedule: pause, run now, resume
            assert "yearly_report" in confirm("schedule-pause-yearly_report")
            assert schedule_paused()
            assert "once now" in confirm("schedule-trigger-yearly_report")
            runs = [r.id for r in check.list(workflow="yearly_report")]
            assert len(runs) == 1 and runs[0].startswith("yearly_report@manual:")
            confirm("schedule-resume-yearly_report")
            assert not schedule_paused()
            driver.save_screenshot(str(shots / "operations-after.png"))

            # filters: search attributes, then a bad time shown in the page
            driver.get(root + "/dashboard")
            typed = wait.until(ready.presence_of_element_located((By.ID, "filter-attr")))
            typed.send_keys("tier=gold")
            driver.find_element(By.TAG_NAME, "h1").click()  # focus leaves the field
            time.sleep(3.5)  # past a live refresh: what was typed is still there
            assert driver.find_element(By.ID, "filter-attr").get_attribute("value") == "tier=gold"
            driver.find_element(By.ID, "filter-apply").click()
            wait.until(ready.url_contains("attr=tier"))
            ids = {
                r.get_attribute("data-id") for r in driver.find_elements(By.CSS_SELECTOR, "tr.wf")
            }
            assert ids == {"gold-1"}
            after = driver.find_element(By.ID, "filter-after")
            after.send_keys("tomorrow-ish")
            driver.find_element(By.ID, "filter-apply").click()
            error = wait.until(ready.presence_of_element_located((By.ID, "filter-error")))
            assert "is not a date and time" in error.text
            assert not driver.find_elements(By.CSS_SELECTOR, "tr.wf")

            # workers and intelligence
            driver.get(root + "/dashboard/workers")
            gone = wait.until(
                ready.presence_of_element_located((By.CSS_SELECTOR, 'tr[data-worker="box:9:gone"]'))
            )
            assert "expired" in gone.text
            driver.get(root + "/dashboard/intelligence")
            wait.until(ready.presence_of_element_located((By.ID, "anomalies")))
            assert driver.find_elements(By.CSS_SELECTOR, 'tr.firing[data-rule="hold-mail"]')
            dot = driver.find_element(
                By.CSS_SELECTOR, 'figure[data-series="queue:mail:wait"] circle.anomaly'
            )
            assert dot.is_displayed()
        finally:
            driver.quit()
            check.close()
            shutil.rmtree(profile, ignore_errors=True)
