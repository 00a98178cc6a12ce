"""How well the driver keeps a cluster busy: 200 sleep jobs of 0.5 s through the Petridish loop.

    .venv/bin/python bench/scheduler.py [--jobs 200] [--sleep 0.5] [--gpus 4] [--reuse-workers]
                                        [--import-torch] [--no-data]

Ray gets fake GPU slots (``ray.init(num_gpus=4)``); each job sleeps instead of training and
returns a plausible result, so the real driver, store, strategy and hull run unchanged. The data
set (digits, the default) is loaded and shipped as a search ships it: ``ray.put`` once, fetched
by each worker on its first job (``--no-data``: nothing shipped, to compare). Reports
wall time / ideal wall time (ideal = jobs x sleep / slots; target <= 1.10) and driver CPU time
per job (target < 5 ms), and two baselines on the same cluster in the same run:

  ray, all at once   every job submitted up front, then one ray.get: what Ray itself costs
                     (task dispatch, worker hand-over), the floor for any driver
  one per finished   archai's loop: keep ``slots`` in flight, submit one job per finished job

``--import-torch``: every job (the baselines' too) imports torch first, as a training job does;
a fresh worker (the default for GPU jobs) pays that import once. A shipped data set makes the
driver's jobs import it too (the arrays are unpacked as tensors), the baselines' not.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ray

from archsearch.config import load_config
from archsearch.data import load_data
from archsearch.engine.ray_engine import RayEngine
from archsearch.experiment.driver import Driver
from archsearch.experiment.history import JobHistory
from archsearch.store import ExperimentStore
from archsearch.strategy import make_strategy
from bench.sleep_job import IMPORT_TORCH_ENV, SLEEP_ENV, sleep_job


@ray.remote(num_gpus=1, num_cpus=1, max_calls=0)  # max_calls=0: the worker stays for jobs
def _ready() -> None:
    """Starts a worker process and imports what a job imports there: the benchmark measures
    scheduling, not Ray's or Python's start-up (a one-off per worker, ~1 s on 2 cores; torch,
    which a real job imports to train and a shipped data set needs, ~2 s more)."""
    import torch.utils.data  # noqa: F401

    import archsearch.data
    import archsearch.engine.ray_engine  # noqa: F401
    import bench.sleep_job  # noqa: F401

    time.sleep(0.2)


def _sleep(seconds: float) -> None:
    if os.environ.get(IMPORT_TORCH_ENV):  # the baselines' jobs import what the driver's do
        import torch  # noqa: F401
    time.sleep(seconds)


# A GPU task gets a fresh worker unless max_calls says otherwise (Ray's default, as ours).
BARE_SLEEP = {
    False: ray.remote(num_gpus=1, num_cpus=1)(_sleep),
    True: ray.remote(num_gpus=1, num_cpus=1, max_calls=0)(_sleep),
}


def ray_all_at_once(task, jobs: int, sleep: float) -> float:
    start = time.perf_counter()
    ray.get([task.remote(sleep) for _ in range(jobs)])
    return time.perf_counter() - start


def one_per_finished(task, jobs: int, sleep: float, slots: int) -> float:
    start = time.perf_counter()
    in_flight = [task.remote(sleep) for _ in range(slots)]
    submitted = slots
    while in_flight:
        _, in_flight = ray.wait(in_flight, num_returns=1)
        if submitted < jobs:
            in_flight.append(task.remote(sleep))
            submitted += 1
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--sleep", type=float, default=0.5)
    parser.add_argument("--gpus", type=int, default=4)
    parser.add_argument(
        "--reuse-workers",
        action="store_true",
        help="resources.reuse_workers=true (default: a fresh worker per GPU job)",
    )
    parser.add_argument(
        "--import-torch",
        action="store_true",
        help="each job imports torch first, as a training job does (a fresh worker pays it)",
    )
    parser.add_argument(
        "--no-data",
        action="store_true",
        help="ship no data set to the jobs (default: digits, as a search ships it)",
    )
    args = parser.parse_args()

    ray.init(
        address="local",  # a fresh cluster with fake GPU slots, whatever else runs here
        num_cpus=args.gpus + 1,
        num_gpus=args.gpus,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={
            "env_vars": {
                SLEEP_ENV: str(args.sleep),
                IMPORT_TORCH_ENV: "1" if args.import_torch else "",
            }
        },
    )
    ray.get([_ready.remote() for _ in range(args.gpus)])
    config = load_config(
        None,
        [
            f"budget.max_jobs={args.jobs}",
            "resources.gpus=1",
            "resources.cpus=1",
            "strategy.max_hull_points=100000",
            "strategy.max_madd=1e12",
            "plot_every_s=1e9",
            f"resources.reuse_workers={'true' if args.reuse_workers else 'null'}",
        ],
    )
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(tmp)
        (run_dir / "weights").mkdir()
        store = ExperimentStore(run_dir / "experiment.db")
        data = None if args.no_data else load_data(config.data)
        engine = RayEngine(sleep_job, config.resources, data=data)
        history = JobHistory()
        driver = Driver(config, store, engine, make_strategy(config, history), history, run_dir)
        cpu0, loop0, wall0 = time.process_time(), time.thread_time(), time.perf_counter()
        reason = driver.run()
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        loop_cpu = time.thread_time() - loop0
        engine.shutdown()
    bare = BARE_SLEEP[args.reuse_workers]
    floor = ray_all_at_once(bare, args.jobs, args.sleep)
    archai = one_per_finished(bare, args.jobs, args.sleep, args.gpus)
    ray.shutdown()
    ideal = args.jobs * args.sleep / args.gpus
    print(f"stop: {reason}")
    print(
        f"jobs={args.jobs} sleep={args.sleep}s slots={args.gpus} reuse_workers="
        f"{args.reuse_workers} data={'none' if args.no_data else config.data.name} "
        f"import_torch={args.import_torch}; "
        f"wall / ideal ({ideal:.2f} s):"
    )
    print(f"  archsearch driver   {wall:6.2f} s  {wall / ideal:.3f} (target <= 1.10)")
    print(f"  ray, all at once    {floor:6.2f} s  {floor / ideal:.3f}")
    print(f"  one per finished    {archai:6.2f} s  {archai / ideal:.3f}")
    print(f"driver / ray floor: {wall / floor:.3f}")
    print(
        f"driver CPU {cpu:.2f} s, {1000 * cpu / args.jobs:.2f} ms per job (target < 5 ms); "
        "whole process, Ray's client threads included"
    )
    print(f"driver loop thread CPU {loop_cpu:.2f} s, {1000 * loop_cpu / args.jobs:.2f} ms per job")
    print(
        f"command: .venv/bin/python bench/scheduler.py --jobs {args.jobs} "
        f"--sleep {args.sleep} --gpus {args.gpus}"
        + (" --reuse-workers" if args.reuse_workers else "")
        + (" --no-data" if args.no_data else "")
        + (" --import-torch" if args.import_torch else "")
    )


if __name__ == "__main__":
    main()
