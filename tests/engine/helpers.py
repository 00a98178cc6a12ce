"""Helpers of the engine tests."""

from __future__ import annotations

from archsearch.engine import Engine, JobHandle
from archsearch.jobs.spec import JobResult

JOBS = "tests.engine.jobs_for_tests"  # job functions by dotted path, as workers import them


def wait_all(engine: Engine, handles: list[JobHandle], timeout: float = 60) -> list[JobResult]:
    """Results of every handle, in the order they finished."""
    results, pending = [], list(handles)
    while pending:
        done, pending = engine.wait(pending, timeout=timeout)
        assert done, f"nothing finished within {timeout} s"
        results += [engine.result(h) for h in done]
    return results
