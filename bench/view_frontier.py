"""How fast the web view serves the frontier of a 10^4-job store, against bare sqlite3 reads.

    .venv/bin/python bench/view_frontier.py [--jobs 10000] [--repeat 7]

A store of ``--jobs`` finished jobs is written through ``ExperimentStore`` (real seed-model
descriptions of several shapes, a 3-epoch curve each, parent links), so rows have the size and
shape of a real run's. Timed, in the same run, best and median of ``--repeat``:

  view, cold     GET /api/runs/0/frontier over HTTP, the store changed since the last request
                 (every request rebuilds: points, hull, band, links, JSON)
  view, cached   the same request again, nothing changed (what a polling page mostly gets)
  bare sqlite3   the same rows read with the sqlite3 module: the frontier's columns plus each
                 model's label, no hull, no JSON (the floor for any reader)

Target: view, cold <= 200 ms. The ratio cold / bare is what the view adds to reading the rows.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archsearch.jobs.spec import JobResult, JobSpec, Stage, Status
from archsearch.space.builders import seed_model
from archsearch.store import ExperimentStore
from archsearch.view import ViewServer

BARE_SQL = (
    "SELECT job_id, stage, parent_id, madd, params, error_rate, finished_at, label FROM jobs "
    "WHERE status = 'succeeded' AND stage IN ('seed_train', 'post_train', 'train')"
)


def make_store(run_dir: Path, jobs: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    shapes = [
        seed_model(c, 1, n, init_channels=8, num_classes=10, input_shape=(3, 32, 32), seed=s)
        for s, (c, n) in enumerate([(3, 1), (3, 2), (4, 2), (5, 3), (6, 3)])
    ]
    run_dir.mkdir(parents=True)
    (run_dir / "config.yaml").write_text("name: bench\n")
    with ExperimentStore(run_dir / "experiment.db") as store:
        store.set_meta("created_at", f"{time.time():.3f}")
        store.set_meta("status", "SUCCEEDED")
        for job_id in range(1, jobs + 1):
            desc = shapes[job_id % len(shapes)]
            stage = Stage.SEED_TRAIN if job_id <= 20 else Stage.POST_TRAIN
            parent = None if job_id <= 20 else rng.randint(1, job_id - 1)
            spec = JobSpec(
                job_id=job_id,
                stage=stage,
                model_desc=desc,
                train_conf={"epochs": 3},
                data_conf={"name": "digits"},
                parent_id=parent,
            )
            store.record_submitted(spec)
            madd = 1e6 * (1 + job_id % len(shapes)) * rng.uniform(0.8, 1.2)
            top1 = min(0.99, 0.5 + 0.1 * madd**0.1 / 4 + rng.uniform(-0.05, 0.05))
            curve = [{"epoch": e, "val_top1": top1 * (e + 1) / 3, "val_loss": 1.0 / (e + 1)}
                     for e in range(3)]  # fmt: skip
            result = JobResult(
                job_id=job_id,
                status=Status.SUCCEEDED,
                metrics={"val_top1": top1, "train_time_s": 1.0},
                madd=madd,
                params=10_000 + job_id,
                model_desc=desc,
                curve=curve,
            )
            store.record_result(result)


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(tmp) / "bench"
        start = time.perf_counter()
        make_store(run_dir, args.jobs)
        print(f"store of {args.jobs} jobs written in {time.perf_counter() - start:.1f} s")
        db = run_dir / "experiment.db"
        server = ViewServer([run_dir], port=0)
        url = server.start() + "api/runs/0/frontier"
        writer = sqlite3.connect(db, isolation_level=None)

        def cold() -> None:
            # A commit that changes the file moves SQLite's data_version: the view rebuilds.
            writer.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('tick', random())")
            with urllib.request.urlopen(url) as r:
                r.read()

        def cached() -> None:
            with urllib.request.urlopen(url) as r:
                r.read()

        def bare() -> None:
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            conn.execute(BARE_SQL).fetchall()
            conn.close()

        size = len(urllib.request.urlopen(url).read())
        rows = {"view, cold": timed(cold, args.repeat), "view, cached": timed(cached, args.repeat),
                "bare sqlite3": timed(bare, args.repeat)}  # fmt: skip
        server.stop()
        writer.close()
    floor = statistics.median(rows["bare sqlite3"])
    print(f"frontier JSON: {size / 1e6:.2f} MB, {args.jobs} points\n")
    print("| reader | best ms | median ms | median / bare |\n|---|---:|---:|---:|")
    for name, times in rows.items():
        med = statistics.median(times)
        print(f"| {name} | {1e3 * min(times):.1f} | {1e3 * med:.1f} | {med / floor:.1f} |")
    verdict = "met" if statistics.median(rows["view, cold"]) <= 0.2 else "NOT met"
    print(f"\ntarget (view, cold <= 200 ms): {verdict}")


if __name__ == "__main__":
    main()
