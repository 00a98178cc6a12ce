"""`status` tells a live driver from a dead one (SIGKILL leaves the store saying RUNNING)."""

import os
import subprocess
import sys

from archsearch.experiment.status import driver_alive, driver_id


def test_this_process_is_alive():
    assert driver_alive(driver_id()) is True


def test_an_exited_process_is_not():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    host = driver_id().rpartition(":")[0]
    assert driver_alive(f"{host}:{proc.pid}") is False


def test_another_host_or_nothing_recorded_cannot_be_told():
    assert driver_alive(f"elsewhere.example:{os.getpid()}") is None
    assert driver_alive(None) is None
