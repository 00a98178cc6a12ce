"""Search quality per unit of compute: Petridish against regularized evolution and random search.

    .venv/bin/python bench/search_quality.py [--seeds 3] [--max-epochs 150] [--out DIR]
    .venv/bin/python bench/search_quality.py --out DIR --analyse   # re-read finished runs

Every run gets the same data (digits), the same model space (the macro space is Petridish's
seed grid plus the node counts it grows to), the same training per job (``train.epochs``) and
the same total budget of trained epochs (``budget.max_epochs``; a Petridish SEARCH job counts
its search epochs). Each strategy runs once per seed. Hypervolume is normalised in one box
shared by every run (``compare_runs``), so the numbers compare across strategies. Prints a
markdown table (median [min, max] over seeds) with each hull's error at a few fixed MAdd
levels, and draws every frontier on one plot.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ray

from archsearch import Experiment
from archsearch.config import load_config
from archsearch.experiment.compare import compare_runs
from archsearch.experiment.history import JobHistory
from archsearch.store import ExperimentStore

SPACE = {"reductions": [1, 2], "cells": [3, 4, 5], "nodes": [1, 2, 3, 4]}
SHARED = [
    "data.name=digits",
    "model.init_channels=4",
    "train.epochs=3",
    "resources.engine=ray",
    "resources.gpus=0",
    "resources.cpus=1",
    "plot_every_s=1e9",
]
# Where the frontiers are compared point by point (the hypervolume sums over all of them).
MADD_LEVELS = [4e4, 8e4, 1.6e5]
STRATEGIES = {
    "petridish": [
        "strategy.name=petridish",
        f"strategy.seed_grid.reductions={SPACE['reductions']}",
        f"strategy.seed_grid.cells={SPACE['cells']}",
        "strategy.seed_grid.nodes=[1, 2]",
        "strategy.search_epochs=1",
        "strategy.top_k=2",
        "strategy.eps=0.05",
    ],
    "evolution": [
        "strategy.name=evolution",
        "strategy.population=8",
        "strategy.sample_size=3",
        *(f"strategy.space.{k}={v}" for k, v in SPACE.items()),
    ],
    "random": ["strategy.name=random", *(f"strategy.space.{k}={v}" for k, v in SPACE.items())],
}


def run_one(strategy: str, seed: int, max_epochs: int, out: Path) -> Path:
    config = load_config(
        None,
        [
            *SHARED,
            *STRATEGIES[strategy],
            f"seed={seed}",
            f"budget.max_epochs={max_epochs}",
            f"name={strategy}-s{seed}",
            f"out_dir={out}",
        ],
    )
    exp = Experiment(config)
    exp.run()
    return exp.run_dir


def summarize(run_dir: Path) -> dict:
    """What a finished run cost, read back from its store (so ``--analyse`` needs no rerun)."""
    store = ExperimentStore(run_dir / "experiment.db", create=False)
    history = JobHistory()
    history.load(store)
    strategy, _, seed = run_dir.name.rpartition("-s")
    return {
        "strategy": strategy,
        "seed": int(seed),
        "run_dir": run_dir,
        "wall_s": float(store.get_meta("elapsed_s") or 0.0),
        "jobs": len(history.specs),
        "epochs": sum(int(s.train_conf.get("epochs", 0)) for s in history.specs.values()),
        "cpu_s": sum(r.metrics.get("train_time_s", 0.0) for r in history.results.values()),
    }


def spread(values: list[float], fmt: str) -> str:
    """median [min, max]; '-' for a value that does not exist (a hull left of its models)."""
    if any(v is None for v in values):
        known = [v for v in values if v is not None]
        return f"- ({len(known)} of {len(values)} runs reach it)"
    return f"{statistics.median(values):{fmt}} [{min(values):{fmt}}, {max(values):{fmt}}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--max-epochs", type=int, default=150)
    parser.add_argument("--out", type=Path, default=None, help="run folder (default: a temp dir)")
    parser.add_argument(
        "--analyse", action="store_true", help="only re-read the finished runs in --out"
    )
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="search_quality-"))

    if args.analyse:
        run_dirs = sorted(db.parent for db in out.glob("*-s*/experiment.db"))
    else:
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            run_dirs = [
                run_one(strategy, seed, args.max_epochs, out)
                for seed in range(args.seeds)
                for strategy in STRATEGIES
            ]
        finally:
            ray.shutdown()
    runs = [summarize(d) for d in run_dirs]
    rows = compare_runs(run_dirs, out / "comparison.png", MADD_LEVELS)
    for run, row in zip(runs, rows, strict=True):
        run.update(row)

    print(f"runs in {out}; frontiers of every run: {out / 'comparison.png'}\n")
    levels = list(rows[0]["error_at"])
    print(
        "| strategy | hypervolume | best error | "
        + "".join(f"hull error at {m} MAdd | " for m in levels)
        + "job-seconds (sum of train time) | jobs | epochs |"
    )
    print("|---" * (6 + len(levels)) + "|")
    for strategy in STRATEGIES:
        mine = [r for r in runs if r["strategy"] == strategy]
        at = "".join(f"{spread([r['error_at'][m] for r in mine], '.4f')} | " for m in levels)
        print(
            f"| {strategy} | {spread([r['hypervolume'] for r in mine], '.4f')} "
            f"| {spread([r['best_error'] for r in mine], '.4f')} | {at}"
            f"{spread([r['cpu_s'] for r in mine], '.0f')} "
            f"| {spread([r['jobs'] for r in mine], '.0f')} "
            f"| {spread([r['epochs'] for r in mine], '.0f')} |"
        )
    print("\nper run:")
    for r in runs:
        print(
            f"  {r['strategy']:<10} seed {r['seed']}  hv {r['hypervolume']:.4f}  best "
            f"{r['best_error']:.4f}  cpu {r['cpu_s']:.0f}s  wall {r['wall_s']:.0f}s  "
            f"jobs {r['jobs']}  epochs {r['epochs']}"
        )


if __name__ == "__main__":
    main()
