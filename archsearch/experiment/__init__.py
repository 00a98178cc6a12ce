"""Experiments: a run directory, its store, an engine, a strategy, and the driver loop."""

from archsearch.experiment.experiment import Experiment

__all__ = ["Experiment"]
