"""A realistic synthetic search: seeds, then children grown from parents drawn off the hull.

A plain module (not the conftest) so tests can import it by a name no other folder uses.
"""

import numpy as np

from archsearch.hull import Hull
from archsearch.viz import TrialPoint


def synthetic_run(n_seeds: int = 8, n_grown: int = 40, seed: int = 0) -> list[TrialPoint]:
    rng = np.random.default_rng(seed)
    points: list[TrialPoint] = []
    hull = Hull(eps=0.025)
    clock = 0.0
    shapes = [
        (c, r, n) for r in (1, 2, 3) for c in range(3, 9) for n in (1, 2, 3) if c >= 2 * r + 1
    ]
    for job_id, k in enumerate(rng.choice(len(shapes), n_seeds, replace=False)):
        c, r, n = shapes[k]
        madd = 2e6 * c * n * (1 + r) * rng.uniform(0.8, 1.2)
        error = 0.06 + 0.2 * (1e7 / madd) ** 0.5 + rng.normal(0, 0.015)
        clock += rng.uniform(30, 90)
        params = int(madd / rng.uniform(8, 12))
        points.append(TrialPoint(job_id, "seed_train", madd, params, error, f"c{c}r{r}n{n}", clock))
        hull.add(job_id, madd, error)
    for job_id in range(n_seeds, n_seeds + n_grown):
        parent = points[hull.sample_parent(rng)]
        madd = parent.madd * rng.uniform(1.1, 1.6)
        error = parent.error * rng.uniform(0.88, 1.04)
        c, rest = parent.label[1:].split("r")
        r, n = rest.split("n")
        label = f"c{c}r{r}n{int(n) + 1}"
        clock += rng.uniform(60, 200)
        params = int(parent.params * madd / parent.madd)
        points.append(
            TrialPoint(job_id, "post_train", madd, params, error, label, clock, parent.job_id)
        )
        hull.add(job_id, madd, error)
    return points
