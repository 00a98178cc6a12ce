"""Bad input to the CLI is one line on stderr and exit 2, never a traceback: hostile model.json
files, damaged weights, damaged or foreign stores, a damaged hull.json, runs with nothing
trained."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings

from archsearch import Experiment
from archsearch.cli import EXIT_USAGE, main
from archsearch.space.builders import seed_model
from archsearch.train import save_weights
from tests.experiment.conftest import JOB, small_config
from tests.space.hostile import hostile_docs

# A network on 24 synthetic 3x8x8 samples of 4 classes, one epoch: a valid description trains
# in a fraction of a second.
TINY = [
    "data.name=synthetic",
    "data.synthetic_samples=24",
    "train.epochs=1",
    "train.batch_size=8",
    "train.device=cpu",
]


def cli(argv: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    """``main(argv)`` in-process: (exit code, stdout, stderr)."""
    capsys.readouterr()
    handlers = list(logging.getLogger().handlers)
    try:
        code = main(argv)
    finally:  # main() adds a stderr handler per call; keep the root logger as it was
        for handler in logging.getLogger().handlers:
            if handler not in handlers:
                logging.getLogger().removeHandler(handler)
    out, err = capsys.readouterr()
    return code, out, err


def train_argv(model: Path, *extra: str) -> list[str]:
    return ["train", str(model), *extra, *(a for o in TINY for a in ("--set", o))]


def assert_one_line(err: str, *names: object) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for name in names:
        assert str(name) in lines[0], (name, err)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(doc=hostile_docs())
def test_train_on_a_hostile_model_json_trains_or_says_one_line(doc, tmp_path, capsys):
    model = tmp_path / "model.json"
    model.write_text(json.dumps(doc))
    code, out, err = cli(train_argv(model, "--weights-out", str(tmp_path / "w.pt")), capsys)
    if code == 0:
        assert 0 <= json.loads(out)["val_top1"] <= 1
    else:
        assert code == EXIT_USAGE
        assert_one_line(err, model)


def test_the_issue_example_is_one_line(tmp_path, capsys):
    model = tmp_path / "bad.json"
    model.write_text('{"cells": 3}')
    code, _, err = cli(train_argv(model), capsys)
    assert code == EXIT_USAGE
    assert_one_line(err, model, "missing key(s) 'input_shape'")


def test_a_model_for_other_data_is_one_line(tmp_path, capsys):
    model = tmp_path / "model.json"
    model.write_text(seed_model(3, 1, 1, input_shape=(3, 32, 32), num_classes=10).to_json())
    code, _, err = cli(train_argv(model), capsys)
    assert code == EXIT_USAGE
    assert_one_line(err, model, "inputs [3, 32, 32] and 10 classes; data set 'synthetic'")


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_damaged_warm_start_weights_are_one_line(tmp_path, capsys, damage):
    model = tmp_path / "model.json"
    model.write_text(seed_model(3, 1, 1, input_shape=(3, 8, 8), num_classes=4).to_json())
    weights = tmp_path / "parent.pt"
    save_weights({"stem.0.weight": torch.zeros(3)}, weights)
    data = weights.read_bytes()
    weights.write_bytes(
        {"truncate": data[: len(data) // 2], "garbage": b"\x00garbage", "empty": b""}[damage]
    )
    code, _, err = cli(train_argv(model, "--weights", str(weights)), capsys)
    assert code == EXIT_USAGE
    assert_one_line(err, weights, "truncated or corrupt weights file")


@pytest.mark.parametrize("command", ["status", "export", "plot", "update", "view"])
@pytest.mark.parametrize(
    "damage", ["garbage", "other version", "foreign", "no tables yet", "no version yet"]
)
def test_a_damaged_or_foreign_store_is_one_line(tmp_path, capsys, command, damage):
    """The last two are a store its driver is creating, read a moment too early."""
    run = tmp_path / "run"
    run.mkdir()
    db = run / "experiment.db"
    if damage == "garbage":
        db.write_bytes(b"SQLite? no." * 200)
    elif damage == "no tables yet":
        db.write_bytes(b"")
    else:
        with sqlite3.connect(db) as c:
            if damage == "foreign":
                c.execute("CREATE TABLE songs (title TEXT)")
            else:
                c.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
            if damage == "other version":
                c.execute("INSERT INTO meta VALUES ('schema_version', '99')")
    (run / "config.yaml").write_text("name: run\n")
    before = db.read_bytes()
    extra = {"update": ["--max-jobs", "5"], "view": ["--port", "0"]}.get(command, [])
    code, _, err = cli([command, str(run), *extra], capsys)
    assert code == EXIT_USAGE
    assert_one_line(err, db)
    assert db.read_bytes() == before  # refused, not altered


def finished_run(tmp_path: Path, name: str) -> Path:
    config = small_config(tmp_path, f"name={name}", "budget.max_jobs=3", "resources.engine=local")
    exp = Experiment(config, job_fn=JOB)
    exp.run(progress=False)
    exp.store.close()
    return exp.run_dir


@pytest.mark.parametrize(
    "damage", [b'{"hull": [', b"\xff\xfe", b"[1, 2]", b'{"hull": [{"job_id": 1}]}']
)
def test_status_export_compare_on_a_damaged_hull_json(tmp_path, capsys, damage):
    run = finished_run(tmp_path, "a")
    (run / "hull.json").write_bytes(damage)
    for argv in (["status", str(run)], ["export", str(run), "--format", "json"]):
        code, _, err = cli(argv, capsys)
        assert code == EXIT_USAGE, argv
        assert_one_line(err, run / "hull.json", "is damaged", f"archsearch plot {run}")
    # compare reads the store, not hull.json; plot writes hull.json again, and status works
    code, out, _ = cli(["compare", str(run), "--plot", str(tmp_path / "c.png")], capsys)
    assert code == 0 and str(run)[-32:] in out
    assert cli(["plot", str(run)], capsys)[0] == 0
    code, out, _ = cli(["status", str(run)], capsys)
    assert code == 0 and "hull (" in out


def test_commands_on_runs_with_no_trained_model(tmp_path, capsys):
    empty = Experiment(small_config(tmp_path, "name=empty"), job_fn=JOB).run_dir  # never run
    code, out, _ = cli(["status", str(empty)], capsys)
    assert code == 0 and "INITIALIZED" in out and "hull (0 points" in out
    code, out, _ = cli(["export", str(empty), "--format", "csv"], capsys)
    assert code == 0 and Path(out.strip()).exists()
    assert cli(["plot", str(empty)], capsys)[0] == 0
    code, _, err = cli(["compare", str(empty), "--plot", str(tmp_path / "c.png")], capsys)
    assert code == EXIT_USAGE
    assert_one_line(err, empty, "nothing to compare")


def test_list_shows_a_damaged_run_beside_the_others(tmp_path, capsys):
    good = finished_run(tmp_path, "good")
    bad = finished_run(tmp_path, "bad")
    for leftover in bad.glob("experiment.db-*"):  # WAL files of closed connections
        leftover.unlink()
    (bad / "experiment.db").write_bytes(b"not a database" * 100)
    code, out, err = cli(["list", str(tmp_path)], capsys)
    assert code == 0
    rows = {line.split()[0]: line.split()[1] for line in out.strip().splitlines()[1:]}
    assert rows == {good.name: "SUCCEEDED", bad.name: "UNREADABLE"}
    assert "bad/experiment.db: cannot open the experiment store" in err
