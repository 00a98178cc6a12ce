"""Driver cost as a run grows: driver CPU per job per 1,000-job window, up to 10^5 jobs.

    .venv/bin/python bench/scale.py [--jobs 1000,10000,100000] [--engines local,ray]
        [--strategies petridish,evolution,random] [--gpus 256] [--out bench/out/scale]
        [--keep DIR]
    .venv/bin/python bench/scale.py --one petridish local 40000 --profile 25000:35000

Each (strategy, engine, jobs) runs in a fresh process, through ``Experiment`` exactly as
``archsearch run`` does: the real driver, store, strategy, hull, hull.json, best/ and plots at
their default cadence. Jobs are stand-ins (``bench/sleep_job.py`` at 0 s): a plausible result at
once, so only the driver's own work is timed. On the local engine a job runs in the driver's
process; the CPU it spends in ``run_guarded`` (the stand-in job function and the JSON round trip
that normalises its result: on Ray both run in the worker) is measured and taken out, so what
is left is the driver's. On Ray, jobs run in workers (``ray.init(num_gpus=256)`` fake slots; one
CPU slot per worker caps what runs at once: see ``RAY_CPUS``) and the driver process's whole CPU,
Ray's client threads included, counts.

Printed per run: driver CPU per job in each 1,000-job window (ms), the ratio last window /
first window (the baseline is the same run's first window: a flat driver gives ~1.0), the
driver's peak RSS, and the stop reason; ``--out`` gets ``scale.json`` and ``scale.png`` (cost
against jobs, one line per run).

Targets (issue 21): <= 5 ms a job in every window, last / first <= 1.3, peak RSS <= 1 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archsearch.jobs.spec import JobResult  # noqa: E402
from bench.sleep_job import SLEEP_ENV  # noqa: E402

WINDOW = 1000
# Ray worker processes that run at once: each is a Python process of ~70 MB, so 256 of them
# would not fit this machine; the 256 fake GPU slots still shape the engine's capacity maths.
RAY_CPUS = 8
# (config file, overrides). Petridish grows for as long as the budget lasts: the default
# search's file with a wide seed grid and no MAdd or hull-size stop; evolution and random search
# on the defaults (digits), as `archsearch run --set strategy.name=...` gives them.
STRATEGIES = {
    "petridish": (
        ROOT / "confs" / "petridish.yaml",
        [
            "strategy.seed_grid.reductions=[1, 2, 3]",
            "strategy.seed_grid.cells=[3, 4, 5, 6, 7, 8]",
            "strategy.seed_grid.nodes=[1, 2, 3]",
            "strategy.max_madd=1e15",
            "strategy.max_hull_points=1000000",
        ],
    ),
    "evolution": (None, ["strategy.name=evolution"]),
    "random": (None, ["strategy.name=random", "strategy.space.nodes=[1, 2, 3, 4, 5, 6]"]),
}

_job_cpu_s = 0.0  # CPU the jobs spent in this process (local engine): see the docstring


def job_side(run_guarded: Callable[..., JobResult]) -> Callable[..., JobResult]:
    """``run_guarded``, its CPU time added to ``_job_cpu_s``."""

    def timed(*args: Any, **kwargs: Any) -> JobResult:
        global _job_cpu_s
        start = time.thread_time()
        try:
            return run_guarded(*args, **kwargs)
        finally:
            _job_cpu_s += time.thread_time() - start

    return timed


class WindowProfile:
    """A listener that runs cProfile from the ``start``-th finished job to the ``stop``-th and
    writes the stats to ``path`` (``--profile``: where in a long run the cost goes)."""

    def __init__(self, start: int, stop: int, path: Path) -> None:
        import cProfile

        self.start, self.stop, self.path = start, stop, path
        self.profile = cProfile.Profile()
        self.finished = 0

    def on_training_end(self, job_id: int, result: object) -> None:
        self.finished += 1
        if self.finished == self.start:
            self.profile.enable()
        elif self.finished == self.stop:
            self.profile.disable()
            self.profile.dump_stats(self.path)


class WindowClock:
    """A listener that reads the process's CPU clock after every finished job."""

    def __init__(self) -> None:
        self.start = self.driver_cpu()
        self.marks: list[float] = []

    @staticmethod
    def driver_cpu() -> float:
        return time.process_time() - _job_cpu_s

    def on_training_end(self, job_id: int, result: object) -> None:
        self.marks.append(self.driver_cpu())

    def windows_ms(self) -> list[float]:
        """Driver CPU per job (ms) over each whole window of WINDOW finished jobs."""
        points = [self.start, *self.marks]
        return [
            1000 * (points[i + WINDOW] - points[i]) / WINDOW
            for i in range(0, len(points) - WINDOW, WINDOW)
        ]


def run_one(
    strategy: str,
    engine: str,
    jobs: int,
    gpus: int,
    keep: Path | None = None,
    profile: WindowProfile | None = None,
) -> dict:
    """One search in this process; returns its measurements. With ``keep``, its run folder is
    left under ``keep`` (for bench/read_paths.py), else in a temporary folder removed after."""
    os.environ[SLEEP_ENV] = "0"
    from archsearch.config import load_config
    from archsearch.experiment import Experiment

    conf_file, strategy_overrides = STRATEGIES[strategy]
    overrides = [
        *strategy_overrides,
        f"budget.max_jobs={jobs}",
        "budget.max_duration_s=null",
        f"resources.engine={engine}",
    ]
    if engine == "local":
        from archsearch.engine import local_engine

        local_engine.run_guarded = job_side(local_engine.run_guarded)
    if engine == "ray":
        import ray

        ray.init(
            address="local",
            num_cpus=RAY_CPUS,
            num_gpus=gpus,
            include_dashboard=False,
            log_to_driver=False,
            runtime_env={"env_vars": {SLEEP_ENV: "0"}},
        )
        overrides.append("resources.reuse_workers=true")
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = Path(tmp)
        if keep is not None:
            out_dir = keep / f"{strategy}-{engine}-{jobs}"
            shutil.rmtree(out_dir, ignore_errors=True)
        config = load_config(conf_file, [*overrides, f"out_dir={out_dir}"])
        exp = Experiment(config, job_fn="bench.sleep_job:sleep_job")
        clock = WindowClock()
        exp.add_listener(clock)
        if profile is not None:
            exp.add_listener(profile)
        wall = time.perf_counter()
        reason = exp.run(progress=False)
        wall = time.perf_counter() - wall
        finished = len(clock.marks)
        run_dir = str(exp.run_dir) if keep is not None else None
    windows = clock.windows_ms()
    return {
        "strategy": strategy,
        "engine": engine,
        "jobs": jobs,
        "finished": finished,
        "stop_reason": reason,
        "wall_s": wall,
        "driver_cpu_s": clock.marks[-1] - clock.start if clock.marks else 0.0,
        "windows_ms": windows,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "run_dir": run_dir,
    }


def plot(runs: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for run in runs:
        x = [WINDOW * (i + 1) for i in range(len(run["windows_ms"]))]
        label = f"{run['strategy']} / {run['engine']} ({run['jobs']:,} jobs)"
        ax.plot(x, run["windows_ms"], marker="." if len(x) < 30 else None, label=label)
    ax.axhline(5.0, color="grey", linestyle="--", linewidth=1, label="target: 5 ms")
    ax.set_xscale("log")
    ax.set_xlabel("jobs finished (end of each 1,000-job window)")
    ax.set_ylabel("driver CPU per job (ms)")
    ax.set_ylim(bottom=0)
    ax.set_title("Driver cost against run size (stand-in 0 s jobs, outputs at defaults)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def report(run: dict) -> str:
    w = run["windows_ms"]
    ratio = w[-1] / w[0] if w else float("nan")
    return (
        f"{run['strategy']:<10} {run['engine']:<6} {run['jobs']:>7,} jobs: "
        f"first {w[0] if w else float('nan'):5.2f} ms, max {max(w, default=float('nan')):5.2f} ms, "
        f"last {w[-1] if w else float('nan'):5.2f} ms a job; last / first {ratio:4.2f}; "
        f"driver CPU {run['driver_cpu_s']:7.1f} s, wall {run['wall_s']:7.1f} s, "
        f"peak RSS {run['peak_rss_mb']:5.0f} MB; {run['finished']:,} finished "
        f"({run['stop_reason']})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", default="1000,10000,100000")
    parser.add_argument("--strategies", default="petridish,evolution,random")
    parser.add_argument("--engines", default="local,ray")
    parser.add_argument("--gpus", type=int, default=256, help="fake GPU slots on Ray")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "scale")
    parser.add_argument("--keep", type=Path, help="leave each run's folder under this folder")
    parser.add_argument(
        "--profile",
        metavar="FROM:TO",
        help="with --one: cProfile the driver from the FROM-th to the TO-th finished job, "
        "stats to OUT/profile.pstats",
    )
    parser.add_argument("--one", nargs=3, metavar=("STRATEGY", "ENGINE", "JOBS"), help="internal")
    args = parser.parse_args()
    if args.one:
        strategy, engine, jobs = args.one
        profile = None
        if args.profile:
            start, stop = (int(n) for n in args.profile.split(":"))
            args.out.mkdir(parents=True, exist_ok=True)
            profile = WindowProfile(start, stop, args.out / "profile.pstats")
        print(json.dumps(run_one(strategy, engine, int(jobs), args.gpus, args.keep, profile)))
        return
    runs = []
    for engine in args.engines.split(","):
        for strategy in args.strategies.split(","):
            for jobs in (int(j) for j in args.jobs.split(",")):
                out = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--one",
                        strategy,
                        engine,
                        str(jobs),
                        "--gpus",
                        str(args.gpus),
                        *(["--keep", str(args.keep)] if args.keep else []),
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                runs.append(json.loads(out.strip().splitlines()[-1]))
                print(report(runs[-1]), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "scale.json").write_text(json.dumps(runs, indent=1))
    plot(runs, args.out / "scale.png")
    print(f"plot: {args.out / 'scale.png'}")
    print(
        f"command: .venv/bin/python bench/scale.py --jobs {args.jobs} --strategies "
        f"{args.strategies} --engines {args.engines} --gpus {args.gpus}"
    )


if __name__ == "__main__":
    main()
