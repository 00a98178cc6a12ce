"""Listeners: user callbacks on job events, the NNI execution-engine way.

A listener is any object with some of ``on_metric(job_id, metrics)`` (final metrics of a
successful job), ``on_intermediate_metric(job_id, epoch, metrics)`` (per epoch, reported from
the worker while it trains) and ``on_training_end(job_id, result)`` (every finished job,
failed ones included). A listener that raises is logged and kept; it never stops the search.
"""

from __future__ import annotations

import logging
from typing import Any

from archsearch.jobs.spec import JobResult

log = logging.getLogger(__name__)


class Listeners:
    def __init__(self) -> None:
        self._listeners: list[Any] = []

    def add(self, listener: Any) -> None:
        self._listeners.append(listener)

    def _call(self, method: str, *args: Any) -> None:
        for listener in self._listeners:
            fn = getattr(listener, method, None)
            if fn is None:
                continue
            try:
                fn(*args)
            except Exception:
                log.exception("listener %r.%s failed", listener, method)

    def intermediate(self, job_id: int, epoch: int, metrics: dict[str, float]) -> None:
        self._call("on_intermediate_metric", job_id, epoch, metrics)

    def finished(self, result: JobResult) -> None:
        if result.ok:
            self._call("on_metric", result.job_id, result.metrics)
        self._call("on_training_end", result.job_id, result)
