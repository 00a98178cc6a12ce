"""`compare`: two runs on one plot, hypervolume in a shared box, hull error at MAdd levels."""

import numpy as np

from archsearch import Experiment
from archsearch.experiment.compare import compare_runs, format_comparison, load_points
from archsearch.hull import hull_error_at, lower_convex_hull
from tests.experiment.conftest import JOB, small_config


def run(tmp_path, name, seed):
    config = small_config(
        tmp_path, f"name={name}", f"seed={seed}", "budget.max_jobs=6", "resources.engine=local"
    )
    exp = Experiment(config, job_fn=JOB)
    exp.run()
    return exp.run_dir


def test_compare_two_runs(tmp_path):
    dirs = [run(tmp_path, "a", 0), run(tmp_path, "b", 1)]
    rows = compare_runs(dirs, tmp_path / "cmp.png", madd_levels=[1e3, 1e12])
    assert (tmp_path / "cmp.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for run_dir, row in zip(dirs, rows, strict=True):
        points = load_points(run_dir)
        pts = np.array([[p.madd, p.error] for p in points])
        assert row["trained"] == len(points) == 6
        assert 0 < row["hypervolume"] <= 1 and row["best_error"] == pts[:, 1].min()
        # Left of every model there is no hull; far right, the hull's last (best) error.
        hull = pts[lower_convex_hull(pts)]
        assert row["error_at"]["1e+03"] is None
        assert row["error_at"]["1e+12"] == hull_error_at(hull, [1e12])[0] == hull[-1, 1]
    assert format_comparison(rows).count("\n") == 2
