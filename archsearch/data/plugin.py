"""A plug-in loader: ``data.name: "my_pkg.my_module:load"`` names a function that takes the
``DataConfig`` and returns an ``archsearch.data.Arrays`` (or a dict of its fields), which is
then checked, split and normalised like every other data set.

The driver asks for the sample shape before it loads the data; both go through ``_arrays``,
which keeps the one last result, so the function runs once per config.
"""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Callable

from archsearch.config import DataConfig
from archsearch.data._common import DataSplits
from archsearch.data.arrays import Arrays, arrays_to_splits, count_classes, image_shape
from archsearch.errors import DataFormatError, DataNotFoundError

logger = logging.getLogger(__name__)


def resolve(name: str) -> Callable[[DataConfig], object]:
    """The function ``package.module:function`` names; DataNotFoundError when it is not there."""
    module, _, attr = name.partition(":")
    try:
        fn = getattr(importlib.import_module(module), attr, None)
    except ModuleNotFoundError as e:
        raise DataNotFoundError(f"data loader {name}: no module {e.name!r} to import") from None
    if not callable(fn):
        raise DataNotFoundError(f"data loader {name}: module {module} has no function {attr!r}")
    return fn


@functools.lru_cache(maxsize=1)  # the data set of one run: shape first, then the load
def _arrays(conf_json: str) -> Arrays:
    conf = DataConfig.model_validate_json(conf_json)
    result = resolve(conf.name)(conf)
    if isinstance(result, dict):
        return Arrays.from_dict(result, f"data loader {conf.name}")
    if not isinstance(result, Arrays):
        raise DataFormatError(
            f"data loader {conf.name} returned {type(result).__name__}; expected "
            "archsearch.data.Arrays or a dict with keys x, y (optionally x_val, y_val, x_test, "
            "y_test, num_classes, mean, std)"
        )
    return result


def plugin_shape(conf: DataConfig) -> tuple[tuple[int, int, int], int]:
    arrays = _arrays(conf.model_dump_json())
    labels = [y for y in (arrays.y, arrays.y_val, arrays.y_test) if y is not None]
    source = f"data loader {conf.name}"
    num_classes = count_classes(labels, arrays.num_classes or conf.num_classes)
    return image_shape(arrays.x.shape, source), num_classes


def load_plugin_splits(conf: DataConfig) -> DataSplits:
    return arrays_to_splits(_arrays(conf.model_dump_json()), conf, f"data loader {conf.name}")
