"""Engines run job functions: ``LocalEngine`` in-process, ``RayEngine`` on a Ray cluster.

``RayEngine`` lives in ``archsearch.engine.ray_engine`` and is not imported here, so nothing
but a Ray run imports ``ray``.
"""

from archsearch.engine.base import Engine, JobFn, JobHandle
from archsearch.engine.local_engine import LocalEngine

__all__ = ["Engine", "JobFn", "JobHandle", "LocalEngine"]
