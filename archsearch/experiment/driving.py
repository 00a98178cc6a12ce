"""What a search and a retrain both hold while they drive a run: its lease (one driver per
run, ``RunLockedError`` for a second) and signal handling that turns Ctrl-C and SIGTERM into
``KeyboardInterrupt`` (``interrupts``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from archsearch.experiment import interrupts
from archsearch.store.lease import Lease


@contextmanager
def driving(run_dir: Path, on_lost: Callable[[str], None]) -> Iterator[None]:
    """Hold ``run_dir``'s lease for the body; ``on_lost(reason)`` runs (on the heartbeat
    thread) if another driver takes the run over, and should stop this one."""
    with interrupts.interrupting():
        lease = Lease(run_dir / "experiment.db", on_lost=on_lost)
        lease.acquire()
        try:
            yield
        finally:
            lease.release()
