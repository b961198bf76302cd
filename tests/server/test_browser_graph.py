"""A Python workflow's DAG and a saga's unwinding in headless Chromium, photographed.

Screenshots go to PODIUM_ARTIFACTS (default ./artifacts, not committed) for a person to look at.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from tests.server import a11y, serverapp
from tests.server.live import podium as podium_cli
from tests.server.live import serve
from tests.server.test_browser import ARTIFACTS, browser, seed
from tests.server.test_dashboard_graph import fan_in_app


def seed_fan_in(url: str) -> None:
    """`fan-1`: three submitted steps gathered, then a step adding them up."""
    app = fan_in_app(serverapp.build(url))
    try:
        app.start("fan_in", 3, id="fan-1")
        with app.worker(3):
            app.runtime.wait_for_end("fan-1", timeout=30)
    finally:
        app.close()


@pytest.mark.slow
def test_the_dag_and_the_unwinding_in_headless_chromium(tmp_path: Path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    url = f"sqlite:///{tmp_path / 'graph.db'}"
    seed(url)  # order-bad: a failed checkout whose saga compensated
    seed_fan_in(url)
    made = podium_cli("tokens", "create", "--name", "ui", "--json", url=url)
    token = json.loads(made.stdout)["token"]
    profile = tempfile.mkdtemp(prefix="podium-chromium-")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with serve(url) as root:
        driver: Any = browser(profile)
        wait = WebDriverWait(driver, 20)
        try:
            driver.get(root + "/dashboard/login")
            wait.until(ready.presence_of_element_located((By.ID, "token"))).send_keys(token)
            driver.find_element(By.ID, "login").click()
            wait.until(ready.presence_of_element_located((By.ID, "counts")))

            # the fan-out: three children side by side, joined at the gather, then the sum
            driver.get(root + "/dashboard/workflows/fan-1")
            graph = wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, "svg.dag")))
            children = graph.find_elements(By.CSS_SELECTOR, "g.dag-node.child")
            assert [c.get_attribute("data-node") for c in children] == ["c0", "c1", "c2"]
            tops = {c.find_element(By.TAG_NAME, "rect").location["y"] for c in children}
            assert len(tops) == 1  # one row
            joins = graph.find_elements(By.CSS_SELECTOR, 'path.dag-edge[data-to="p3"]')
            assert sorted(str(e.get_attribute("data-from")) for e in joins) == ["c0", "c1", "c2"]
            assert graph.find_elements(By.CSS_SELECTOR, 'path.dag-edge[data-from="p3"]')
            total = graph.find_element(By.CSS_SELECTOR, 'g.dag-node[data-node="p4"]')
            assert total.text == "total" and "completed" in str(total.get_attribute("class"))
            for width in (1400, 420):
                driver.set_window_size(width, 1000)
                assert a11y.problems(driver) == [], width
                shot = ARTIFACTS / f"graph-fan-in-{width}.png"
                graph = driver.find_element(By.CSS_SELECTOR, "svg.dag")
                driver.execute_script("arguments[0].scrollIntoView()", graph)
                assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 0
            driver.set_window_size(1400, 1000)
            link = driver.find_element(By.CSS_SELECTOR, 'g.dag-node[data-node="c1"] a')
            link.click()  # a child is a link to its page
            wait.until(ready.text_to_be_present_in_element((By.ID, "wf-id"), "fan-1/1"))
            assert driver.find_element(By.ID, "parent-link").text == "fan-1"

            # the failed saga: its compensation in an unwinding band, in timeline and graph
            driver.get(root + "/dashboard/workflows/order-bad")
            band = wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, ".tl-unwind")))
            assert band.find_element(By.CLASS_NAME, "tl-unwind-head").text.startswith(
                "↶ Unwinding: compensating 1 step, newest first, for ValueError"
            )
            rows = band.find_elements(By.CSS_SELECTOR, ".tl-row")
            assert [r.get_attribute("data-step") for r in rows] == ["saga", "hold.compensate"]
            assert "unwinding" in str(rows[1].get_attribute("class"))
            assert "compensating hold (#0) for ValueError: no courier" in rows[1].text
            failed = driver.find_element(By.CSS_SELECTOR, '.tl-row[data-step="ship"]')
            assert failed.location["y"] < band.location["y"]  # the failure, then the unwinding
            graph = driver.find_element(By.CSS_SELECTOR, "svg.dag")
            assert graph.find_elements(By.CSS_SELECTOR, "g.unwind-band")
            undo = graph.find_element(By.CSS_SELECTOR, "g.dag-node.compensation")
            assert undo.text == "undo hold #0"
            assert a11y.problems(driver) == []
            shot = ARTIFACTS / "graph-saga-1400.png"
            assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 0
            driver.execute_script("arguments[0].scrollIntoView()", graph)
            shot = ARTIFACTS / "graph-saga-dag-1400.png"
            assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 0
            driver.set_window_size(420, 1000)
            assert a11y.problems(driver) == []
            driver.execute_script("arguments[0].scrollIntoView()", band)
            shot = ARTIFACTS / "graph-saga-420.png"
            assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 0
        finally:
            driver.quit()
            shutil.rmtree(profile, ignore_errors=True)


CROSSINGS = """
const svg = arguments[0];
const lines = [];
for (const path of svg.querySelectorAll('g.sm-transition path')) {
  const length = path.getTotalLength();
  const pts = [];
  for (let i = 0; i <= 40; i++) {
    const p = path.getPointAtLength((length * i) / 40);
    pts.push([p.x, p.y]);
  }
  const edge = [];
  for (let i = 1; i < pts.length; i++) edge.push([pts[i - 1], pts[i]]);
  lines.push(edge);
}
const side = (a, b, c) => Math.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]));
const cross = ([a, b], [c, d]) =>
  side(a, b, c) * side(a, b, d) < 0 && side(c, d, a) * side(c, d, b) < 0;
let crossings = 0;
for (let i = 0; i < lines.length; i++)
  for (let j = i + 1; j < lines.length; j++)
    for (const s of lines[i]) for (const t of lines[j]) if (cross(s, t)) crossings++;
const boxes = [...svg.querySelectorAll('g.sm-state > rect:first-of-type')].map((r) => r.getBBox());
let overlaps = 0;
for (let i = 0; i < boxes.length; i++)
  for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height)
      overlaps++;
  }
return [crossings, overlaps, lines.length, boxes.length];
"""


@pytest.mark.slow
def test_a_big_asl_graph_is_laid_out_by_the_vendored_dagre(tmp_path: Path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.server import aslapp

    server_layout = (  # the same page's SVG as the server drew it, before dagre
        "const done = arguments[arguments.length - 1];"
        "fetch(location.href, {headers: {'X-Podium-Partial': '1'}}).then(r => r.text())"
        ".then(html => { const box = document.createElement('div');"
        "box.innerHTML = html; const svg = box.querySelector('svg.sm-diagram');"
        "svg.removeAttribute('data-layout'); svg.id = 'as-served';"
        "document.body.appendChild(svg); done(true); });"
    )

    url = f"sqlite:///{tmp_path / 'asl.db'}"
    seeder = aslapp.add_payments(serverapp.build(url))
    try:
        assert seeder.run("payments", {"amount": 500}, id="pay-1") == {"amount": 500}
        seeder.start("payments_slow", {"amount": 50}, id="pay-slow")
        with seeder.worker(1):
            for _ in range(500):  # until it sleeps in Medium's hour-long Wait
                record = seeder.store.get_workflow("pay-slow")
                if record is not None and record.status == "waiting":
                    break
                time.sleep(0.01)
    finally:
        seeder.close()
    made = podium_cli("tokens", "create", "--name", "ui", "--json", url=url)
    token = json.loads(made.stdout)["token"]
    profile = tempfile.mkdtemp(prefix="podium-chromium-")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with serve(url, target="tests.server.aslapp:app") as root:
        driver: Any = browser(profile)
        wait = WebDriverWait(driver, 20)
        try:
            driver.get(root + "/dashboard/login")
            wait.until(ready.presence_of_element_located((By.ID, "token"))).send_keys(token)
            driver.find_element(By.ID, "login").click()
            wait.until(ready.presence_of_element_located((By.ID, "counts")))
            driver.get(root + "/dashboard/workflows/pay-1")
            svg = wait.until(
                ready.presence_of_element_located(
                    (By.CSS_SELECTOR, 'svg.sm-diagram[data-laid-out="dagre"]')
                )
            )
            crossings, overlaps, edges, states = driver.execute_script(CROSSINGS, svg)
            driver.execute_script("arguments[0].scrollIntoView()", svg)
            shot = ARTIFACTS / "asl-dagre-1400.png"
            assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 0
            assert (edges, states) == (14, len(aslapp.MACHINE["States"]))
            assert overlaps == 0
            assert driver.execute_async_script(server_layout)
            served = driver.execute_script(CROSSINGS, driver.find_element(By.ID, "as-served"))
            assert served[2:] == [edges, states]
            assert crossings < served[0], (crossings, served)  # dagre crosses fewer edges
            taken = svg.find_elements(By.CSS_SELECTOR, "g.sm-state.taken")
            assert {t.get_attribute("data-state") for t in taken} >= {"Charge", "Big", "Done"}
            assert a11y.problems(driver) == []

            # a live page: the refresh swaps the server's SVG in, and it is laid out again
            driver.get(root + "/dashboard/workflows/pay-slow")
            first = wait.until(
                ready.presence_of_element_located(
                    (By.CSS_SELECTOR, 'svg.sm-diagram[data-laid-out="dagre"]')
                )
            )
            wait.until(ready.staleness_of(first))  # replaced by the next refresh
            again = wait.until(
                ready.presence_of_element_located(
                    (By.CSS_SELECTOR, 'svg.sm-diagram[data-laid-out="dagre"]')
                )
            )
            assert driver.execute_script(CROSSINGS, again)[:2] == [0, 0]
            current = again.find_element(By.CSS_SELECTOR, "g.sm-state.current")
            assert current.get_attribute("data-state") == "Medium"
        finally:
            driver.quit()
            shutil.rmtree(profile, ignore_errors=True)
