"""Training, evaluation, profiling and weight files: what a job does on a worker."""

from archsearch.train.profiler import Profile, count_params, module_madd, profile
from archsearch.train.trainer import TrainMetrics, evaluate, lr_at, resolve_device, train
from archsearch.train.weights import (
    load_weights,
    save_weights,
    weights_from_bytes,
    weights_to_bytes,
)

__all__ = [
    "Profile",
    "TrainMetrics",
    "count_params",
    "evaluate",
    "load_weights",
    "lr_at",
    "module_madd",
    "profile",
    "resolve_device",
    "save_weights",
    "train",
    "weights_from_bytes",
    "weights_to_bytes",
]
