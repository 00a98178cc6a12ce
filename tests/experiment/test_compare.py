"""`compare`: two runs on one plot, hypervolume in a shared box, hull error at MAdd levels."""

import numpy as np
import pytest

from archsearch import Experiment
from archsearch.experiment.compare import (
    compare_runs,
    comparison_rows,
    format_comparison,
    load_points,
)
from archsearch.hull import hull_error_at, lower_convex_hull
from archsearch.viz.records import TrialPoint
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


def point(job_id, madd, error, test_error):
    return TrialPoint(job_id, "train", madd, 1, error, "c3r1n1", 0.0, test_error=test_error)


def test_the_hulls_test_error_is_read_where_its_validation_error_is():
    # Hull on validation error: (1e3, .5) - (1e5, .1); (1e4, .49) lies above it.
    points = [point(1, 1e3, 0.5, 0.6), point(2, 1e4, 0.49, 0.05), point(3, 1e5, 0.1, 0.2)]
    (row,) = comparison_rows({"a": points}, [5e2, 1e3, 50_500.0, 1e6])
    assert row["best_test_error"] == 0.2  # the test error of the best validation model
    # Interpolated between the hull's vertices as the validation error is; left: no hull.
    assert row["error_at"] == {
        "500": None,
        "1e+03": 0.5,
        "5.05e+04": pytest.approx(0.3),
        "1e+06": 0.1,
    }
    test_at = row["test_error_at"]
    assert test_at["500"] is None and test_at["1e+03"] == 0.6 and test_at["1e+06"] == 0.2
    assert test_at["5.05e+04"] == pytest.approx(0.4)


def test_runs_without_a_test_split_have_no_test_errors():
    (row,) = comparison_rows({"a": [point(1, 1e3, 0.5, None), point(2, 1e5, 0.1, None)]}, [1e4])
    assert row["best_test_error"] is None and row["test_error_at"] == {"1e+04": None}
