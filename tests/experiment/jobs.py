"""Job functions for experiment tests, importable by Ray workers as tests.experiment.jobs:NAME.

They report per-epoch metrics like the real trainer and sleep instead of training. Settings
come from ``<data.root>/test_job.json``, written by the test (Ray workers do not see the test's
environment; ``small_config`` points data.root, unused by synthetic data, at the test's
folder): ``sleep_s`` per job, ``slow_job`` (an id that sleeps five minutes, to be killed),
``train_time_s`` reported by every job."""

from __future__ import annotations

import json
import time
from pathlib import Path

from archsearch.jobs.report import report_epoch
from archsearch.jobs.spec import JobResult, JobSpec
from bench.sleep_job import fake_result

EPOCHS = 3
SETTINGS = "test_job.json"


def write_settings(run_dir: Path, **settings: float) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / SETTINGS).write_text(json.dumps(settings))


def epoch_job(spec: JobSpec) -> JobResult:
    file = Path(spec.data_conf["root"]) / SETTINGS
    settings = json.loads(file.read_text()) if file.exists() else {}
    step = settings.get("sleep_s", 0.05) / EPOCHS
    if spec.job_id == settings.get("slow_job"):
        step = 100.0
    curve = []
    for epoch in range(EPOCHS):
        time.sleep(step)
        metrics = {"val_top1": 0.1 * (epoch + 1), "loss": 1 / (epoch + 1)}
        report_epoch(spec.job_id, epoch, metrics)
        curve.append({"epoch": epoch, **metrics})  # as the trainer's curve
    result = fake_result(spec)
    result.curve = curve
    result.metrics["train_time_s"] = float(settings.get("train_time_s", 0.0))
    return result
