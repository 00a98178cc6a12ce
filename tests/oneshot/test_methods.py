"""Every method, on a task only one candidate op can solve: the export picks that op, and the
exported model trains with ``archsearch train`` to the accuracy of that op alone."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from archsearch.cli import main
from archsearch.oneshot.export import export
from archsearch.oneshot.space import Arch, arch_to_desc
from archsearch.space.desc import ModelDesc
from tests.oneshot.conftest import BEST, PAIRS, PRIMITIVES, SETTINGS, pairs_supernet

METHODS = sorted(SETTINGS)
TOLERANCE = 0.05  # top-1 on 240 validation samples


def archsearch_train(desc: ModelDesc, folder: Path) -> float:
    """Best validation top-1 of ``archsearch train model.json`` on the pairs task."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "model.json"
    path.write_text(desc.to_json())
    data = [f"data.{k}={json.dumps(v)}" for k, v in PAIRS.items()]
    train = ["train.epochs=3", "train.lr=0.1", "train.batch_size=32", "train.device=cpu"]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["train", str(path), *(a for o in data + train for a in ("--set", o))]) == 0
    return json.loads(out.getvalue())["best_val_top1"]


def alone(op: str) -> ModelDesc:
    arch: Arch = ((((1, op),),),)
    return arch_to_desc(pairs_supernet(), arch)


@pytest.fixture(scope="module")
def best_alone(tmp_path_factory: pytest.TempPathFactory) -> float:
    return archsearch_train(alone(BEST), tmp_path_factory.mktemp("alone"))


def test_only_one_op_solves_the_task(best_alone: float, tmp_path: Path):
    """The premise: every other candidate stays near chance, the best one does not."""
    scores = {op: archsearch_train(alone(op), tmp_path / op) for op in PRIMITIVES if op != BEST}
    assert best_alone > 0.9, best_alone
    assert all(score < 0.75 for score in scores.values()), scores


@pytest.mark.parametrize("name", METHODS)
def test_export_selects_the_op_that_solves_the_task(searches, name: str):
    arch = searches[name].outcome.arch
    assert [p for cell in arch for node in cell for _, p in node] == [BEST], arch


@pytest.mark.parametrize("name", METHODS)
def test_exported_model_trains_like_that_op_alone(
    searches, name: str, best_alone: float, tmp_path: Path
):
    search = searches[name]
    desc, _ = export(search.method.supernet, search.outcome.arch)
    top1 = archsearch_train(desc, tmp_path / name)
    assert top1 > 0.9 and abs(top1 - best_alone) <= TOLERANCE, (top1, best_alone)
