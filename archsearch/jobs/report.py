"""Per-epoch metrics from a running job to the engine that runs it, while it trains.

The job function stays ``JobSpec -> JobResult``; the engine installs a reporter around the
call (``reporting_to``) and the trainer's per-epoch callback calls ``report_epoch``. With no
reporter installed (``archsearch train``, a unit test) reports go nowhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

EpochReporter = Callable[[int, int, dict[str, float]], None]  # (job id, epoch, metrics)

_reporter: EpochReporter | None = None


@contextmanager
def reporting_to(reporter: EpochReporter | None) -> Iterator[None]:
    global _reporter
    previous, _reporter = _reporter, reporter
    try:
        yield
    finally:
        _reporter = previous


def report_epoch(job_id: int, epoch: int, metrics: dict[str, float]) -> None:
    if _reporter is not None:
        _reporter(job_id, epoch, metrics)
