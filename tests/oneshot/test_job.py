"""A SUPERNET job through ``run_job``, as a worker runs it: an ordinary exported description,
its inherited weights on disk, and the exported model's MAdd."""

from __future__ import annotations

from pathlib import Path

import torch

from archsearch.config import DataConfig
from archsearch.jobs.report import reporting_to
from archsearch.jobs.run import run_job
from archsearch.jobs.spec import JobSpec, Stage, Status
from archsearch.nn import Model
from archsearch.space.primitives import SEARCHABLE_PRIMITIVES
from archsearch.train import profile, weights_from_bytes
from tests.oneshot.conftest import PAIRS, pairs_supernet

DATA = DataConfig.model_validate({**PAIRS, "synthetic_samples": 300}).model_dump(mode="json")


def supernet_spec(tmp_path: Path, method: str, **meta) -> JobSpec:
    return JobSpec(
        job_id=5,
        stage=Stage.SUPERNET,
        model_desc=pairs_supernet(init_channels=4),
        train_conf={"epochs": 2, "batch_size": 32, "device": "cpu"},
        data_conf=DATA,
        seed=3,
        meta={"method": method, "method_conf": {"top_k": 2, "supernet_epochs": 2}, **meta},
    )


def test_supernet_job_exports_an_ordinary_model_with_its_weights(tmp_path: Path):
    reports = []
    with reporting_to(lambda job, epoch, metrics: reports.append((job, epoch, metrics))):
        result = run_job(supernet_spec(tmp_path, "darts", penalty_weight=0.5))
    assert result.status is Status.SUCCEEDED, result.error
    desc = result.model_desc
    edges = [e for c in desc.cells for n in c.nodes for e in n.edges]
    assert len(edges) == 2 and all(e.op in SEARCHABLE_PRIMITIVES for e in edges)
    model = Model.from_desc(desc)
    model.load_state_dict(weights_from_bytes(result.weights))  # strict: every tensor present
    assert result.madd == profile(model, desc.input_shape).madd == result.metrics["predicted_madd"]
    assert result.metrics["penalty_weight"] == 0.5 and 0 <= result.metrics["val_top1"] <= 1
    assert [r[:2] for r in reports] == [(5, 0), (5, 1)] and len(result.curve) == 2
    assert reports[0][2]["supernet_epoch_s"] > 0


def test_the_same_spec_gives_the_same_export(tmp_path: Path):
    first = run_job(supernet_spec(tmp_path, "enas"))
    again = run_job(supernet_spec(tmp_path, "enas"))
    assert first.model_desc == again.model_desc
    a, b = weights_from_bytes(first.weights), weights_from_bytes(again.weights)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_an_unknown_method_fails_the_job_with_the_known_ones(tmp_path: Path):
    result = run_job(supernet_spec(tmp_path, "nas_bench"))
    assert result.status is Status.FAILED
    assert "nas_bench" in result.error and "darts" in result.error and "enas" in result.error
