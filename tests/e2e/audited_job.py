"""The real job function, watched: records every file a worker opens under the folders named in
``ARCHSEARCH_TEST_WATCH`` (the run directory, the data folder) and the node the job ran on, as
one JSON file per job in ``ARCHSEARCH_TEST_AUDIT``. Workers must open nothing of the run and of
the data folder: both reach them through Ray's object store."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from archsearch.jobs.run import run_job
from archsearch.jobs.spec import JobResult, JobSpec

_opened: list[str] = []
_hooked = False


def _watch(event: str, args: tuple) -> None:
    if event == "open" and isinstance(args[0], str | bytes | os.PathLike):
        path = os.path.abspath(os.fsdecode(args[0]))
        if any(path.startswith(w) for w in os.environ["ARCHSEARCH_TEST_WATCH"].split(os.pathsep)):
            _opened.append(path)


def run(spec: JobSpec) -> JobResult:
    global _hooked
    import ray

    if not _hooked:  # an audit hook cannot be removed: one per worker process
        sys.addaudithook(_watch)
        _hooked = True
    _opened.clear()
    result = run_job(spec)
    record = {
        "job_id": spec.job_id,
        "node": ray.get_runtime_context().get_node_id(),
        "opened": list(_opened),
        "inherited": result.metrics.get("inherited_tensors"),
    }
    audit = Path(os.environ["ARCHSEARCH_TEST_AUDIT"])
    (audit / f"{spec.job_id}-{os.getpid()}.json").write_text(json.dumps(record))
    return result
