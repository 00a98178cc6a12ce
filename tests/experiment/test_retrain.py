"""`archsearch retrain` on a real (tiny) Petridish run: records, outputs, and the search's
state and resume left intact. Local engine, digits, one-epoch jobs."""

import json
import shutil

import pytest

from archsearch.config import load_config
from archsearch.data import load_data
from archsearch.experiment import Experiment
from archsearch.experiment.history import JobHistory
from archsearch.experiment.retrain import pending, retrain, spread_along
from archsearch.experiment.status import format_status, run_status
from archsearch.jobs.spec import JobSpec, Stage
from archsearch.nn import Model
from archsearch.space.desc import ModelDesc
from archsearch.store import ExperimentStore
from archsearch.train import evaluate, load_weights

SEARCH_JOBS = 6


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    """A finished smoke search (before any retrain) and the store's strategy state then."""
    out = tmp_path_factory.mktemp("retrain")
    config = load_config(
        "confs/petridish_smoke.yaml",
        [f"out_dir={out}", "resources.engine=local", f"budget.max_jobs={SEARCH_JOBS}"],
    )
    exp = Experiment(config)
    exp.run(progress=False)
    return exp.run_dir, ExperimentStore(exp.run_dir / "experiment.db").load_strategy_state()


@pytest.fixture(scope="module")
def retrained(searched):
    run_dir, _ = searched
    reason = retrain(run_dir, top=2, overrides=["retrain.epochs=2"])
    return run_dir, reason


def test_spread_along_keeps_the_most_accurate_point_and_spans_the_hull():
    assert spread_along(5, 1) == [4]
    assert spread_along(5, 2) == [0, 4]
    assert spread_along(5, 3) == [0, 2, 4]
    assert spread_along(3, 7) == [0, 1, 2]


def test_retrain_records_jobs_and_reports_them_beside_the_search(retrained):
    run_dir, reason = retrained
    store = ExperimentStore(run_dir / "experiment.db")
    jobs = store.jobs(stage="retrain")
    hull = json.loads((run_dir / "hull.json").read_text())["hull"]
    assert len(jobs) == min(2, len(hull)) and all(j["status"] == "succeeded" for j in jobs)
    assert "every chosen hull point" in reason
    specs = {s.job_id: s for s in store.specs()}
    for job in jobs:
        spec = specs[job["job_id"]]
        assert spec.train_conf["epochs"] == 2 and spec.warm_start_from is None  # from scratch
    with_retrain = [h for h in hull if h["retrain"]]
    assert {h["retrain"]["job_id"] for h in with_retrain} == {j["job_id"] for j in jobs}
    assert hull[-1]["retrain"] is not None  # the most accurate hull point is always retrained
    for k, h in enumerate(hull):
        summary = json.loads((run_dir / "best" / str(k) / "summary.json").read_text())
        assert summary["retrain"] == h["retrain"] and "test_error" in summary
        assert (run_dir / "best" / str(k) / "retrained.pt").exists() == bool(h["retrain"])
    assert (run_dir / "plots" / "retrain.png").stat().st_size > 0
    text = format_status(run_status(run_dir))
    assert "retrained hull points (SUCCEEDED)" in text and "retrain " in text


def test_every_best_model_loaded_fresh_scores_its_reported_error(retrained):
    run_dir, _ = retrained
    config = load_config(run_dir / "config.yaml")
    data = load_data(config.data)
    for folder in sorted((run_dir / "best").iterdir()):
        summary = json.loads((folder / "summary.json").read_text())
        model = Model.from_desc(ModelDesc.from_json((folder / "model.json").read_text()))
        model.load_state_dict(load_weights(folder / "weights.pt"))
        top1, _ = evaluate(model, data.val, config.train.eval_batch_size)
        assert 1 - top1 == pytest.approx(summary["error"], abs=1e-9), folder.name
        if summary["retrain"]:
            model.load_state_dict(load_weights(folder / "retrained.pt"))
            top1, _ = evaluate(model, data.val, config.train.eval_batch_size)
            assert 1 - top1 == pytest.approx(summary["retrain"]["error"], abs=1e-9)


def test_retrain_keeps_the_search_state_and_runs_nothing_twice(searched, retrained):
    run_dir, state_before = searched
    store = ExperimentStore(run_dir / "experiment.db")
    assert store.load_strategy_state() == state_before
    n = len(store.jobs())
    retrain(run_dir, top=2, overrides=["retrain.epochs=2"])
    assert len(store.jobs()) == n


def test_search_resumes_after_a_retrain(retrained, tmp_path):
    run_dir = tmp_path / "copy"
    shutil.copytree(retrained[0], run_dir)
    exp = Experiment.resume(run_dir, [f"budget.max_jobs={SEARCH_JOBS + 2}"])
    reason = exp.run(progress=False)
    store = ExperimentStore(run_dir / "experiment.db")
    search_jobs = [j for j in store.jobs() if j["stage"] != "retrain"]
    # The budget counts the search's jobs only, and the new ones are the search's own.
    assert len(search_jobs) == SEARCH_JOBS + 2 and "budget.max_jobs" in reason
    assert all(j["status"] == "succeeded" for j in store.jobs())
    assert len(store.jobs(stage="retrain")) == len(store.jobs()) - len(search_jobs)


def test_search_and_retrain_each_resubmit_only_their_own_jobs():
    desc = ModelDesc(input_shape=(1, 8, 8), num_classes=10, stem_channels=4, cells=[])
    specs = {
        i: JobSpec(i, stage, desc, {}, {}, parent_id=parent)
        for i, stage, parent in [(1, Stage.SEED_TRAIN, None), (2, Stage.RETRAIN, 1)]
    }
    search, again = JobHistory(), JobHistory(retrain=True)
    for spec in specs.values():
        search.add_spec(spec)
        again.add_spec(spec)
    assert [s.job_id for s in search.unfinished()] == [1]
    assert [s.job_id for s in again.unfinished()] == [2]
    assert pending(again, [1]) == []  # its retrain is unfinished: the driver resubmits it


def test_top_must_be_positive(searched):
    from archsearch.errors import ConfigError

    with pytest.raises(ConfigError, match="at least 1"):
        retrain(searched[0], top=0)


def test_cli_retrain_prints_the_tables_and_export_carries_test_top1(retrained, capsys):
    from archsearch.cli import main
    from archsearch.experiment.export import export_run

    run_dir, _ = retrained
    assert main(["retrain", str(run_dir), "--top", "2", "--set", "retrain.epochs=2"]) == 0
    assert "retrained hull points" in capsys.readouterr().out
    assert main(["retrain", str(run_dir / "nope")]) == 2
    assert "not a run directory" in capsys.readouterr().err
    header = export_run(run_dir, "csv").read_text().splitlines()[0]
    assert "test_top1" in header.split(",")


def test_retrain_proposals_start_from_scratch_or_warm_with_the_recipe(searched):
    from archsearch.strategy.retrain import Retrain

    run_dir, _ = searched
    history = JobHistory()
    history.load(ExperimentStore(run_dir / "experiment.db"))
    job = history.trained()[0][0].job_id
    for warm in (False, True):
        config = load_config(
            run_dir / "config.yaml",
            [f"retrain.warm_start={warm}", "retrain.train={drop_path: 0.1}"],
        )
        (proposal,) = Retrain(config, history, [job]).ask(3)
        assert proposal.stage is Stage.RETRAIN and proposal.parent_id == job
        assert proposal.warm_start_from == (job if warm else None)
        assert proposal.train_conf["drop_path"] == 0.1
        assert proposal.train_conf["epochs"] == config.retrain.epochs
