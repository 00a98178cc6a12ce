"""The view on a search still running in another process: updates within 2 s of a result, and
the controls (update, kill, stop) reach that process's driver through the store."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from archsearch.errors import StoreError
from archsearch.store import ReadOnlyStore
from tests.view.conftest import REPO, SMOKE, get_json, post_json

DEADLINE_S = 240  # the whole test; the search itself is stopped from the view


def wait_for(predicate, timeout: float, what: str):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def read_stream(url: str, seen: list[tuple[float, dict]], stop: threading.Event) -> None:
    """Server-sent events as (arrival time, data), until ``stop``."""
    with urllib.request.urlopen(url, timeout=DEADLINE_S) as response:
        for line in response:
            if stop.is_set():
                return
            if line.startswith(b"data: "):
                seen.append((time.time(), json.loads(line[6:])))


@pytest.mark.slow  # a search in a subprocess (~20 s)
def test_view_follows_and_controls_a_search_in_another_process(tmp_path, serve):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    log = tmp_path / "search.log"  # a file, not a pipe: a full pipe would block the driver
    search = subprocess.Popen(
        [sys.executable, "-m", "archsearch.cli", "run", str(SMOKE), "--out", str(tmp_path),
         "--view", "0", "--set", "resources.engine=local", "--set", "budget.max_jobs=60",
         "--set", "train.epochs=2"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"),
    )  # fmt: skip
    stop_stream = threading.Event()
    try:
        run_dir = tmp_path / "petridish_smoke"

        def status() -> str | None:
            try:
                store = ReadOnlyStore(run_dir / "experiment.db")
            except StoreError:  # the driver has not created it yet
                return None
            try:
                return store.get_meta("status")
            finally:
                store.close()

        wait_for(lambda: status() == "RUNNING", 120, "the search to start")
        url = serve([run_dir]).url
        seen: list[tuple[float, dict]] = []
        reader = threading.Thread(
            target=read_stream, args=(url + "api/runs/0/stream", seen, stop_stream), daemon=True
        )
        reader.start()
        connected = time.time()

        # Results land in the store from the other process; each is announced within 2 s.
        def results_after(t: float) -> list[float]:
            store = ReadOnlyStore(run_dir / "experiment.db")
            try:
                return [e["at"] for e in store.events_of("result") if e["at"] > t]
            finally:
                store.close()

        landed = wait_for(lambda: results_after(connected + 0.5)[:2] or None, 120, "results")
        time.sleep(2.5)
        for at in landed:
            assert any(at <= t <= at + 2.0 for t, _ in seen), (at, [t for t, _ in seen])
        overview = get_json(url + "api/runs/0/overview")
        assert overview["status"] == "RUNNING" and overview["eta_s"] is not None
        assert overview["trained"] + overview["by_status"].get("submitted", 0) >= 1
        front = get_json(url + "api/runs/0/frontier")
        assert len(front["points"]["job_id"]) >= 1

        # `run --view` serves the same run from the search's own process.
        view_line = wait_for(lambda: _view_url(log), 10, "run --view's URL")
        assert get_json(view_line + "api/runs")["runs"][0]["status"] == "RUNNING"

        # Controls: raise max_jobs, kill a submitted job, then stop the search.
        status_code, answer = post_json(url + "api/runs/0/update", {"max_jobs": 70})
        assert status_code == 200 and answer["payload"] == {"max_jobs": 70}
        wait_for(
            lambda: next(
                (b for b in get_json(url + "api/runs/0/overview")["budgets"]
                 if b["name"] == "jobs" and b["limit"] == 70), None),
            30, "the driver to apply the update",
        )  # fmt: skip
        killed = wait_for(lambda: _kill_a_running_job(url), 60, "a job to kill")
        wait_for(lambda: _control_applied(run_dir, "kill", killed), 30, "the kill to be applied")
        assert post_json(url + "api/runs/0/stop", {})[0] == 200
        assert search.wait(timeout=90) == 0
        overview = get_json(url + "api/runs/0/overview")
        assert overview["status"] == "SUCCEEDED"
        assert overview["stop_reason"] == "stopped from the web view"
        assert overview["eta_s"] is None
    finally:
        stop_stream.set()
        if search.poll() is None:
            search.send_signal(signal.SIGTERM)
            search.wait(timeout=60)


def _view_url(log: Path) -> str | None:
    match = re.search(r"web view: (http://\S+)", log.read_text())
    return match.group(1) if match else None


def _kill_a_running_job(url: str) -> int | None:
    for job in get_json(url + "api/runs/0/jobs"):
        if job["status"] == "submitted":
            status, _ = post_json(url + f"api/runs/0/jobs/{job['job_id']}/kill", {})
            if status == 200:  # else it finished meanwhile (409): try the next one
                return job["job_id"]
    return None


def _control_applied(run_dir: Path, kind: str, job_id: int) -> bool:
    store = ReadOnlyStore(run_dir / "experiment.db")
    try:
        return any(
            e["payload"]["kind"] == kind and e["payload"]["payload"].get("job_id") == job_id
            for e in store.events_of("control")
        )
    finally:
        store.close()
