"""The view in a real headless Chromium (Debian's chromium + chromedriver, through selenium):
the frontier plots every trained model of the store, and a click on a hull point opens that
model's job page with its curve. Screenshots of both pages are taken; set
ARCHSEARCH_SCREENSHOTS=docs to refresh the README's (docs/view_frontier.png, view_job.png).

Without Chromium the test skips with the reason, except in CI (CI=true), where `.ci/run`
installs it and a skip would hide a broken view: there it fails.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from archsearch.experiment.history import JobHistory
from archsearch.store import ExperimentStore

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
WAIT_S = 30


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e .[dev])"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists():
            return f"{path} is missing (apt-get install chromium chromium-driver)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    reason = _missing()
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"the browser test cannot run in CI: {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="archsearch-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait(driver, script: str):
    """Poll a JS expression until it is truthy; return its value."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT_S).until(lambda d: d.execute_script(script))


# (trace name, points drawn in that trace's SVG layer), in plot order.
POINTS_BY_TRACE = """
const gd = document.getElementById(arguments[0]);
if (!gd || !gd.data) return null;
const layers = gd.querySelectorAll('.scatterlayer .trace');
if (layers.length !== gd.data.length) return null;
return gd.data.map((t, i) => [t.name, layers[i].querySelectorAll('path.point').length]);
"""


def screenshot(driver, tmp_path: Path, name: str) -> None:
    shot = tmp_path / name
    driver.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    target = os.environ.get("ARCHSEARCH_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, Path(target) / name)


def test_frontier_points_and_hull_click_to_job_page(browser, finished_run, serve, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    history = JobHistory()
    with ExperimentStore(finished_run / "experiment.db", create=False) as store:
        history.load(store)
        trained = history.trained()
        url = serve([finished_run]).url
        browser.get(url + "runs/0/frontier")
        drawn = dict(wait(browser, POINTS_BY_TRACE.replace("arguments[0]", "'frontier'")))
        # Every trained model of the store is one drawn point, seeds apart from grown ones.
        assert drawn["seeds"] + drawn["grown"] == len(trained)
        assert drawn["seeds"] == sum(s.stage.value == "seed_train" for s, _ in trained)
        front = browser.execute_script("return fetch('/api/runs/0/frontier').then(r => r.json())")
        assert drawn["hull points"] == len(front["hull"]) >= 2
        screenshot(browser, tmp_path, "view_frontier.png")

        # Click the best hull point: its job page opens and draws its per-epoch curve.
        best = front["hull"][-1]
        hull_layer = browser.find_elements(By.CSS_SELECTOR, "#frontier .scatterlayer .trace")[5]
        point = hull_layer.find_elements(By.CSS_SELECTOR, "path.point")[-1]
        ActionChains(browser).move_to_element(point).click().perform()
        wait(browser, f"return location.pathname === '/runs/0/jobs/{best}'")
        curve = dict(wait(browser, POINTS_BY_TRACE.replace("arguments[0]", "'curve'")))
        assert curve["val top-1"] == len(store.job_metrics(best)) == 2
        lineage = browser.find_elements(By.CSS_SELECTOR, "#lineage li")
        assert lineage[0].text.startswith(f"job {best}") and "seed" in lineage[-1].text
        cells = browser.find_elements(By.CSS_SELECTOR, "#arch figure")
        assert len(cells) == len(history.result(best).model_desc.cells)
        browser.set_window_size(1400, 1350)  # down to the architecture
        screenshot(browser, tmp_path, "view_job.png")
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        assert not errors, errors
