"""One-shot strategies on digits: supernet epoch cost and what each method exports.

    .venv/bin/python bench/oneshot.py                      # a few minutes on 2 CPU cores
    .venv/bin/python bench/oneshot.py --supernet-epochs 8 --export-epochs 15 --threads 2
    .venv/bin/python bench/oneshot.py --petridish runs/petridish   # next to `make search`

For every method a SUPERNET job runs through ``run_job`` (as on a worker), then its export
trains as the strategy's POST_TRAIN job would (warm-started from the supernet). Reported:

  s/epoch       training time of one supernet epoch (one pass over the training set: the
                weight share trains the weights, the held-out share drives the architecture)
  x largest     that time over one epoch of the largest single-path sub-network (the export
                with the dearest op on every kept edge) trained with ``train`` on the same
                data in the same run: the price of searching over training one network
  MAdd / error  the exported model's, after ``--export-epochs`` of training
  petridish     with ``--petridish RUN``: that run's hull error at the export's MAdd (its
                frontier interpolated; '-' left of its cheapest model), and a plot of the
                exports on its frontier (``--plot``, default RUN/plots/oneshot_exports.png)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

# Run from a checkout without `pip install -e .`: the package sits next to bench/.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from archsearch.config import DataConfig, TrainConfig
from archsearch.data import load_data
from archsearch.experiment.compare import hull_errors, load_points
from archsearch.jobs.inputs import JobInputs, providing
from archsearch.jobs.run import run_job
from archsearch.jobs.spec import JobSpec, Stage
from archsearch.nn import Model
from archsearch.oneshot.space import arch_to_desc, supernet_desc
from archsearch.oneshot.supernet import Supernet
from archsearch.train import profile, train
from archsearch.viz import plot_comparison
from archsearch.viz.records import TrialPoint

COMMAND = "python bench/oneshot.py"
PRIMITIVES = ["skip_connect", "max_pool_3x3", "sep_conv_3x3", "dil_conv_3x3"]
# (label, method, section overrides): the defaults of config.py unless noted.
METHODS = [
    ("darts (1st order)", "darts", {}),
    ("darts (2nd order)", "darts", {"order": 2}),
    ("gumbel_darts", "gumbel_darts", {}),
    ("proxyless", "proxyless", {}),
    ("random_oneshot", "random_oneshot", {"population": 8, "generations": 2, "parents": 2}),
    ("enas", "enas", {}),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--supernet-epochs", type=int, default=4)
    parser.add_argument("--export-epochs", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (2 shared cores)")
    parser.add_argument("--petridish", type=Path, help="a Petridish run on digits to compare to")
    parser.add_argument("--plot", type=Path, help="default: RUN/plots/oneshot_exports.png")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    data_conf = DataConfig(name="digits")
    data = load_data(data_conf)
    train_conf = TrainConfig(epochs=args.export_epochs, batch_size=64, device="cpu")
    supernet = supernet_desc(3, 1, 2, 8, data.input_shape, data.num_classes, PRIMITIVES)
    top_k = 2

    # The baseline: one epoch of the largest single path, timed on its training steps only.
    torch.manual_seed(0)
    largest = Supernet(supernet).madd_table().extreme_arch(top_k, largest=True)
    largest_desc = arch_to_desc(supernet, largest)
    fit = train(Model.from_desc(largest_desc), data, train_conf.model_copy(update={"epochs": 2}))
    baseline_s = len(data.train) / fit.samples_per_s
    largest_madd = profile(Model.from_desc(largest_desc), data.input_shape).madd

    rows = []
    for job_id, (label, method, section) in enumerate(METHODS):
        meta = {
            "method": method,
            "method_conf": {
                "top_k": top_k,
                "supernet_epochs": args.supernet_epochs,
                "warmup_epochs": 1,
                **section,
            },
            "penalty_weight": 0.0,
        }
        spec = JobSpec(
            job_id=job_id,
            stage=Stage.SUPERNET,
            model_desc=supernet,
            train_conf={**train_conf.model_dump(mode="json"), "epochs": args.supernet_epochs},
            data_conf=data_conf.model_dump(mode="json"),
            meta=meta,
        )
        start = time.perf_counter()
        searched = run_job(spec)
        if not searched.ok:
            raise SystemExit(f"{label}: supernet job failed: {searched.error}")
        search_s = time.perf_counter() - start
        with providing(JobInputs(parent_weights=searched.weights)):
            trained = run_job(
                JobSpec(
                    job_id=job_id,
                    stage=Stage.POST_TRAIN,
                    model_desc=searched.model_desc,
                    train_conf=train_conf.model_dump(mode="json"),
                    data_conf=data_conf.model_dump(mode="json"),
                )
            )
        if not trained.ok:
            raise SystemExit(f"{label}: export training failed: {trained.error}")
        epoch_s = searched.metrics["supernet_epoch_s"]
        ops = [e.op for c in searched.model_desc.cells for n in c.nodes for e in n.edges]
        rows.append((label, epoch_s, epoch_s / baseline_s, search_s, trained, ops))

    print(
        f"digits ({len(data.train)} train, {len(data.val)} val); supernet c3r1n2, 8 channels, "
        f"primitives {', '.join(PRIMITIVES)}, top_k {top_k}; {args.supernet_epochs} supernet "
        f"epochs (1 warm-up), exports trained {args.export_epochs} epochs warm-started; "
        f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)"
    )
    print(
        f"baseline: largest single path ({largest_madd:,} MAdd), one epoch {baseline_s:.2f} s "
        "(training steps only)"
    )
    petridish = petridish_hull_error(args.petridish, [r[4].madd for r in rows])
    print(
        "| method | supernet s/epoch | x largest path | search s | export MAdd | error "
        "| Petridish hull error there | ops |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for (label, epoch_s, ratio, search_s, trained, ops), hull_error in zip(
        rows, petridish, strict=True
    ):
        counts = {op: ops.count(op) for op in sorted(set(ops))}
        summary = ", ".join(f"{op} x{n}" for op, n in counts.items())
        print(
            f"| {label} | {epoch_s:.2f} | {ratio:.2f} | {search_s:.1f} | "
            f"{trained.madd:,.0f} | {trained.error_rate:.3f} | {hull_error} | {summary} |"
        )
    if args.petridish:
        exports = [
            TrialPoint(i, "train", r[4].madd, r[4].params, r[4].error_rate, r[0], 0.0)
            for i, r in enumerate(rows)
        ]
        runs = {"petridish": load_points(args.petridish), "one-shot exports": exports}
        plot = args.plot or args.petridish / "plots" / "oneshot_exports.png"
        print(f"plot: {plot_comparison(runs, plot, 'One-shot exports vs. Petridish')}")
    print(
        f"command: {COMMAND} --supernet-epochs {args.supernet_epochs} "
        f"--export-epochs {args.export_epochs} --threads {args.threads}"
        + (f" --petridish {args.petridish}" if args.petridish else "")
    )


def petridish_hull_error(run_dir: Path | None, madds: list[float]) -> list[str]:
    """The run's hull error at each MAdd, formatted; '-' without a run or left of its hull."""
    if run_dir is None:
        return ["-"] * len(madds)
    errors, _ = hull_errors(load_points(run_dir), madds)
    return [f"{e:.3f}" if np.isfinite(e) else "-" for e in errors]


if __name__ == "__main__":
    main()
