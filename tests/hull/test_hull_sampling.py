"""Parent sampling: band only, deterministic, spreads over the frontier, favours the cheap."""

import json

import numpy as np
import pytest

from archsearch.hull import Hull, parent_weights, sample_parent

# A hull of three points plus one in the band and one far above it.
POINTS = [(1e6, 0.40), (1e7, 0.20), (1e8, 0.10), (1e7, 0.205), (1e7, 0.5)]


def test_weights_follow_the_documented_formula():
    w = parent_weights(POINTS, 0.05, [0, 0, 0, 3, 0], madd_weight=1.0)
    assert w.tolist() == pytest.approx([1.0, 1 / 2, 1 / 3, 1 / 2 / 4, 0.0])
    flat = parent_weights(POINTS, 0.05, [0] * 5, madd_weight=0.0)
    assert flat.tolist() == [1.0, 1.0, 1.0, 1.0, 0.0]


def test_exclusion_mask_and_empty_band():
    exclude = np.array(POINTS)[:, 0] >= 1e8
    w = parent_weights(POINTS, 0.05, [0] * 5, exclude=exclude)
    assert w[2] == 0.0 and w[0] > 0
    rng = np.random.default_rng(0)
    assert sample_parent(POINTS, 0.05, [0] * 5, rng, exclude=[True] * 5) is None
    assert sample_parent([], 0.05, [], rng) is None


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="times_sampled"):
        parent_weights(POINTS, 0.05, [0, 0])
    with pytest.raises(ValueError, match="madd_weight"):
        parent_weights(POINTS, 0.05, [0] * 5, madd_weight=-1)


def test_non_positive_madd_counts_as_the_cheapest_instead_of_failing():
    w = parent_weights([(0.0, 0.5), (1e6, 0.2), (1e7, 0.1)], 0.0, [0, 0, 0])
    assert w.tolist() == pytest.approx([1.0, 1.0, 0.5])
    assert parent_weights([(0.0, 0.1)], 0.0, [0]).tolist() == [1.0]


def test_sampling_is_deterministic_given_the_generator():
    def draws(seed: int) -> list[int]:
        rng = np.random.default_rng(seed)
        return [sample_parent(POINTS, 0.05, [0] * 5, rng) for _ in range(20)]

    assert draws(7) == draws(7)
    assert set(draws(7)) <= {0, 1, 2, 3}


def test_never_sampled_point_is_picked_more_than_a_much_sampled_one():
    # Two band points with equal MAdd, so only the counts differ.
    pts = [(1e6, 0.2), (1e6, 0.2)]
    rng = np.random.default_rng(0)
    picks = [sample_parent(pts, 0.0, [0, 9], rng) for _ in range(1000)]
    fresh = picks.count(0)
    assert fresh > 5 * picks.count(1)  # expected ratio 10:1


def test_hull_state_round_trips_through_json_and_counts_draws():
    hull = Hull(eps=0.05)
    for job_id, (madd, err) in zip([10, 11, 12, 13, 14], POINTS, strict=True):
        hull.add(job_id, madd, err)
    assert len(hull) == 5 and 12 in hull and 99 not in hull
    assert hull.hull_ids() == [10, 11, 12]
    assert hull.band_ids() == [10, 11, 12, 13]
    assert hull.point(13) == (1e7, 0.205)

    rng = np.random.default_rng(3)
    picks = [hull.sample_parent(rng) for _ in range(30)]
    assert set(picks) <= {10, 11, 12, 13}
    assert sum(hull.times_sampled) == 30

    copy = Hull.from_dict(json.loads(json.dumps(hull.to_dict())))
    assert copy == hull and copy.hull_ids() == hull.hull_ids()
    assert copy.sample_parent(np.random.default_rng(5)) == hull.sample_parent(
        np.random.default_rng(5)
    )


def test_hull_state_max_madd_and_validation():
    hull = Hull(eps=0.0)
    assert hull.sample_parent(np.random.default_rng(0)) is None
    assert hull.hull_ids() == [] and hull.band_ids() == []
    hull.add(1, 3e8, 0.1)
    assert hull.sample_parent(np.random.default_rng(0), max_madd=2e8) is None
    hull.add(2, 1e8, 0.2)
    assert hull.sample_parent(np.random.default_rng(0), max_madd=2e8) == 2
    with pytest.raises(ValueError, match="already"):
        hull.add(2, 1e8, 0.2)
    with pytest.raises(ValueError, match="finite"):
        hull.add(3, 1e8, float("nan"))
    with pytest.raises(ValueError, match="unique"):
        Hull(ids=[1, 1], madd=[1.0, 2.0], error=[0.1, 0.2], times_sampled=[0, 0])
    with pytest.raises(ValueError, match="eps"):
        Hull(eps=-1.0)


def test_a_known_band_gives_the_weights_a_computed_one_does():
    from archsearch.hull.frontier import band_mask

    counts = [0, 2, 0, 1, 0]
    known = parent_weights(POINTS, 0.05, counts, band=band_mask(POINTS, 0.05))
    assert known.tolist() == parent_weights(POINTS, 0.05, counts).tolist()
    with pytest.raises(ValueError, match="band must be a mask of 5"):
        parent_weights(POINTS, 0.05, counts, band=[True, False])


def test_callers_draw_counts_by_job_id_steer_the_draw():
    hull = Hull(eps=0.05)
    for job_id, (madd, err) in zip([10, 11, 12, 13, 14], POINTS, strict=True):
        hull.add(job_id, madd, err)
    # Every band member but 11 drawn often (13 and 14 lie past the array's end: 0 draws)...
    counts = np.zeros(13, dtype=np.int64)
    counts[[10, 12]] = 10**6
    picks = {hull.sample_parent(np.random.default_rng(s), times_sampled=counts) for s in range(40)}
    assert picks <= {11, 13} and 11 in picks
    assert sum(hull.times_sampled) == 0  # ...and the pool's own counts are left alone
