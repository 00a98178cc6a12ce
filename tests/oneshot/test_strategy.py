"""One-shot strategies as ask/tell: one SUPERNET job per (macro, penalty weight), then one
POST_TRAIN job per export; resumable from JSON state; and one real search on the LocalEngine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archsearch.config import Config, load_config
from archsearch.experiment import Experiment
from archsearch.experiment.history import JobHistory
from archsearch.jobs.spec import Stage
from archsearch.strategy import STRATEGIES
from archsearch.strategy.base import StrategyStatus
from bench.sleep_job import SLEEP_ENV
from tests.strategy.harness import Harness, proposal_key

NAMES = ["darts", "gumbel_darts", "random_oneshot", "proxyless", "enas"]


@pytest.fixture(autouse=True)
def _instant_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SLEEP_ENV, "0")


def config(name: str, **section) -> Config:
    return Config.model_validate(
        {
            "seed": 1,
            "strategy": {
                "name": name,
                "macros": [
                    {"cells": 3, "reductions": 1, "nodes": 2},
                    {"cells": 1, "reductions": 0},
                ],
                "penalty_weights": [0.0, 0.3],
                **section,
            },
        }
    )


@pytest.mark.parametrize("name", NAMES)
def test_one_supernet_per_macro_and_penalty_then_one_export_each(name: str):
    h = Harness(lambda c, ctx: STRATEGIES[name](c, ctx), config(name))
    supernets = h.submit(h.strategy.ask(10))
    assert [s.stage for s in supernets] == [Stage.SUPERNET] * 4
    assert [(len(s.model_desc.cells), s.meta["penalty_weight"]) for s in supernets] == [
        (3, 0.0),
        (3, 0.3),
        (1, 0.0),
        (1, 0.3),
    ]
    assert all(s.meta["method"] == name and s.train_conf["epochs"] == 5 for s in supernets)
    assert h.strategy.ask(3) == [] and h.strategy.stop_reason() is None
    h.finish(supernets[1])
    h.finish(supernets[0], fail=True)
    (export,) = h.submit(h.strategy.ask(3))
    assert export.stage is Stage.POST_TRAIN and export.parent_id == supernets[1].job_id
    assert export.model_desc == h.history.result(supernets[1].job_id).model_desc
    assert export.warm_start_from == supernets[1].job_id
    assert export.meta == {"supernet_job": supernets[1].job_id, "penalty_weight": 0.3}
    json.dumps(h.strategy.state_dict())
    copy = h.restore_copy()
    for spec in list(h.in_flight):
        h.finish(spec)
    ours, theirs = h.strategy.ask(5), copy.ask(5)
    assert [proposal_key(p) for p in ours] == [proposal_key(p) for p in theirs]
    exports = h.submit(ours)
    assert [p.stage for p in exports] == [Stage.POST_TRAIN] * 2
    assert h.strategy.stop_reason() is None
    for spec in exports:
        h.finish(spec)
    for s in (h.strategy, copy):
        reason = s.stop_reason()
        assert reason and "3 trained" in reason and "1 supernet(s) failed" in reason


def test_warm_start_off_trains_exports_from_scratch():
    h = Harness(lambda c, ctx: STRATEGIES["darts"](c, ctx), config("darts", warm_start=False))
    for spec in h.submit(h.strategy.ask(1)):
        h.finish(spec)
    (export,) = h.strategy.ask(1)
    assert export.warm_start_from is None and export.parent_id is not None


@pytest.mark.slow
def test_a_darts_search_on_the_local_engine_exports_a_frontier(tmp_path: Path):
    conf = load_config(
        None,
        [
            f"out_dir={tmp_path}",
            "name=oneshot",
            "resources.engine=local",
            "plot_every_s=1e9",
            "data.name=synthetic",
            "data.synthetic_samples=160",
            "data.synthetic_shape=[1, 8, 8]",
            "model.init_channels=4",
            "model.primitives=[skip_connect, max_pool_3x3, sep_conv_3x3]",
            "train.epochs=1",
            "train.device=cpu",
            "strategy.name=darts",
            "strategy.macros=[{cells: 1, reductions: 0, nodes: 1}]",
            "strategy.supernet_epochs=1",
            "strategy.penalty_weights=[0.0, 5.0]",
        ],
    )
    exp = Experiment(conf)
    reason = exp.run(progress=False)
    assert "every supernet is searched" in reason and "2 trained" in reason
    assert exp.strategy.status is StrategyStatus.SUCCEEDED
    jobs = exp.list_jobs()
    assert sorted(j["stage"] for j in jobs) == ["post_train"] * 2 + ["supernet"] * 2
    assert all(j["status"] == "succeeded" for j in jobs)
    supernets = {j["job_id"] for j in jobs if j["stage"] == "supernet"}
    assert {j["parent_id"] for j in jobs if j["stage"] == "post_train"} == supernets
    hull = json.loads((exp.run_dir / "hull.json").read_text())
    assert hull["trained"] == 2 and hull["hull"]
    assert {e["stage"] for e in hull["hull"]} == {"post_train"}
    assert (exp.run_dir / "plots" / "frontier.png").exists()
    assert (exp.run_dir / "best" / "0" / "model.json").exists()
    history = JobHistory()
    history.load(exp.store)
    assert all(not s.model_desc.has_search_nodes for s, _ in history.trained())
