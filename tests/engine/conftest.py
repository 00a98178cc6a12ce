"""The engine contract suite runs on every engine: ``engine_factory`` is parametrized."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from archsearch.config import ResourcesConfig
from archsearch.engine import Engine, LocalEngine


@pytest.fixture(params=["local", pytest.param("ray", marks=pytest.mark.ray)])
def engine_factory(request: pytest.FixtureRequest) -> Iterator[Callable[..., Engine]]:
    """``engine_factory(job_fn, **resources)``: an engine of this parameter's kind."""
    made: list[Engine] = []

    def make(job_fn, **resources) -> Engine:
        if request.param == "local":
            engine = LocalEngine(job_fn)
        else:
            request.getfixturevalue("ray_cluster")
            from archsearch.engine.ray_engine import RayEngine

            conf = {"gpus": 0, "cpus": 0.5, "max_retries": 0, **resources}
            engine = RayEngine(job_fn, ResourcesConfig(**conf))
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.shutdown()
