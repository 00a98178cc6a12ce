"""A strategy decides WHAT to train next; the driver decides where, when, and records it.

A strategy is ask/tell: ``ask(n)`` proposes at most ``n`` jobs, ``tell(spec, result)`` reports
one finished job. Its ``state_dict()`` is plain JSON and, together with the store's job rows
(reached through ``StrategyContext``), is enough to continue after a crash. Strategies never
wait, retry, checkpoint or touch the engine: the one driver loop does that for all of them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from archsearch.config import Config
from archsearch.jobs.spec import JobResult, JobSpec, Stage
from archsearch.space.desc import ModelDesc


@dataclass
class Proposal:
    """A job the strategy wants run; the driver gives it an id and a weights path."""

    stage: Stage
    model_desc: ModelDesc
    train_conf: dict[str, Any]
    parent_id: int | None = None
    parent_weights: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


class StrategyContext(Protocol):
    """Read access to what the run has recorded, so a strategy's own state can stay small."""

    def spec(self, job_id: int) -> JobSpec: ...

    def result(self, job_id: int) -> JobResult: ...


class Strategy(ABC):
    name: ClassVar[str]

    def __init__(self, config: Config, context: StrategyContext) -> None:
        self.config = config
        self.context = context

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
