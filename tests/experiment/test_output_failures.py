"""An output that cannot be written (plots, hull.json) is logged once and the search goes on."""

from __future__ import annotations

import errno
import logging

from archsearch import Experiment
from archsearch.experiment import outputs
from archsearch.experiment.history import JobHistory
from archsearch.experiment.live import LiveOutputs
from archsearch.store import ExperimentStore
from tests.experiment.conftest import JOB, small_config


def test_failing_plots_and_hull_json_do_not_stop_the_search(tmp_path, monkeypatch, caplog):
    calls = {"plots": 0, "hull.json": 0}

    def no_plots(*args, **kwargs):
        calls["plots"] += 1
        raise RuntimeError("the plotting backend broke")

    def disk_full(path, text, *args, **kwargs):
        calls["hull.json"] += 1
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(outputs, "plot_all", no_plots)
    monkeypatch.setattr(outputs, "write_text_atomic", disk_full)
    config = small_config(tmp_path, "budget.max_jobs=6", "resources.engine=local", "plot_every_s=0")
    exp = Experiment(config, job_fn=JOB)
    with caplog.at_level(logging.INFO, logger="archsearch"):
        reason = exp.run(progress=False)
    assert "max_jobs" in reason
    with ExperimentStore(exp.run_dir / "experiment.db", create=False) as store:
        assert len(store.jobs(status="succeeded")) == 6
        assert store.get_meta("status") == "SUCCEEDED"
    # Tried after every result that changed them, but told once each.
    assert calls["plots"] >= 6 and calls["hull.json"] >= 2
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.name == "archsearch.experiment.live" and r.levelno == logging.WARNING
    ]
    # Once each while searching, once more (one line, no traceback) as the run ends.
    assert len(warnings) == 3, warnings
    assert "could not write hull.json (OSError" in warnings[0]
    assert "could not write plots (RuntimeError: the plotting backend broke" in warnings[1]
    assert "could not write hull.json / best/ / plots (OSError" in warnings[2]
    assert not any(r.exc_info for r in caplog.records if r.levelno >= logging.WARNING)

    monkeypatch.undo()  # the disk has room again: `archsearch plot` writes what is missing
    exp.write_outputs()
    assert (exp.run_dir / "hull.json").exists() and (
        exp.run_dir / "plots" / "frontier.png"
    ).exists()


def test_an_output_that_works_again_is_told_again_when_it_breaks(tmp_path, monkeypatch, caplog):
    config = small_config(tmp_path)
    live = LiveOutputs(config, tmp_path, JobHistory(), None, 0.0, progress=False)
    broken = True

    def write():
        if broken:
            raise OSError("disk full")

    with caplog.at_level(logging.INFO, logger="archsearch"):
        for _ in range(3):
            live._write("plots", write)
        broken = False
        live._write("plots", write)
        broken = True
        live._write("plots", write)
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(messages) == 2
    assert any("plots written again" in r.getMessage() for r in caplog.records)
