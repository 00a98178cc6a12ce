"""``python -m tests.faults.inject ARGS``: the archsearch CLI (``archsearch ARGS``, the same
``main`` in the same process) with faults injected into its driver, chosen by environment:

- ``FAULTS_JOB_FN=module:function``: the job function jobs run (the CLI always runs the real
  one; ``Experiment(job_fn=...)`` is how the API chooses another).
- ``FAULTS_ENOSPC_WEIGHTS=3,5``: saving ``weights/3.pt`` or ``weights/5.pt`` fails as a full disk
  does: the temporary file is written, then ``fsync`` reports ENOSPC (where a full disk shows up
  with delayed allocation); the real ``write_bytes_atomic`` runs around it.
- ``FAULTS_STORE_PAGES_LEFT=N``: every store connection this process opens may grow the
  database by N pages (``PRAGMA max_page_count``), then SQLite answers SQLITE_FULL, as on a
  full disk.
"""

from __future__ import annotations

import errno
import os
import re
import sys
from types import SimpleNamespace

JOB_FN_ENV = "FAULTS_JOB_FN"
ENOSPC_WEIGHTS_ENV = "FAULTS_ENOSPC_WEIGHTS"
STORE_PAGES_ENV = "FAULTS_STORE_PAGES_LEFT"


def _inject_job_fn(job_fn: str) -> None:
    from archsearch.experiment import experiment

    real = experiment.make_engine

    def make_engine(config, _default=None, data=None):
        return real(config, job_fn, data)

    experiment.make_engine = make_engine


def _inject_enospc_weights(job_ids: set[str]) -> None:
    from archsearch.store import files

    real_os = files.os
    temp_of_target = re.compile(r"/weights/\.(\d+)\.pt\.[^/]*\.tmp$")

    def fsync(fd: int) -> None:
        found = temp_of_target.search(real_os.readlink(f"/proc/self/fd/{fd}"))
        if found and found.group(1) in job_ids:
            raise OSError(errno.ENOSPC, real_os.strerror(errno.ENOSPC))
        real_os.fsync(fd)

    names = {k: getattr(real_os, k) for k in dir(real_os) if not k.startswith("__")}
    files.os = SimpleNamespace(**{**names, "fsync": fsync})


def _inject_store_pages(pages_left: int) -> None:
    from archsearch.store import db

    real_init = db.ExperimentStore.__init__

    def init(self, *args, **kwargs) -> None:
        real_init(self, *args, **kwargs)
        count = self._conn.execute("PRAGMA page_count").fetchone()[0]
        self._conn.execute(f"PRAGMA max_page_count = {count + pages_left}")

    db.ExperimentStore.__init__ = init


def install() -> None:
    if os.environ.get(JOB_FN_ENV):
        _inject_job_fn(os.environ[JOB_FN_ENV])
    if os.environ.get(ENOSPC_WEIGHTS_ENV):
        _inject_enospc_weights(set(os.environ[ENOSPC_WEIGHTS_ENV].split(",")))
    if os.environ.get(STORE_PAGES_ENV):
        _inject_store_pages(int(os.environ[STORE_PAGES_ENV]))


if __name__ == "__main__":
    from archsearch.cli import main

    install()
    sys.exit(main())
