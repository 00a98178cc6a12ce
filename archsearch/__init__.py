"""archsearch: neural architecture search on Ray — Petridish forward search and friends.

The public API; everything else is reached through its module.
"""

from archsearch.config import Config, load_config
from archsearch.errors import (
    ArchsearchError,
    ConfigError,
    DataNotFoundError,
    InvalidMacroError,
    NonFiniteLossError,
)
from archsearch.jobs.spec import JobResult, JobSpec, Stage, Status
from archsearch.space.builders import insert_node, seed_model
from archsearch.space.desc import ModelDesc


def __getattr__(name: str):  # lazy: importing Experiment pulls in matplotlib
    if name == "Experiment":
        from archsearch.experiment import Experiment

        return Experiment
    raise AttributeError(f"module 'archsearch' has no attribute {name!r}")


__all__ = [
    "ArchsearchError",
    "Config",
    "ConfigError",
    "DataNotFoundError",
    "Experiment",
    "InvalidMacroError",
    "JobResult",
    "JobSpec",
    "ModelDesc",
    "NonFiniteLossError",
    "Stage",
    "Status",
    "insert_node",
    "load_config",
    "seed_model",
]
