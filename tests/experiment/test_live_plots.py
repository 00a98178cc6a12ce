"""Live plots: what each refresh draws."""

from __future__ import annotations

from archsearch import Experiment
from archsearch.experiment import live, outputs
from tests.experiment.conftest import JOB, small_config
from tests.experiment.jobs import write_settings


def test_seed_stats_is_redrawn_only_when_the_seeds_change(tmp_path, monkeypatch):
    draws: list[tuple[int, bool]] = []  # (seed models among the points, seed_stats drawn)
    real_plot_all = outputs.plot_all

    def recording_plot_all(points, plots_dir, eps, **kwargs):
        draws.append((sum(p.is_seed for p in points), kwargs["seed_stats"]))
        return real_plot_all(points, plots_dir, eps, **kwargs)

    monkeypatch.setattr(outputs, "plot_all", recording_plot_all)
    monkeypatch.setattr(live, "PLOT_DUTY", 0)  # a refresh after every result
    write_settings(tmp_path, sleep_s=0.0)
    config = small_config(
        tmp_path,
        "strategy.name=petridish",
        "strategy.seed_grid.reductions=[1]",
        "strategy.seed_grid.cells=[3]",
        "strategy.seed_grid.nodes=[1, 2]",
        "budget.max_jobs=8",
        "resources.engine=local",
        "plot_every_s=0",
    )
    exp = Experiment(config, job_fn=JOB)
    assert "max_jobs" in exp.run(progress=False)

    searching = draws[:-1]  # the last one is the stop's, which draws everything
    assert len(searching) >= 6
    last_seeds = None
    for seeds, drew in searching:
        assert drew == (seeds != last_seeds), draws
        last_seeds = seeds if drew else last_seeds
    assert any(not drew for _, drew in searching) and draws[-1][1]
    assert (exp.run_dir / "plots" / "seed_stats.png").stat().st_size > 0
