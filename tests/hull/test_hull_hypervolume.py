"""Hypervolume of shapes whose area is known by hand."""

import numpy as np
import pytest

from archsearch.hull import hypervolume_2d, normalized_hypervolume


def test_empty_and_non_dominating_points_give_zero():
    assert hypervolume_2d([], (10, 1)) == 0.0
    assert hypervolume_2d([(10, 0.5), (5, 1.0), (11, 0.1)], (10, 1)) == 0.0


def test_single_point_is_a_rectangle():
    assert hypervolume_2d([(2, 0.25)], (10, 1)) == pytest.approx(8 * 0.75)


def test_staircase():
    # Boxes to ref (10, 1): [1,3)x(0.5), [3,6)x(0.8), [6,10)x(0.9) -> 1.0 + 2.4 + 3.6
    pts = [(3, 0.2), (1, 0.5), (6, 0.1), (7, 0.6), (3, 0.2)]
    assert hypervolume_2d(pts, (10, 1)) == pytest.approx(7.0)


def test_normalized_uses_log_madd_and_the_ideal_box():
    # One decade out of two on the log axis, half the error range: a quarter of the box.
    hv = normalized_hypervolume([(10.0, 0.5)], ref=(100.0, 1.0), ideal=(1.0, 0.0))
    assert hv == pytest.approx(0.5 * 0.5)
    linear = normalized_hypervolume([(10.0, 0.5)], (100.0, 1.0), (1.0, 0.0), log_madd=False)
    assert linear == pytest.approx(90 / 99 * 0.5)
    assert normalized_hypervolume([(0.5, -1.0)], (100.0, 1.0), (1.0, 0.0)) == pytest.approx(1.0)


def test_normalized_rejects_bad_corners_and_non_positive_madd():
    with pytest.raises(ValueError, match="ideal"):
        normalized_hypervolume([(1.0, 0.5)], ref=(1.0, 1.0), ideal=(2.0, 0.0))
    with pytest.raises(ValueError, match="positive"):
        normalized_hypervolume(np.array([(0.0, 0.5)]), ref=(10.0, 1.0), ideal=(1.0, 0.0))
