"""How long the commands that read a run take on a big store, cold, and how long resume takes to
its first resubmission.

    .venv/bin/python bench/read_paths.py RUN_DIR [--repeat 3]

RUN_DIR: a finished run, e.g. one ``bench/scale.py --keep DIR`` left (10^5 stand-in jobs).
Every command runs as users run it, the ``archsearch`` console script in a fresh process, so
"cold" includes Python's start and archsearch's imports; the OS page cache is dropped before
each try when this process may (root on Linux), else it is warm and the table says so.
Timed, best and median of ``--repeat``:

  archsearch --help        the baseline: start and imports, no store (the ratio column divides
                           by it)
  status                   jobs by stage and state, the hull
  export (csv)             one row per job
  export (json)            jobs with their curves, the hull
  compare RUN RUN          hypervolume and errors at MAdd levels of both, and the plot
  view frontier            ``archsearch view``: the first GET of /api/runs/0/frontier after
                           the server is up (from the request to the JSON, as a browser does)
  resume -> first submit   ``archsearch resume RUN --set budget.max_jobs=+50`` on a copy of the
                           run: from the command's start to its first new submission in the
                           store (loading the history, the strategy, the engine)

Targets (issue 21), at 10^5 jobs: each read <= 1 s, resume <= 10 s.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ARCHSEARCH = Path(sys.executable).with_name("archsearch")
ROOT = Path(__file__).resolve().parent.parent
# The stand-in jobs of bench/scale.py, for the resumed run's few new jobs.
RESUME_ENV = {"FAULTS_JOB_FN": "bench.sleep_job:sleep_job", "ARCHSEARCH_SLEEP_JOB_S": "0"}


def drop_caches() -> bool:
    """Empty the OS page cache (root only); whether it was."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def timed(run: Callable[[], None]) -> float:
    drop_caches()
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def cli(*args: str) -> Callable[[], None]:
    def run() -> None:
        subprocess.run([str(ARCHSEARCH), *args], check=True, capture_output=True)

    return run


def view_frontier(run_dir: Path) -> float:
    """Seconds from the first frontier request to its JSON, the server just up."""
    proc = subprocess.Popen(
        [str(ARCHSEARCH), "view", str(run_dir), "--port", "0", "--read-only"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://\S+/", line).group(0) + "api/runs/0/frontier"
        drop_caches()
        start = time.perf_counter()
        with urllib.request.urlopen(url, timeout=120) as r:
            r.read()
        return time.perf_counter() - start
    finally:
        proc.kill()
        proc.wait()


def resume_to_first_submit(run_dir: Path, jobs: int) -> float:
    """Seconds from ``archsearch resume`` on a copy of ``run_dir`` to its first new job."""
    with tempfile.TemporaryDirectory(dir=run_dir.parent) as tmp:
        copy = Path(tmp) / run_dir.name
        shutil.copytree(run_dir, copy, ignore=shutil.ignore_patterns("plots", "best"))
        argv = [sys.executable, "-m", "tests.faults.inject", "resume", str(copy)]
        argv += ["--set", f"budget.max_jobs={jobs + 50}", "--set", "plot_every_s=1000"]
        drop_caches()
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env={**os.environ, **RESUME_ENV},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            db = sqlite3.connect(f"file:{copy / 'experiment.db'}?mode=ro", uri=True)
            while True:
                if db.execute("SELECT MAX(job_id) FROM jobs").fetchone()[0] > jobs:
                    return time.perf_counter() - start
                if proc.poll() is not None:
                    raise SystemExit(f"resume exited {proc.returncode} before submitting")
                time.sleep(0.02)
        finally:
            proc.kill()
            proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    run = args.run_dir.resolve()
    db = sqlite3.connect(f"file:{run / 'experiment.db'}?mode=ro", uri=True)
    jobs = db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]
    db.close()
    size_mb = (run / "experiment.db").stat().st_size / 2**20
    out = Path(tempfile.mkdtemp())
    cases: list[tuple[str, Callable[[], float]]] = [
        ("archsearch --help", lambda: timed(cli("--help"))),
        ("status", lambda: timed(cli("status", str(run)))),
        (
            "export (csv)",
            lambda: timed(
                cli("export", str(run), "--format", "csv", "--output", str(out / "t.csv"))
            ),
        ),
        (
            "export (json)",
            lambda: timed(
                cli("export", str(run), "--format", "json", "--output", str(out / "r.json"))
            ),
        ),
        (
            "compare RUN RUN",
            lambda: timed(cli("compare", str(run), str(run), "--plot", str(out / "c.png"))),
        ),
        ("view frontier", lambda: view_frontier(run)),
        ("resume -> first submit", lambda: resume_to_first_submit(run, jobs)),
    ]
    cold = "cold (page cache dropped)" if drop_caches() else "page cache WARM (not root)"
    print(f"{run}: {jobs:,} jobs, experiment.db {size_mb:.0f} MB; {cold}")
    baseline = None
    for name, case in cases:
        times = [case() for _ in range(args.repeat)]
        best, median = min(times), statistics.median(times)
        baseline = baseline or median
        print(
            f"  {name:<24} best {best:6.2f} s  median {median:6.2f} s  "
            f"x{median / baseline:5.1f} of --help",
            flush=True,
        )
    shutil.rmtree(out, ignore_errors=True)
    print(f"command: .venv/bin/python bench/read_paths.py {args.run_dir} --repeat {args.repeat}")


if __name__ == "__main__":
    main()
