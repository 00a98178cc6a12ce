"""Data sets by name: ``load_data(conf)`` looks ``conf.name`` up in ``DATASETS``, or imports
the plug-in loader a ``package.module:function`` name points to."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from archsearch.config import DataConfig
from archsearch.data._common import DataSplits
from archsearch.data.cifar10 import load_cifar10_splits
from archsearch.data.cifar100 import NUM_CLASSES as CIFAR100_CLASSES
from archsearch.data.cifar100 import load_cifar100_splits
from archsearch.data.digits import load_digits_splits
from archsearch.data.image_folder import image_folder_shape, load_image_folder_splits
from archsearch.data.mnist import load_idx_splits, mnist_shape
from archsearch.data.npz import load_npz_splits, npz_shape
from archsearch.data.plugin import load_plugin_splits, plugin_shape
from archsearch.data.synthetic import load_synthetic_splits
from archsearch.errors import UnknownNameError

logger = logging.getLogger(__name__)

Loader = Callable[[DataConfig], DataSplits]
Shape = tuple[tuple[int, int, int], int]  # ((C, H, W), number of classes)


@dataclass(frozen=True)
class DataSet:
    load: Loader
    # The sample shape and class count before loading: from the config, or as little of
    # the files as tells it (headers, folder names).
    shape: Callable[[DataConfig], Shape]


def _fixed(shape: tuple[int, int, int], classes: int) -> Callable[[DataConfig], Shape]:
    return lambda conf: (shape, classes)


DATASETS: dict[str, DataSet] = {
    "digits": DataSet(load_digits_splits, _fixed((1, 8, 8), 10)),
    "synthetic": DataSet(
        load_synthetic_splits,
        lambda conf: (tuple(conf.synthetic_shape), conf.synthetic_classes),  # type: ignore[misc]
    ),
    "cifar10": DataSet(load_cifar10_splits, _fixed((3, 32, 32), 10)),
    "cifar100": DataSet(
        load_cifar100_splits, lambda conf: ((3, 32, 32), CIFAR100_CLASSES[conf.cifar100_labels])
    ),
    "mnist": DataSet(
        functools.partial(load_idx_splits, "mnist"), functools.partial(mnist_shape, "mnist")
    ),
    "fashion_mnist": DataSet(
        functools.partial(load_idx_splits, "fashion_mnist"),
        functools.partial(mnist_shape, "fashion_mnist"),
    ),
    "image_folder": DataSet(load_image_folder_splits, image_folder_shape),
    "npz": DataSet(load_npz_splits, npz_shape),
}
PLUGIN = DataSet(load_plugin_splits, plugin_shape)


def get_data_set(name: str) -> DataSet:
    if ":" in name:  # "package.module:function", a plug-in loader
        return PLUGIN
    try:
        return DATASETS[name]
    except KeyError:
        raise UnknownNameError("data set", name, list(DATASETS)) from None


def get_loader(name: str) -> Loader:
    return get_data_set(name).load


def sample_shape(conf: DataConfig) -> Shape:
    """(input shape (C, H, W), number of classes) of the configured data set."""
    return get_data_set(conf.name).shape(conf)


def load_data(conf: DataConfig) -> DataSplits:
    """Train, val and test splits of the configured data set, limits applied, inputs
    normalised with the train split's statistics (or the data set's published ones)."""
    start = time.perf_counter()
    splits = get_loader(conf.name)(conf)
    logger.info(
        "data %s: %d train, %d val, %s test, input %s, %d classes (%.2f s)",
        conf.name,
        len(splits.train),
        len(splits.val),
        len(splits.test) if splits.test is not None else "no",
        splits.input_shape,
        splits.num_classes,
        time.perf_counter() - start,
    )
    return splits
