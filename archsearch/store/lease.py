"""One driver per run: a lease row in the run's store, with the holder's host, pid and a
heartbeat.

Why a row and not an OS lock (``flock`` on a file): an OS lock dies with its process, which is
right, but says nothing across hosts and nothing to ``status``, and locks on network
filesystems are unreliable. The row names its holder, so a refused ``resume`` and ``status``
can say who drives the run; it lives in the same SQLite file whose ``BEGIN IMMEDIATE`` already
serialises writers, so taking it is one transaction. A holder is gone when its pid is dead on
this host (what a kill -9 leaves) or, from another host, when its heartbeat is older than
``STALE_AFTER_S``; a gone holder's lease is taken over. The heartbeat is a thread of its own,
so a driver busy in a long call (``ray.init``, an in-process job) still beats.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

from archsearch.errors import RunLockedError

log = logging.getLogger(__name__)

HEARTBEAT_S = 5.0  # how often the holder touches its lease
STALE_AFTER_S = 60.0  # a lease not touched for this long belongs to a driver that is gone


def this_process() -> str:
    """``host:pid`` of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def process_alive(holder: str | None) -> bool | None:
    """Whether ``holder`` (``host:pid``) still runs; None when it cannot be told from here
    (another host, or nothing recorded)."""
    host, _, pid = (holder or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)  # signal 0: an existence check, nothing is sent
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def holder_gone(holder: str, heartbeat_at: float, now: float | None = None) -> bool:
    alive = process_alive(holder)
    if alive is False:
        return True
    stale = (now or time.time()) - heartbeat_at > STALE_AFTER_S
    # On this host a live pid with a stale heartbeat is another process that reused the pid.
    return stale


class Lease:
    """The lease of the run whose store is ``db_path``; ``acquire`` then ``release``."""

    def __init__(self, db_path: Path, on_lost: Callable[[str], None] | None = None) -> None:
        self.db_path = db_path
        self.holder = this_process()
        self.on_lost = on_lost  # called (from the heartbeat thread) if another driver took it
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def acquire(self) -> None:
        """Take the lease, or raise ``RunLockedError`` naming the live driver that holds it."""
        from archsearch.store.db import ExperimentStore

        with ExperimentStore(self.db_path, create=False) as store:
            taken_from = store.take_lease(self.holder, holder_gone)
        if taken_from:
            log.warning("took over the run from driver %s, which is gone", taken_from)
        self._thread = threading.Thread(target=self._beat, name="archsearch-lease", daemon=True)
        self._thread.start()

    def release(self) -> None:
        from archsearch.store.db import ExperimentStore

        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
            with ExperimentStore(self.db_path, create=False) as store:
                store.drop_lease(self.holder)

    def _beat(self) -> None:
        from archsearch.store.db import ExperimentStore

        with ExperimentStore(self.db_path, create=False) as store:
            while not self._stop.wait(HEARTBEAT_S):
                try:
                    held = store.touch_lease(self.holder)
                except Exception as e:  # a locked or full disk: the next beat tries again
                    log.warning("lease heartbeat failed: %s", e)
                    continue
                if not held:
                    log.error("another driver took over this run; stopping")
                    if self.on_lost:
                        self.on_lost("another driver took over the run (its lease was stale)")
                    return


def check_free(db_path: Path) -> None:
    """Raise ``RunLockedError`` if a live driver holds the run (before changing its config)."""
    from archsearch.store.db import ExperimentStore

    with ExperimentStore(db_path, create=False) as store:
        row = store.lease()
    if row and not holder_gone(row["holder"], row["heartbeat_at"]):
        raise RunLockedError(locked_message(db_path.parent, row["holder"], row["heartbeat_at"]))


def locked_message(run_dir: Path, holder: str, heartbeat_at: float) -> str:
    return (
        f"{run_dir} is being driven by {holder} (heartbeat {time.time() - heartbeat_at:.0f} s "
        "ago); one driver per run: stop it first (Ctrl-C, SIGTERM, `ray job stop`), or use "
        "`archsearch update/kill/status` beside it"
    )
