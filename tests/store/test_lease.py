"""One driver per run: the lease row, its takeover from a dead or stale driver, and the
liveness check that `status` uses too (SIGKILL leaves the store saying RUNNING)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archsearch.errors import RunLockedError
from archsearch.store import ExperimentStore
from archsearch.store.lease import (
    STALE_AFTER_S,
    Lease,
    check_free,
    holder_gone,
    process_alive,
    this_process,
)


def test_this_process_is_alive():
    assert process_alive(this_process()) is True


def test_an_exited_process_is_not():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    host = this_process().rpartition(":")[0]
    assert process_alive(f"{host}:{proc.pid}") is False


def test_another_host_or_nothing_recorded_cannot_be_told():
    assert process_alive(f"elsewhere.example:{os.getpid()}") is None
    assert process_alive(None) is None


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.fixture
def db(tmp_path: Path) -> Path:
    ExperimentStore(tmp_path / "experiment.db").close()
    return tmp_path / "experiment.db"


def test_a_second_driver_is_refused_with_the_holder_named(db: Path):
    lease = Lease(db)
    lease.acquire()
    try:
        with ExperimentStore(db) as store:
            other = f"{this_process().rpartition(':')[0]}:1"  # pid 1 is alive
            with pytest.raises(RunLockedError, match=this_process()):
                store.take_lease(other, holder_gone)
        with pytest.raises(RunLockedError, match="one driver per run"):
            check_free(db)
    finally:
        lease.release()
    check_free(db)  # released: free again
    with ExperimentStore(db) as store:
        assert store.lease() is None


def test_a_dead_drivers_lease_is_taken_over(db: Path):
    host = this_process().rpartition(":")[0]
    with ExperimentStore(db) as store:
        store.take_lease(f"{host}:{_dead_pid()}", holder_gone)
    lease = Lease(db)
    lease.acquire()  # the holder's pid is gone: taken over, no error
    try:
        with ExperimentStore(db) as store:
            assert store.lease()["holder"] == this_process()
    finally:
        lease.release()


def test_a_stale_heartbeat_from_another_host_is_taken_over(db: Path):
    with ExperimentStore(db) as store:
        store.take_lease("elsewhere.example:42", holder_gone)
        assert not holder_gone("elsewhere.example:42", store.lease()["heartbeat_at"])
        assert holder_gone("elsewhere.example:42", time.time() - STALE_AFTER_S - 1)
        store._conn.execute("UPDATE lease SET heartbeat_at = heartbeat_at - 3600")
        assert store.take_lease(this_process(), holder_gone) == "elsewhere.example:42"
        # The old holder learns it lost the lease on its next heartbeat.
        assert not store.touch_lease("elsewhere.example:42")
        assert store.touch_lease(this_process())


def test_the_heartbeat_thread_stops_a_driver_that_lost_the_lease(db: Path, monkeypatch):
    monkeypatch.setattr("archsearch.store.lease.HEARTBEAT_S", 0.05)
    lost = []
    lease = Lease(db, on_lost=lost.append)
    lease.acquire()
    with ExperimentStore(db) as store:
        store._conn.execute("UPDATE lease SET holder = 'elsewhere.example:42'")
    deadline = time.monotonic() + 5
    while not lost and time.monotonic() < deadline:
        time.sleep(0.05)
    lease.release()
    assert lost and "took over" in lost[0]
