"""Experiments: a run directory, its store, an engine, a strategy, and the driver loop."""


def __getattr__(name: str):  # lazy: the CLI imports ``interrupts`` before plots and torch
    if name == "Experiment":
        from archsearch.experiment.experiment import Experiment

        return Experiment
    raise AttributeError(f"module 'archsearch.experiment' has no attribute {name!r}")


__all__ = ["Experiment"]
