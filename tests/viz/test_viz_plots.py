"""Every plot writes a valid PNG, for a realistic pool and for degenerate ones, atomically."""

import json
from pathlib import Path

import numpy as np
import pytest
from viz_synthetic import synthetic_run

from archsearch.viz import (
    TrialPoint,
    plot_all,
    plot_comparison,
    plot_frontier,
    plot_pool,
    plot_seed_stats,
)
from archsearch.viz.canvas import new_figure, save_atomic
from archsearch.viz.frontier import hull_curve

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_png(path: Path) -> None:
    data = Path(path).read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert len(data) > 5_000  # axes, text and markers, not an empty canvas
    assert not list(Path(path).parent.glob("*.tmp"))  # no temp file left behind
    assert Path(path).stat().st_mode & 0o777 == 0o644  # not mkstemp's private 0600


def seed(job_id: int, madd: float, error: float, t: float = 10.0) -> TrialPoint:
    return TrialPoint(job_id, "seed_train", madd, int(madd / 10), error, "c3r1n1", t)


SMALL = [seed(0, 1e7, 0.3), seed(1, 3e7, 0.2, 20.0)]
ONE = [seed(0, 1e7, 0.3)]
EDGE_CASES = {
    "empty": [],
    "one": ONE,
    "small": SMALL,
    "same_point_twice": [seed(0, 1e7, 0.3), seed(1, 1e7, 0.3)],
    "grown_only_orphan": [TrialPoint(5, "post_train", 2e7, 10, 0.2, "c3r1n2", 1.0, 99)],
    "unplottable": [seed(0, 0.0, 0.3), seed(1, 1e7, float("nan"))],
}


@pytest.mark.parametrize("case", EDGE_CASES)
def test_each_plot_handles_small_and_degenerate_pools(tmp_path, case):
    points = EDGE_CASES[case]
    assert_png(plot_frontier(points, tmp_path / "frontier.png", eps=0.025))
    assert_png(plot_pool(points, tmp_path / "pool.png"))
    assert_png(plot_seed_stats(points, tmp_path / "seed_stats.png"))
    assert_png(plot_comparison({"a": points, "b": SMALL}, tmp_path / "compare.png"))


def test_plot_all_writes_the_three_run_plots(tmp_path, realistic):
    paths = plot_all(realistic, tmp_path / "plots", eps=0.025)
    assert [p.name for p in paths] == ["frontier.png", "pool.png", "seed_stats.png"]
    for path in paths:
        assert_png(path)


def test_plots_of_a_large_pool(tmp_path):
    points = synthetic_run(n_seeds=36, n_grown=300, seed=1)
    assert_png(plot_frontier(points, tmp_path / "frontier.png", eps=0.025, title="big"))
    assert_png(plot_pool(points, tmp_path / "pool.png"))


def test_comparison_of_runs_and_of_nothing(tmp_path, realistic):
    runs = {"petridish": realistic, "random": synthetic_run(seed=5), "empty": []}
    assert_png(plot_comparison(runs, tmp_path / "compare.png"))
    assert_png(plot_comparison({}, tmp_path / "none.png"))


def test_save_is_atomic_when_drawing_fails(tmp_path, monkeypatch):
    target = tmp_path / "frontier.png"
    plot_frontier(SMALL, target, eps=0.0)
    before = target.read_bytes()
    fig = new_figure()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(fig, "savefig", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        save_atomic(fig, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frontier.png"]


def test_hull_curve_passes_through_the_vertices_and_runs_flat_to_the_right():
    xy = np.array([(1e6, 0.4), (1e7, 0.2), (1e8, 0.1), (1e9, 0.3)])
    xs, ys = hull_curve(xy, right=1e9)
    for madd, err in xy[:3]:
        assert ys[np.searchsorted(xs, madd)] == pytest.approx(err)
    assert xs[-1] == 1e9 and ys[-1] == pytest.approx(0.1)


def test_trial_point_round_trips_and_checks_its_stage():
    point = TrialPoint(3, "post_train", 2.5e7, 123, 0.18, "c5r1n3", 42.0, parent_id=1)
    assert TrialPoint.from_dict(json.loads(json.dumps(point.to_dict()))) == point
    assert not point.is_seed and ONE[0].is_seed
    with pytest.raises(ValueError, match="stage"):
        TrialPoint(3, "search", 2.5e7, 123, 0.18, "c5r1n3", 42.0)


@pytest.mark.parametrize("madd", [1e7, 42732899.856619105, 3.3e8])
def test_hull_curve_of_one_point_is_finite(madd):
    xs, ys = hull_curve(np.array([(madd, 0.2)]), right=madd)
    assert np.isfinite(ys).all() and xs[0] == madd


def test_frontier_marks_the_hull_test_errors_and_retrain_plots(tmp_path, realistic):
    from dataclasses import replace

    from archsearch.viz import RetrainPoint, plot_retrain

    tested = [replace(p, test_error=p.error + 0.01) for p in realistic]
    assert TrialPoint.from_dict(json.loads(json.dumps(tested[0].to_dict()))) == tested[0]
    assert_png(plot_frontier(tested, tmp_path / "frontier.png", eps=0.025))
    points = [
        RetrainPoint(10 + i, p.job_id, p.label, p.madd, p.error, p.error + 0.01, p.error / 2, t)
        for i, (p, t) in enumerate(zip(realistic[:3], [0.05, 0.04, 0.03], strict=True))
    ]
    assert_png(plot_retrain(points, tmp_path / "retrain.png"))
    untested = [replace(p, test_error=None, search_test_error=None) for p in points]
    assert_png(plot_retrain(untested, tmp_path / "retrain_val.png"))
    assert_png(plot_retrain([], tmp_path / "none.png"))
