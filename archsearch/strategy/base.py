"""A strategy decides WHAT to train next; the driver decides where, when, and records it.

A strategy is ask/tell: ``ask(n)`` proposes at most ``n`` jobs, ``tell(spec, result)`` reports
one finished job. Its ``state_dict()`` is plain JSON and, together with the store's job rows
(reached through ``StrategyContext``), is enough to continue after a crash. Strategies never
wait, retry, checkpoint or touch the engine: the one driver loop does that for all of them.

Around ask/tell sits the NNI-style lifecycle: ``initialize(engine)`` once, ``run()`` once (it
hands the strategy to the engine's loop), ``status``, ``list_models()``, ``cleanup()``:
EMPTY -> INITIALIZED -> RUNNING -> SUCCEEDED | INTERRUPTED | FAILED.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, Protocol

from archsearch.config import Config
from archsearch.errors import ArchsearchError
from archsearch.hull import Hull
from archsearch.jobs.spec import JobResult, JobSpec, Stage, Status, is_finite_point
from archsearch.space.desc import ModelDesc

log = logging.getLogger(__name__)


class StrategyStatus(StrEnum):
    EMPTY = "EMPTY"
    INITIALIZED = "INITIALIZED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    INTERRUPTED = "INTERRUPTED"
    FAILED = "FAILED"


class LifecycleError(ArchsearchError):
    """A lifecycle call out of order: run() twice, run() before initialize(), ..."""


@dataclass
class Proposal:
    """A job the strategy wants run; the driver gives it an id and ships what it needs."""

    stage: Stage
    model_desc: ModelDesc
    train_conf: dict[str, Any]
    parent_id: int | None = None
    warm_start_from: int | None = None  # the job whose trained weights this one starts from
    meta: dict[str, Any] = field(default_factory=dict)


class StrategyContext(Protocol):
    """Read access to what the run has recorded (experiment/history.py), so a strategy's own
    state can stay small: what the records tell is not state."""

    def spec(self, job_id: int) -> JobSpec: ...

    def result(self, job_id: int) -> JobResult: ...

    def trained(self) -> list[tuple[JobSpec, JobResult]]: ...

    def frontier(self, eps: float | None = None) -> Hull: ...

    def count_by_parent(self, stage: Stage, status: Status | None = None) -> Counter[int]: ...

    def model_hashes(self, stages: tuple[Stage, ...], failed: bool = True) -> set[str]: ...


class ExecutionEngine(Protocol):
    """What ``run()`` hands the strategy to: the driver loop (experiment/driver.py)."""

    def run(self) -> str: ...

    def query_available_resource(self) -> int: ...

    def wait_for_resource(self, timeout: float | None = None) -> bool: ...


class Strategy(ABC):
    name: ClassVar[str]

    def __init__(self, config: Config, context: StrategyContext) -> None:
        self.config = config
        self.context = context
        self.status = StrategyStatus.EMPTY
        self.engine: ExecutionEngine | None = None

    # --- lifecycle ---------------------------------------------------------------------------
    def initialize(self, engine: ExecutionEngine) -> None:
        """Bind the execution engine; once, before ``run()``."""
        if self.status is not StrategyStatus.EMPTY:
            raise LifecycleError(f"initialize() on a strategy that is {self.status}")
        self.engine = engine
        self.status = StrategyStatus.INITIALIZED

    def run(self) -> str:
        """Search until a budget or ``stop_reason()`` ends it; returns the reason. Once only.
        Ctrl-C leaves status INTERRUPTED, an exception FAILED; both propagate."""
        if self.status is not StrategyStatus.INITIALIZED:
            raise LifecycleError(
                f"run() on a strategy that is {self.status}: a strategy runs once, after "
                "initialize(); resume a run with a new strategy loaded from its state_dict()"
            )
        self.status = StrategyStatus.RUNNING
        try:
            reason = self.engine.run()
        except KeyboardInterrupt:
            self.status = StrategyStatus.INTERRUPTED
            raise
        except BaseException:
            self.status = StrategyStatus.FAILED
            raise
        self.status = StrategyStatus.SUCCEEDED
        return reason

    def wait_for_resource(self, timeout: float | None = None) -> bool:
        """Block until the engine has a free slot (or ``timeout``); True if one is free."""
        if self.engine is None:
            raise LifecycleError("wait_for_resource() before initialize()")
        return self.engine.wait_for_resource(timeout)

    def score(self, result: JobResult) -> float:
        """The experiment's metric, higher is better: best validation top-1 by default;
        strategies that scalarise accuracy and MAdd override it."""
        return result.metrics.get("best_val_top1", result.metrics.get("val_top1", float("-inf")))

    def list_models(self, sort: bool = True, limit: int | None = None) -> list[JobResult]:
        """Trained models (successful, finite MAdd and error), best first by ``score``."""
        models = [r for _, r in self.context.trained() if is_finite_point(r)]
        if sort:
            models.sort(key=self.score, reverse=True)
        return models[:limit] if limit is not None else models

    def cleanup(self) -> None:  # noqa: B027 - optional hook
        """Release what the strategy holds (nothing by default)."""

    @abstractmethod
    def ask(self, n: int) -> list[Proposal]:
        """Up to ``n`` new jobs; fewer (or none) when nothing is worth running right now."""

    def on_submitted(self, spec: JobSpec) -> None:  # noqa: B027 - optional hook
        """Called once per job the driver submitted from a proposal (with its job id)."""

    @abstractmethod
    def tell(self, spec: JobSpec, result: JobResult) -> None:
        """A job finished (succeeded or failed)."""

    @abstractmethod
    def stop_reason(self) -> str | None:
        """Why this strategy is done (hull full, nothing left to grow), or None to go on."""

    @abstractmethod
    def state_dict(self) -> dict[str, Any]: ...

    @abstractmethod
    def load_state_dict(self, state: dict[str, Any]) -> None: ...
