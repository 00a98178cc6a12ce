"""Data through Ray's object store: what a job pays to get its data set, shipped or loaded.

    .venv/bin/python bench/data_shipping.py               # digits + a 246 MB synthetic set
    .venv/bin/python bench/data_shipping.py --repeats 3 --large-samples 0   # digits only

The driver loads the data set once, ``ray.put``s it (``RayEngine(data=...)``), and a worker
fetches it on its first job of the run and keeps it for the next (``_data_on_worker``). The
old way, still what a job does outside an engine, is the worker calling the data loader
itself (``job_data`` with nothing installed: ``load_data`` once per process, then its
cache). Both run in the same Ray session, in fresh worker processes (``max_calls=1``), timed
inside the worker with imports done first (a worker's start-up is the same either way);
variants run in turns, rotating the order, ``--repeats`` times; medians reported:

  fresh worker   the first job's cost to obtain the arrays, and that plus one full read of
                 every split (shipped arrays are zero-copy views of shared memory, whose
                 pages are mapped on first touch)
  reused worker  a second job on the same worker: the per-run cache against ``load_data``'s
  share of a job that first-job cost against one training job of the default search
                 (confs/petridish.yaml: digits, 4 channels, 4 epochs), its cheapest and its
                 dearest seed network, through ``run_job`` with the shipped data, 1 thread
  large          ``--large-samples`` synthetic 3x32x32 images (20,000: 246 MB), against
                 generating them in the worker (the synthetic loader) and against reading
                 the same arrays from an ``.npz`` file in the page cache (the npz loader)

One node only: on a cluster a worker on another node first pulls the object over the
network (once per node, then shared by that node's workers), which this does not measure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

# Run from a checkout without `pip install -e .`: the package sits next to bench/.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ray
import torch

from archsearch.config import DataConfig, load_config
from archsearch.data import DataSplits, load_data
from archsearch.engine import ray_engine
from archsearch.jobs.inputs import JobInputs, job_data, pack_data, providing
from archsearch.jobs.run import run_job
from archsearch.jobs.spec import JobSpec, Stage
from archsearch.space.builders import seed_model

COMMAND = "python bench/data_shipping.py"
CONFIG = Path(__file__).resolve().parent.parent / "confs" / "petridish.yaml"


def nbytes(data: DataSplits) -> int:
    splits = (data.train, data.val, data.test)
    return sum(t.numel() * t.element_size() for s in splits if s is not None for t in s.tensors)


def _read_all(data: DataSplits) -> float:
    """Touch every byte of every split, as the first epoch and evaluation will."""
    total = 0.0
    for split in (data.train, data.val, data.test):
        if split is not None:
            total += sum(float(t.sum()) for t in split.tensors)
    return total


@ray.remote(num_cpus=1, max_calls=1)  # max_calls=1: every call gets a fresh worker process
def _on_fresh_worker(how: str, box: list, spec: JobSpec) -> dict[str, float]:
    """Obtain the data set twice, as a worker's first and second job would. What either way
    imports is imported first: a real job imports torch and archsearch.data to train anyway
    (``run_job``), and on these cores that alone takes ~2 s, the same for both."""
    import torch.utils.data  # noqa: F401

    import archsearch.data  # noqa: F401

    get = {
        "shipped": lambda: ray_engine._data_on_worker(box),
        "loaded": lambda: job_data(spec),
    }[how]
    times = {}
    start = time.perf_counter()
    data = get()
    times["first"] = time.perf_counter() - start
    _read_all(data)
    times["first+read"] = time.perf_counter() - start
    start = time.perf_counter()
    again = get()
    times["second"] = time.perf_counter() - start
    assert again is data
    return times


def _spec(data_conf: DataConfig, desc=None, train_conf: dict | None = None) -> JobSpec:
    return JobSpec(
        job_id=0,
        stage=Stage.SEED_TRAIN,
        model_desc=desc or seed_model(3, 1, 1, init_channels=4, input_shape=(1, 8, 8)),
        train_conf=train_conf or {},
        data_conf=data_conf.model_dump(mode="json"),
    )


def compare(
    cases: dict[str, tuple[str, list, JobSpec]], repeats: int
) -> dict[str, list[dict[str, float]]]:
    """Each case (how, box, spec) once per repeat in a fresh worker, rotating the order."""
    out: dict[str, list[dict[str, float]]] = {name: [] for name in cases}
    names = list(cases)
    for r in range(repeats):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            out[name].append(ray.get(_on_fresh_worker.remote(*cases[name])))
    return out


def med(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def paired(a: list[dict[str, float]], b: list[dict[str, float]], key: str) -> float:
    """Median over repeats of a's time / b's time in the same repeat."""
    return statistics.median(x[key] / y[key] for x, y in zip(a, b, strict=True))


def training_job_s(data: DataSplits, config, cells: int, reductions: int, nodes: int, n: int):
    """Median wall time of one SEED_TRAIN job of the default search, through run_job."""
    m = config.model
    desc = seed_model(
        cells,
        reductions,
        nodes,
        init_channels=m.init_channels,
        num_classes=data.num_classes,
        input_shape=data.input_shape,
        edges_per_node=m.edges_per_node,
        primitives=m.primitives,
        seed=config.seed,
    )
    spec = _spec(config.data, desc, config.train.model_dump(mode="json"))
    times = []
    with providing(JobInputs(data)):
        for _ in range(n):
            start = time.perf_counter()
            result = run_job(spec)
            times.append(time.perf_counter() - start)
            if not result.ok:
                raise SystemExit(f"training job failed: {result.error}")
    return desc.label(), statistics.median(times)


def ms(seconds: float) -> str:
    return f"{1000 * seconds:.2f}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--train-repeats", type=int, default=3, help="training jobs timed per seed")
    p.add_argument("--large-samples", type=int, default=20_000, help="0: skip the large set")
    args = p.parse_args()
    torch.set_num_threads(1)  # as a 1-CPU Ray worker (OMP_NUM_THREADS=1)

    config = load_config(CONFIG)
    ray.init(
        address="local",  # a fresh instance of our own, whatever else runs here
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
    )
    ray.get(_on_fresh_worker.remote("loaded", [], _spec(config.data)))  # a first worker start

    # digits, as the default search ships it: loaded and put once by the driver.
    digits = load_data(config.data)
    start = time.perf_counter()
    digits_box = [ray.put(pack_data(digits))]
    put_digits = time.perf_counter() - start
    digits_spec = _spec(config.data)
    small = compare(
        {"shipped": ("shipped", digits_box, digits_spec), "loaded": ("loaded", [], digits_spec)},
        args.repeats,
    )

    large = None
    if args.large_samples:
        synth = DataConfig(
            name="synthetic",
            synthetic_samples=args.large_samples,
            synthetic_shape=(3, 32, 32),
            synthetic_classes=10,
        )
        big = load_data(synth)
        size_mb = nbytes(big) / 1e6
        start = time.perf_counter()
        big_box = [ray.put(pack_data(big))]
        put_big = time.perf_counter() - start
        with tempfile.TemporaryDirectory(prefix="archsearch-bench-ship-") as tmp:
            # The same raw arrays in a file, uncompressed: what a user's npz data set would be.
            from archsearch.data.synthetic import make_synthetic

            x, y = make_synthetic(args.large_samples, (3, 32, 32), 10, synth.seed)
            npz = Path(tmp) / "large.npz"
            np.savez(npz, x=x, y=y)
            del x, y
            npz_conf = DataConfig(name="npz", root=str(npz))
            load_data(npz_conf)  # the file in the page cache
            large = compare(
                {
                    "shipped": ("shipped", big_box, _spec(synth)),
                    "generated": ("loaded", [], _spec(synth)),
                    "npz": ("loaded", [], _spec(npz_conf)),
                },
                args.repeats,
            )
        del big, big_box

    grid = config.strategy.seed_grid
    smallest = (min(grid.cells), min(grid.reductions), min(grid.nodes))
    largest = (max(grid.cells), max(grid.reductions), max(grid.nodes))
    training_job_s(digits, config, *smallest, 1)  # warm-up: first-call allocations
    cheap = training_job_s(digits, config, *smallest, args.train_repeats)
    dear = training_job_s(digits, config, *largest, args.train_repeats)
    ray.shutdown()

    shipped, loaded = small["shipped"], small["loaded"]
    print(
        f"digits as confs/petridish.yaml splits it ({len(digits.train)} train, "
        f"{len(digits.val)} val, {len(digits.test)} test; "
        f"{nbytes(digits) / 2**10:.0f} KiB); "
        f"{args.repeats} repeats, fresh worker each; {os.cpu_count()} CPUs; ray {ray.__version__}"
    )
    print(f"driver, once per run: ray.put of the packed digits {ms(put_digits)} ms")
    print("| what a job pays (digits) | loaded in the worker | shipped | loaded / shipped |")
    print("|---|---:|---:|---:|")
    for key, label in (
        ("first", "fresh worker, first job: obtain the arrays"),
        ("first+read", "fresh worker, first job: obtain + read every byte"),
    ):
        print(
            f"| {label} | {ms(med(loaded, key))} ms | {ms(med(shipped, key))} ms | "
            f"{paired(loaded, shipped, key):.1f}x |"
        )
    print(
        f"| reused worker, second job (per-run cache) | {1e6 * med(loaded, 'second'):.1f} us | "
        f"{1e6 * med(shipped, 'second'):.1f} us | {paired(loaded, shipped, 'second'):.2f}x |"
    )
    for label, seconds in (cheap, dear):
        print(
            f"| first job's obtain cost / one training job of {label} ({seconds:.2f} s) | "
            f"{100 * med(loaded, 'first') / seconds:.2f}% | "
            f"{100 * med(shipped, 'first') / seconds:.2f}% | |"
        )
    if large:
        print(
            f"large: synthetic {args.large_samples} x 3x32x32 ({size_mb:.0f} MB of splits); "
            f"driver, once per run: ray.put {ms(put_big)} ms"
        )
        print(
            "| fresh worker, first job (large) | obtain ms | obtain + read ms | "
            "/ shipped (obtain) | / shipped (obtain + read) |"
        )
        print("|---|---:|---:|---:|---:|")
        for name, label in (
            ("shipped", "shipped"),
            ("generated", "generated in the worker (synthetic loader)"),
            ("npz", "read from an .npz in the page cache (npz loader)"),
        ):
            runs = large[name]
            print(
                f"| {label} | {ms(med(runs, 'first'))} | {ms(med(runs, 'first+read'))} | "
                f"{paired(runs, large['shipped'], 'first'):.1f}x | "
                f"{paired(runs, large['shipped'], 'first+read'):.1f}x |"
            )
    print(
        f"command: {COMMAND} --repeats {args.repeats} --train-repeats {args.train_repeats} "
        f"--large-samples {args.large_samples}"
    )


if __name__ == "__main__":
    main()
