"""A driver killed at any instant leaves a store that opens, checks clean, and holds exactly
what it had committed; a second writer (the CLI) never fails on the driver's locks."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from archsearch.store import ExperimentStore

REPO = Path(__file__).resolve().parents[2]

# A driver stand-in: submit and finish jobs forever, printing each id once its result is
# committed. With DIE_IN=<id> it kills itself *inside* that job's result transaction.
CHILD = textwrap.dedent("""
    import os, signal, sys
    from archsearch.jobs.spec import JobResult, JobSpec, Stage, Status
    from archsearch.space.builders import seed_model
    from archsearch.store import ExperimentStore, db

    path, die_in, how = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    real_event = db._event
    def event(c, kind, job_id, payload):
        real_event(c, kind, job_id, payload)
        if kind == "result" and job_id == die_in:  # the UPDATE ran, the COMMIT has not
            os.kill(os.getpid(), signal.SIGKILL) if how == "sigkill" else os._exit(1)
    db._event = event
    store = ExperimentStore(path)
    desc = seed_model(cells=3, reductions=1, nodes=1, init_channels=4, input_shape=(1, 8, 8))
    while True:
        job_id = store.next_job_id()
        store.record_submitted(JobSpec(job_id, Stage.SEED_TRAIN, desc, {}, {}, f"{job_id}.pt"),
                               strategy_state={"last": job_id})
        store.record_result(JobResult(job_id, Status.SUCCEEDED, {"val_top1": 0.5}, madd=1.0),
                            strategy_state={"last": job_id})
        print(job_id, flush=True)
""")


def start_child(path: Path, die_in: int = -1, how: str = "sigkill") -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(die_in), how],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


def check_clean(path: Path) -> None:
    with sqlite3.connect(path) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_sigkill_at_a_random_instant_loses_nothing_committed(tmp_path):
    path = tmp_path / "experiment.db"
    child = start_child(path)
    reported = [int(child.stdout.readline()) for _ in range(40)]
    child.send_signal(signal.SIGKILL)  # somewhere in the middle of the next transactions
    child.wait(timeout=30)
    child.stdout.close()
    check_clean(path)
    with ExperimentStore(path) as s:
        finished = {r.job_id for r in s.results()}
        assert set(reported) <= finished  # everything it said was committed is there
        unfinished = [spec.job_id for spec in s.unfinished_specs()]
        assert len(unfinished) <= 1 and set(unfinished).isdisjoint(finished)
        top = max(finished | set(unfinished))
        assert s.load_strategy_state()["last"] >= max(reported)
        assert s.next_job_id() > top  # an id handed out before the kill is never reused


@pytest.mark.parametrize("how", ["sigkill", "_exit"])
def test_death_inside_a_transaction_rolls_it_back(tmp_path, how):
    path = tmp_path / "experiment.db"
    child = start_child(path, die_in=3, how=how)
    out, _ = child.communicate(timeout=60)
    assert child.returncode != 0 and out.split() == ["1", "2"]
    check_clean(path)
    with ExperimentStore(path) as s:
        assert [r.job_id for r in s.results()] == [1, 2]
        assert [spec.job_id for spec in s.unfinished_specs()] == [3]  # resume re-runs it
        assert s.load_strategy_state() == {"last": 3}  # from job 3's committed submit
        assert s.next_job_id() == 4


def test_concurrent_control_writer_is_not_locked_out(tmp_path, make_spec):
    path = tmp_path / "experiment.db"
    ExperimentStore(path).close()
    specs = [make_spec(i) for i in range(1, 151)]
    errors: list[BaseException] = []

    def driver() -> None:
        try:
            with ExperimentStore(path) as s:
                for spec in specs:
                    s.record_submitted(spec, strategy_state={"n": spec.job_id})
                    s.pending_controls()
        except BaseException as e:  # surfaced below: a thread's exception is otherwise lost
            errors.append(e)

    def cli() -> None:
        try:
            with ExperimentStore(path, create=False) as s:
                for i in range(150):
                    s.post_control("update", {"max_jobs": i})
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=driver), threading.Thread(target=cli)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with ExperimentStore(path) as s:
        assert len(s.specs()) == 150 and len(s.pending_controls()) == 150
    check_clean(path)
