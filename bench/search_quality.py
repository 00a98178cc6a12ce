"""Search quality per unit of compute: Petridish against regularized evolution and random search.

    .venv/bin/python bench/search_quality.py --out DIR          # 5 seeds x 3 strategies, 150 epochs
    .venv/bin/python bench/search_quality.py --out DIR --analyse   # re-read finished runs
    .venv/bin/python bench/search_quality.py --max-epochs 100 --first-seed 5 --seeds 3 --out DIR2

The protocol, fixed before any tuning of Petridish:

- Same space: the macro space is Petridish's seed grid (reductions 1-2, cells 3-5, nodes 1-2)
  plus the node counts it grows to (nodes 1-4); random search and evolution draw from it,
  Petridish seeds from it (identity and random cells, ``strategy.seed_ops``) and grows in it.
- Same data: digits (train/val/test split of archsearch.data), validation top-1 picks models,
  test top-1 is only reported.
- Same training per job: ``train.epochs`` (3) from the shared settings below, width
  ``model.init_channels=4``; a Petridish SEARCH job trains ``strategy.search_epochs`` (1).
- Same budget: ``budget.max_epochs`` trained epochs in total (default 150), counting every
  epoch of every job (a SEARCH job's included), then the run stops.
- Baselines keep their published settings. Random search: uniform over the space (Li &
  Talwalkar). Regularized evolution: tournament selection with aging, as Real et al. 2019, who
  used population P = 100 and sample size S = 25 for 20 000 models. A budget of ~50 models
  cannot keep P/models, so P is scaled to the budget and S keeps Real et al.'s S = P/4:
  P = round(models / 6) (at least 4), so that the population turns over five times after the
  random first generation, and S = max(2, round(P / 4)); models = max_epochs / train.epochs.
  At 150 epochs: 50 models, P = 8, S = 2.
- 5 seeds per strategy (``--seeds``, from ``--first-seed``); each strategy runs once per seed.
- Read out: hypervolume normalised in one box shared by every run (``compare_runs``), so the
  numbers compare across strategies; each hull's validation error and test error at fixed MAdd
  levels, and the best model's validation and test error. Goal: Petridish's median
  hypervolume >= 1.05x both baselines and its hull error at each MAdd level no worse, at this
  budget and these seeds and at others.

Prints a markdown table (median [min, max] over seeds), the ratios of medians, one line per
run, and draws every frontier on one plot (``comparison.png``). ``--set key=value`` applies an
override to every run (e.g. ``--set train.epochs=2``), for trying the protocol's sensitivity.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import ray

from archsearch import Experiment
from archsearch.config import load_config
from archsearch.experiment.compare import compare_runs, load_points
from archsearch.experiment.history import JobHistory
from archsearch.hull import lower_convex_hull
from archsearch.store import ExperimentStore
from archsearch.viz.canvas import log_axis, new_figure, save_atomic
from archsearch.viz.frontier import hull_curve
from archsearch.viz.records import as_xy, plottable

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
        *(f"strategy.space.{k}={v}" for k, v in SPACE.items()),
    ],
    "random": ["strategy.name=random", *(f"strategy.space.{k}={v}" for k, v in SPACE.items())],
}


def evolution_settings(max_epochs: int, epochs_per_job: int) -> list[str]:
    """Real et al.'s population and sample size scaled to the budget (see the docstring)."""
    models = max_epochs / epochs_per_job
    population = max(4, round(models / 6))
    sample_size = max(2, round(population / 4))
    return [f"strategy.population={population}", f"strategy.sample_size={sample_size}"]


def run_one(strategy: str, seed: int, max_epochs: int, out: Path, extra: list[str]) -> Path:
    """One run; ``extra`` (``--set``) comes last, so it wins over the protocol's settings."""
    overrides = [
        *SHARED,
        *STRATEGIES[strategy],
        f"seed={seed}",
        f"budget.max_epochs={max_epochs}",
        f"name={strategy}-s{seed}",
        f"out_dir={out}",
    ]
    if strategy == "evolution":
        epochs = load_config(None, [*overrides, *extra]).train.epochs
        overrides += evolution_settings(max_epochs, epochs)
    exp = Experiment(load_config(None, [*overrides, *extra]))
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
        "jobs": len(history.rows),
        "epochs": sum(row.epochs for row in history.rows.values()),
        "cpu_s": history.train_time_s,
    }


def spread(values: list[float], fmt: str) -> str:
    """median [min, max]; '-' for a value that does not exist (a hull left of its models)."""
    if any(v is None for v in values):
        known = [v for v in values if v is not None]
        return f"- ({len(known)} of {len(values)} runs reach it)"
    return f"{statistics.median(values):{fmt}} [{min(values):{fmt}}, {max(values):{fmt}}]"


def plot_by_strategy(runs: list[dict], path: Path) -> None:
    """Every run's hull, one colour per strategy (compare_runs' plot has one per run, too many
    to tell apart for 15 runs); the legend gives each strategy's median hypervolume."""
    fig = new_figure()
    ax = fig.add_subplot()
    xy = {id(r): as_xy(plottable(load_points(r["run_dir"]))) for r in runs}
    every = np.vstack(list(xy.values()))
    right = float(every[:, 0].max())
    for k, strategy in enumerate(STRATEGIES):
        mine = [r for r in runs if r["strategy"] == strategy]
        if not mine:
            continue
        hv = statistics.median(r["hypervolume"] for r in mine)
        for i, r in enumerate(mine):
            pts = xy[id(r)]
            xs, ys = hull_curve(pts, right)
            label = f"{strategy}: {len(mine)} runs, median HV {hv:.3f}" if i == 0 else None
            ax.plot(xs, ys, color=f"C{k}", lw=1.3, alpha=0.8, label=label)
            ax.scatter(*pts[lower_convex_hull(pts)].T, s=10, color=f"C{k}", zorder=3)
    log_axis(ax, "x", every[:, 0])
    ax.set_xlabel("MAdd (multiply-adds per sample, log scale)")
    ax.set_ylabel("validation error (1 - top-1)")
    ax.grid(True, which="both", alpha=0.25)
    ax.legend(loc="upper right", fontsize=9, title="each run's hull", title_fontsize=9)
    ax.set_title("Search quality: every run's frontier, coloured by strategy", fontsize=11)
    save_atomic(fig, path)


def ratio(mine: list[float], theirs: list[float]) -> str:
    return f"{statistics.median(mine) / statistics.median(theirs):.2f}x"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="runs per strategy")
    parser.add_argument("--first-seed", type=int, default=0, help="seeds first-seed, +1, ...")
    parser.add_argument("--max-epochs", type=int, default=150, help="budget.max_epochs per run")
    parser.add_argument(
        "--strategies",
        default=",".join(STRATEGIES),
        help=f"comma-separated, of {', '.join(STRATEGIES)}",
    )
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override for every run"
    )
    parser.add_argument("--out", type=Path, default=None, help="run folder (default: a temp dir)")
    parser.add_argument(
        "--analyse", action="store_true", help="only re-read the finished runs in --out"
    )
    args = parser.parse_args()
    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown:
        parser.error(f"unknown strategies {unknown}; known: {', '.join(STRATEGIES)}")
    out = args.out or Path(tempfile.mkdtemp(prefix="search_quality-"))

    if args.analyse:
        run_dirs = sorted(db.parent for db in out.glob("*-s*/experiment.db"))
    else:
        seeds = range(args.first_seed, args.first_seed + args.seeds)
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            run_dirs = [
                run_one(strategy, seed, args.max_epochs, out, args.set)
                for seed in seeds
                for strategy in strategies
            ]
        finally:
            ray.shutdown()
    runs = [summarize(d) for d in run_dirs]
    rows = compare_runs(run_dirs, out / "comparison.png", MADD_LEVELS)
    for run, row in zip(runs, rows, strict=True):
        run.update(row)
    present = [s for s in STRATEGIES if any(r["strategy"] == s for r in runs)]
    plot_by_strategy(runs, out / "by_strategy.png")

    print(
        f"runs in {out}; frontiers of every run: {out / 'comparison.png'}, "
        f"by strategy: {out / 'by_strategy.png'}\n"
    )
    levels = list(rows[0]["error_at"])
    print(
        "| strategy | hypervolume | best val error | its test error | "
        + "".join(f"hull val error at {m} MAdd | " for m in levels)
        + "".join(f"hull test error at {m} MAdd | " for m in levels)
        + "job-seconds (sum of train time) | jobs | epochs |"
    )
    print("|---" * (7 + 2 * len(levels)) + "|")
    for strategy in present:
        mine = [r for r in runs if r["strategy"] == strategy]
        at = "".join(f"{spread([r['error_at'][m] for r in mine], '.4f')} | " for m in levels)
        test_at = "".join(
            f"{spread([r['test_error_at'][m] for r in mine], '.4f')} | " for m in levels
        )
        print(
            f"| {strategy} | {spread([r['hypervolume'] for r in mine], '.4f')} "
            f"| {spread([r['best_error'] for r in mine], '.4f')} "
            f"| {spread([r['best_test_error'] for r in mine], '.4f')} | {at}{test_at}"
            f"{spread([r['cpu_s'] for r in mine], '.0f')} "
            f"| {spread([r['jobs'] for r in mine], '.0f')} "
            f"| {spread([r['epochs'] for r in mine], '.0f')} |"
        )
    hv = {s: [r["hypervolume"] for r in runs if r["strategy"] == s] for s in present}
    if "petridish" in hv:
        print(
            "\nmedian hypervolume, petridish / baseline: "
            + ", ".join(f"{s} {ratio(hv['petridish'], hv[s])}" for s in present if s != "petridish")
        )
    print("\nper run:")
    for r in sorted(runs, key=lambda r: (r["seed"], r["strategy"])):
        test = "-" if r["best_test_error"] is None else f"{r['best_test_error']:.4f}"
        print(
            f"  {r['strategy']:<10} seed {r['seed']}  hv {r['hypervolume']:.4f}  best "
            f"{r['best_error']:.4f} (test {test})  cpu {r['cpu_s']:.0f}s  wall {r['wall_s']:.0f}s  "
            f"jobs {r['jobs']}  epochs {r['epochs']}"
        )


if __name__ == "__main__":
    main()
