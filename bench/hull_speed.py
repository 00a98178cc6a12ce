"""How fast the frontier math is on 10^5 points, against baselines timed in the same run.

    .venv/bin/python bench/hull_speed.py [--n 100000] [--repeat 5] [--seed 0]

(after ``make install``; from a bare checkout prefix ``PYTHONPATH=.``)

Timed: ``lower_convex_hull``, ``eps_band`` and ``hypervolume_2d`` on uniform random points and
on the worst case for the hull (every point on a convex curve, so all of them are vertices).
Baselines: ``np.sort`` of the MAdd column (the floor for any sort-based hull) and a naive
gift-wrapping hull on 2*10^3 points of the curve (O(n^2) there: every point is a vertex).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

import numpy as np

from archsearch.hull import eps_band, hypervolume_2d, lower_convex_hull


def best_of(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def naive_hull(pts: np.ndarray) -> list[int]:
    """Gift wrapping: from the cheapest best point take the steepest descent, until none."""
    cur = int(np.lexsort((pts[:, 1], pts[:, 0]))[0])
    hull = [cur]
    while True:
        d = pts - pts[cur]
        below = (d[:, 0] > 0) & (d[:, 1] < 0)
        if not below.any():
            return hull
        slope = np.where(below, d[:, 1] / np.where(below, d[:, 0], 1.0), np.inf)
        cur = int(np.argmin(slope))
        hull.append(cur)


def all_three(pts: np.ndarray) -> None:
    lower_convex_hull(pts)
    eps_band(pts, 0.025)
    hypervolume_2d(pts, (pts[:, 0].max(), 1.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    # MAdd log-uniform over 1e6..2e8 as in a Petridish run; error uniform in [0.05, 0.5].
    uniform = np.column_stack(
        [10 ** rng.uniform(6, np.log10(2e8), args.n), rng.uniform(0.05, 0.5, args.n)]
    )
    theta = np.linspace(0.0, np.pi / 2, args.n)
    curve = np.column_stack([1e6 + 2e8 * (1 - np.cos(theta)), 0.05 + 0.45 * (1 - np.sin(theta))])
    naive_pts = curve[:: max(1, args.n // 2000)][:2000]

    t_sort = best_of(lambda: np.sort(uniform[:, 0]), args.repeat)
    t_naive = best_of(lambda: naive_hull(naive_pts), args.repeat)
    assert sorted(naive_hull(naive_pts)) == sorted(lower_convex_hull(naive_pts).tolist())
    rows = [
        ("np.sort(madd) [baseline]", args.n, t_sort),
        ("naive gift-wrap hull, curve [baseline]", len(naive_pts), t_naive),
        (
            "lower_convex_hull, same curve",
            len(naive_pts),
            best_of(lambda: lower_convex_hull(naive_pts), args.repeat),
        ),
        ("lower_convex_hull", args.n, best_of(lambda: lower_convex_hull(uniform), args.repeat)),
        ("eps_band", args.n, best_of(lambda: eps_band(uniform, 0.025), args.repeat)),
        (
            "hypervolume_2d",
            args.n,
            best_of(lambda: hypervolume_2d(uniform, (2e8, 1.0)), args.repeat),
        ),
        ("hull + band + hypervolume", args.n, best_of(lambda: all_three(uniform), args.repeat)),
        ("hull + band + hv, all on hull", args.n, best_of(lambda: all_three(curve), args.repeat)),
    ]
    print(f"{'what':40s} {'points':>8s} {'ms':>9s} {'/ np.sort':>10s}")
    for name, n, t in rows:
        print(f"{name:40s} {n:8d} {t * 1e3:9.2f} {t / t_sort:10.1f}")
    t_ours_small = rows[2][2]
    print(f"naive / ours on {len(naive_pts)} points: {t_naive / t_ours_small:.1f}x")
    flags = f"--n {args.n} --repeat {args.repeat} --seed {args.seed}"
    print(f"command: {sys.executable} bench/hull_speed.py {flags}")


if __name__ == "__main__":
    main()
