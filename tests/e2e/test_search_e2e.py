"""A whole Petridish search with the smoke config on the session's local Ray cluster."""

import itertools
import json
import sqlite3

import pytest

from archsearch.config import load_config
from archsearch.errors import ConfigError
from archsearch.experiment import Experiment
from archsearch.hull import lower_convex_hull
from archsearch.space.desc import ModelDesc

pytestmark = [pytest.mark.ray, pytest.mark.slow]

PNG = b"\x89PNG\r\n\x1a\n"


def test_smoke_search_produces_every_output(ray_cluster, smoke_conf, tmp_path):
    config = load_config(smoke_conf, [f"out_dir={tmp_path}"])
    exp = Experiment(config)
    reason = exp.run(progress=False)
    run = exp.run_dir
    assert "max_jobs" in reason

    db = sqlite3.connect(run / "experiment.db")
    rows = db.execute("SELECT stage, status FROM jobs").fetchall()
    stages = {s for s, _ in rows}
    assert {"seed_train", "search", "post_train"} <= stages, rows
    assert len(rows) == config.budget.max_jobs
    assert all(status in ("succeeded", "failed") for _, status in rows)

    assert load_config(run / "config.yaml") == config
    for name in ("frontier.png", "pool.png", "seed_stats.png"):
        assert (run / "plots" / name).read_bytes()[:8] == PNG
    hull = json.loads((run / "hull.json").read_text())
    assert hull["hull"], "the hull has points"
    points = [(h["madd"], h["error"]) for h in hull["hull"]]
    assert points == sorted(points)  # by MAdd, error never rising
    assert all(a[1] >= b[1] for a, b in itertools.pairwise(points))
    for k, entry in enumerate(hull["hull"]):
        folder = run / "best" / str(k)
        assert (
            ModelDesc.from_json((folder / "model.json").read_text()).to_dict()
            == entry["model_desc"]
        )
        assert (folder / "weights.pt").stat().st_size > 0
    assert (run / "log.txt").read_text().count("submitted job") >= len(rows)
    # The exported hull is the lower hull of every trained model.
    trained = db.execute(
        "SELECT job_id, madd, error_rate FROM jobs WHERE status='succeeded' AND stage != 'search'"
    ).fetchall()
    import numpy as np

    pts = np.array([[m, e] for _, m, e in trained])
    assert sorted(trained[i][0] for i in lower_convex_hull(pts)) == sorted(
        h["job_id"] for h in hull["hull"]
    )


def test_max_madd_below_every_seed_is_a_clear_error(smoke_conf, tmp_path):
    config = load_config(smoke_conf, [f"out_dir={tmp_path}", "strategy.max_madd=10"])
    with pytest.raises(ConfigError, match="max_madd=10 is below the MAdd of every seed"):
        Experiment(config)
    assert not list(tmp_path.iterdir())  # nothing half-created
