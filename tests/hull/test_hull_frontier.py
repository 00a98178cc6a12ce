"""Hand-made point sets with known Pareto fronts, hulls and eps-bands."""

import subprocess
import sys

import numpy as np
import pytest

from archsearch.hull import (
    band_mask,
    eps_band,
    hull_error_at,
    lower_convex_hull,
    pareto_front,
)


def test_empty_and_single_point():
    assert lower_convex_hull([]).tolist() == []
    assert pareto_front(np.empty((0, 2))).tolist() == []
    assert eps_band([], 0.1).tolist() == []
    assert lower_convex_hull([(5.0, 0.3)]).tolist() == [0]
    assert eps_band([(5.0, 0.3)], 0.0).tolist() == [0]


def test_simple_convex_hull_sorted_by_madd():
    pts = [(4, 0.2), (1, 0.5), (2, 0.3), (3, 0.4)]
    assert lower_convex_hull(pts).tolist() == [1, 2, 0]


def test_monotone_cut_drops_rising_tail():
    # (4, 0.1) is the best; (5, 0.12) and (8, 0.3) would be on the plain lower hull.
    pts = [(1, 0.5), (2, 0.2), (4, 0.1), (5, 0.12), (8, 0.3)]
    assert lower_convex_hull(pts).tolist() == [0, 1, 2]


def test_equal_best_error_keeps_the_cheapest():
    pts = [(1, 0.5), (3, 0.1), (6, 0.1)]
    assert lower_convex_hull(pts).tolist() == [0, 1]
    assert pareto_front(pts).tolist() == [0, 1]


def test_collinear_middle_points_are_not_vertices_but_are_in_band():
    pts = [(1, 0.4), (2, 0.3), (3, 0.2), (4, 0.1)]
    assert lower_convex_hull(pts).tolist() == [0, 3]
    assert eps_band(pts, 0.0).tolist() == [0, 1, 2, 3]


def test_duplicates_give_one_vertex_lowest_index():
    pts = [(2, 0.3), (1, 0.5), (2, 0.3), (1, 0.5), (4, 0.2)]
    assert lower_convex_hull(pts).tolist() == [1, 0, 4]
    assert pareto_front(pts).tolist() == [1, 3, 0, 2, 4]  # every copy is non-dominated
    assert eps_band(pts, 0.0).tolist() == [0, 1, 2, 3, 4]


def test_same_madd_only_the_best_error_counts():
    pts = [(1, 0.9), (1, 0.5), (2, 0.4), (2, 0.2)]
    assert lower_convex_hull(pts).tolist() == [1, 3]
    assert pareto_front(pts).tolist() == [1, 3]


def test_pareto_front_excludes_weakly_dominated():
    pts = [(1, 0.5), (2, 0.5), (2, 0.4), (3, 0.1), (0.5, 0.9)]
    assert pareto_front(pts).tolist() == [4, 0, 2, 3]


def test_pareto_point_above_hull_is_not_a_vertex():
    pts = [(1, 0.5), (2, 0.45), (3, 0.1)]  # (2, 0.45) is above the chord from 1 to 3
    assert pareto_front(pts).tolist() == [0, 1, 2]
    assert lower_convex_hull(pts).tolist() == [0, 2]


def test_hull_error_at_interpolates_and_is_flat_right_inf_left():
    hull = np.array([(1.0, 0.5), (3.0, 0.1)])
    got = hull_error_at(hull, [0.5, 1.0, 2.0, 3.0, 100.0])
    assert got.tolist() == [np.inf, 0.5, pytest.approx(0.3), 0.1, 0.1]
    assert hull_error_at(hull, 2.0).shape == ()
    assert hull_error_at(np.empty((0, 2)), [1.0]).tolist() == [np.inf]


def test_eps_band_is_multiplicative():
    # hull: (1, 0.4) - (3, 0.2); at madd 2 the hull error is 0.3, band edge 0.3 * 1.1 = 0.33.
    pts = [(1, 0.4), (3, 0.2), (2, 0.329), (2, 0.331), (5, 0.219), (5, 0.221)]
    assert eps_band(pts, 0.1).tolist() == [0, 1, 2, 4]
    assert eps_band(pts, 0.0).tolist() == [0, 1]
    assert band_mask(pts, 0.1).tolist() == [True, True, True, False, True, False]


@pytest.mark.parametrize(
    "bad", [[(1.0, np.nan)], [(np.inf, 0.1)], [[1.0, 2.0, 3.0]], np.zeros((2, 2, 2))]
)
def test_bad_points_are_rejected(bad):
    with pytest.raises(ValueError, match="points must"):
        lower_convex_hull(bad)


def test_negative_eps_is_rejected():
    with pytest.raises(ValueError, match="eps"):
        eps_band([(1, 0.1)], -0.1)


def test_hull_imports_neither_torch_nor_ray():
    code = "import sys, archsearch.hull; print(sorted({'torch', 'ray'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
