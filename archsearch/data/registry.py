"""Data sets by name: ``load_data(conf)`` looks ``conf.name`` up in ``DATASETS``."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from archsearch.config import DataConfig
from archsearch.data._common import DataSplits
from archsearch.data.cifar10 import load_cifar10_splits
from archsearch.data.digits import load_digits_splits
from archsearch.data.synthetic import load_synthetic_splits
from archsearch.errors import UnknownNameError

logger = logging.getLogger(__name__)

Loader = Callable[[DataConfig], DataSplits]

DATASETS: dict[str, Loader] = {
    "digits": load_digits_splits,
    "cifar10": load_cifar10_splits,
    "synthetic": load_synthetic_splits,
}


def get_loader(name: str) -> Loader:
    try:
        return DATASETS[name]
    except KeyError:
        raise UnknownNameError("data set", name, list(DATASETS)) from None


def load_data(conf: DataConfig) -> DataSplits:
    """Train and val splits of the configured data set, limits applied, inputs normalised."""
    start = time.perf_counter()
    splits = get_loader(conf.name)(conf)
    logger.info(
        "data %s: %d train, %d val, input %s, %d classes (%.2f s)",
        conf.name,
        len(splits.train),
        len(splits.val),
        splits.input_shape,
        splits.num_classes,
        time.perf_counter() - start,
    )
    return splits
