"""`status` tells a live driver from a dead one (SIGKILL leaves the store saying RUNNING)."""

import os
import subprocess
import sys

from archsearch.store.lease import process_alive, this_process


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
