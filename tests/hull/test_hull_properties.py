"""Property tests of the frontier, hypervolume and sampling against brute-force definitions."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from archsearch.hull import (
    Hull,
    eps_band,
    hull_error_at,
    hypervolume_2d,
    lower_convex_hull,
    pareto_front,
)

# Realistic values: MAdd spans decades, error is a fraction.
real_points = st.lists(
    st.tuples(
        st.floats(1e3, 1e9, allow_nan=False, allow_subnormal=False),
        st.floats(0.0, 1.0, allow_nan=False, allow_subnormal=False),
    ),
    min_size=1,
    max_size=60,
)
# Small integers: cross products and areas are exact, so brute force can be compared exactly;
# the narrow range makes duplicates, ties and collinear triples common.
int_points = st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), min_size=1, max_size=40)


def brute_pareto(pts: np.ndarray) -> set[int]:
    def dominated(i: int) -> bool:
        better_eq = (pts <= pts[i]).all(axis=1)
        strictly = (pts < pts[i]).any(axis=1)
        return bool((better_eq & strictly).any())

    return {i for i in range(len(pts)) if not dominated(i)}


def brute_hull(pts: np.ndarray) -> list[tuple[int, int]]:
    """Gift wrapping from the cheapest best point: always take the steepest descent, farthest
    on ties, until nothing goes down any more."""
    distinct = sorted({(int(x), int(y)) for x, y in pts})
    cur = min(distinct)
    hull = [cur]
    while True:
        below = [p for p in distinct if p[0] > cur[0] and p[1] < cur[1]]
        if not below:
            return hull
        cur = min(below, key=lambda p, c=cur: ((p[1] - c[1]) / (p[0] - c[0]), -p[0]))
        hull.append(cur)


@settings(max_examples=150, deadline=None)
@given(real_points)
def test_points_are_on_or_above_the_hull(raw):
    pts = np.array(raw)
    hull = pts[lower_convex_hull(pts)]
    h = hull_error_at(hull, pts[:, 0])
    # Error is a fraction, so 1e-12 is relative to the error scale (1) near zero error.
    assert (pts[:, 1] >= h - 1e-12 * np.maximum(np.abs(h), 1.0)).all()


@settings(max_examples=150, deadline=None)
@given(real_points)
def test_hull_is_convex_monotone_and_on_the_pareto_front(raw):
    pts = np.array(raw)
    idx = lower_convex_hull(pts)
    hull = pts[idx]
    assert (np.diff(hull[:, 0]) > 0).all()
    assert (np.diff(hull[:, 1]) < 0).all()
    d = np.diff(hull, axis=0)
    assert (d[1:, 1] * d[:-1, 0] - d[:-1, 1] * d[1:, 0] > 0).all()  # slopes strictly rise
    assert set(idx.tolist()) <= set(pareto_front(pts).tolist())
    assert hull[-1, 1] == pts[:, 1].min()


@settings(max_examples=150, deadline=None)
@given(int_points)
def test_front_and_hull_match_brute_force(raw):
    pts = np.array(raw, dtype=np.float64)
    assert set(pareto_front(pts).tolist()) == brute_pareto(pts)
    hull = [tuple(int(v) for v in pts[i]) for i in lower_convex_hull(pts)]
    assert hull == brute_hull(pts)


@settings(max_examples=100, deadline=None)
@given(real_points, st.floats(0.0, 0.5))
def test_band_contains_the_hull_and_grows_with_eps(raw, eps):
    pts = np.array(raw)
    band = set(eps_band(pts, eps).tolist())
    assert set(lower_convex_hull(pts).tolist()) <= band
    assert band <= set(eps_band(pts, eps + 0.1).tolist())


@settings(max_examples=100, deadline=None)
@given(int_points)
def test_hypervolume_equals_covered_unit_cells(raw):
    pts = np.array(raw, dtype=np.float64)
    ref = (12.0, 12.0)
    # Unit cell (x, y) is dominated when some point is at or below its lower-left corner.
    covered = sum(
        1 for x in range(12) for y in range(12) if ((pts[:, 0] <= x) & (pts[:, 1] <= y)).any()
    )
    assert hypervolume_2d(pts, ref) == covered


@settings(max_examples=100, deadline=None)
@given(real_points, st.tuples(st.floats(1e3, 1e9), st.floats(0.0, 1.0)))
def test_adding_a_point_never_lowers_hypervolume(raw, extra):
    pts = np.array(raw)
    ref = (1e9, 1.0)
    before = hypervolume_2d(pts, ref)
    after = hypervolume_2d(np.vstack([pts, extra]), ref)
    assert after >= before * (1 - 1e-12)


@settings(max_examples=30, deadline=None)
@given(real_points.map(lambda pts: pts[:15]), st.floats(0.0, 0.2), st.integers(0, 2**32 - 1))
def test_sampling_draws_only_band_members_and_reaches_all_of_them(raw, eps, seed):
    hull = Hull(eps=eps)
    for job_id, (madd, err) in enumerate(raw):
        hull.add(job_id, madd, err)
    band = set(hull.band_ids())
    rng = np.random.default_rng(seed)
    # Counting draws pushes weight onto the points drawn least, so 40 draws per member
    # reach every one of them.
    picks = {hull.sample_parent(rng) for _ in range(40 * len(band))}
    assert picks == band


# Values on a coarse grid, so exact copies, ties in MAdd or error and collinear points are common.
grid_points = st.lists(
    st.tuples(st.sampled_from([1e3, 2e3, 3e3, 5e3, 1e4]), st.sampled_from([0.1, 0.2, 0.3, 0.5])),
    min_size=1,
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(st.one_of(real_points, grid_points), st.sampled_from([0.0, 0.025, 0.3]), st.randoms())
def test_the_incremental_hull_and_band_equal_a_batch_pass_after_every_point(raw, eps, random):
    """Each model joins in O(hull + band); after each, hull and band are what the batch
    functions give over every point so far, in id order (ids arrive shuffled)."""
    ids = list(range(len(raw)))
    random.shuffle(ids)
    hull = Hull(eps=eps)
    seen = []
    for job_id in ids:
        hull.add(job_id, *raw[job_id])
        seen.append(job_id)
        by_id = sorted(seen)
        pts = np.array([raw[i] for i in by_id]).reshape(-1, 2)
        assert hull.hull_ids() == [by_id[i] for i in lower_convex_hull(pts)]
        assert sorted(hull.band_ids()) == [by_id[i] for i in eps_band(pts, eps)]
