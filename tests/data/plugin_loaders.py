"""Plug-in loaders the data tests name as ``tests.data.plugin_loaders:<function>``."""

import numpy as np

from archsearch.data import Arrays

calls = []  # one entry per call, so a test can count them


def blobs(conf):
    """A learnable 2-class set, channels-last, with a test split of its own."""
    calls.append(conf.name)
    rng = np.random.default_rng(conf.seed)
    y = np.arange(60) % 2
    x = rng.normal(size=(60, 6, 6, 2)) + y[:, None, None, None]
    return Arrays(x=x, y=y, x_test=x[:10] + 0.5, y_test=y[:10], num_classes=3)


def as_dict(conf):
    return {"x": np.zeros((20, 4, 4)), "y": np.arange(20) % 2, "mean": [0.0], "std": [2.0]}


def wrong_type(conf):
    return [1, 2, 3]


def unknown_key(conf):
    return {"x": np.zeros((4, 1, 2, 2)), "y": np.zeros(4, int), "labels": None}


def val_without_labels(conf):
    return Arrays(x=np.zeros((8, 1, 2, 2)), y=np.arange(8) % 2, x_val=np.zeros((2, 1, 2, 2)))


not_a_function = 3
