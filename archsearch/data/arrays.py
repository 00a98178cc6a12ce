"""Data sets given as numpy arrays: what an ``npz`` file holds and what a plug-in loader
returns (``Arrays``), turned into splits by the same checks and splitting as every data set.

Images may be N x C x H x W, N x H x W x C (channels are the smaller of dims 1 and 3; a tie
reads as channels-first, PyTorch's order) or N x H x W (one channel); uint8 or float.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np

from archsearch.config import DataConfig
from archsearch.data._common import DataSplits, held_out_splits
from archsearch.errors import DataFormatError


@dataclass
class Arrays:
    """A data set as arrays. Only ``x`` and ``y`` are required; a split left out is held out
    of ``x``/``y`` (``data.test_fraction``, then ``data.val_fraction``)."""

    x: np.ndarray  # training images, (N, C, H, W), (N, H, W, C) or (N, H, W)
    y: np.ndarray  # (N,) integer labels 0..num_classes-1
    x_val: np.ndarray | None = None  # a validation split of your own, with y_val
    y_val: np.ndarray | None = None
    x_test: np.ndarray | None = None  # a test split of your own, with y_test
    y_test: np.ndarray | None = None
    num_classes: int | None = None  # null: data.num_classes, else the largest label + 1
    # Per-channel statistics on x's scale (0..255 for uint8); null: the train split's own.
    mean: Sequence[float] | None = None
    std: Sequence[float] | None = None

    def __post_init__(self) -> None:  # a loader may return lists or tensors
        for name in ("x", "y", "x_val", "y_val", "x_test", "y_test"):
            if getattr(self, name) is not None:
                setattr(self, name, np.asarray(getattr(self, name)))

    @classmethod
    def from_dict(cls, values: dict[str, object], source: str) -> Arrays:
        allowed = [f.name for f in fields(cls)]
        unknown = sorted(set(values) - set(allowed))
        if unknown:
            raise DataFormatError(
                f"{source}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}"
            )
        missing = [k for k in ("x", "y") if k not in values]
        if missing:
            raise DataFormatError(f"{source}: no {' and no '.join(missing)} array")
        return cls(**values)  # type: ignore[arg-type]


def image_shape(shape: Sequence[int], source: str, key: str = "x") -> tuple[int, int, int]:
    """(C, H, W) of one image of an array of ``shape`` in any of the accepted layouts."""
    if len(shape) == 3:
        return 1, shape[1], shape[2]
    if len(shape) == 4:
        _, a, b, c = shape
        return (c, a, b) if c < a else (a, b, c)
    raise DataFormatError(
        f"{source}: {key} has shape {tuple(shape)}; expected (N, C, H, W), (N, H, W, C) or "
        "(N, H, W)"
    )


def channels_first(x: np.ndarray, source: str, key: str) -> np.ndarray:
    """``x`` as N x C x H x W (a view where a transpose suffices)."""
    c, h, w = image_shape(x.shape, source, key)
    if x.ndim == 3:
        return x[:, None]  # (N, 1, H, W)
    return x if x.shape[1:] == (c, h, w) else x.transpose(0, 3, 1, 2)  # NHWC -> NCHW


def _pair(arrays: Arrays, suffix: str, source: str) -> tuple[np.ndarray, np.ndarray] | None:
    x, y = getattr(arrays, f"x{suffix}"), getattr(arrays, f"y{suffix}")
    if (x is None) != (y is None):
        given, lacking = (f"x{suffix}", f"y{suffix}") if y is None else (f"y{suffix}", f"x{suffix}")
        raise DataFormatError(f"{source}: {given} is given without {lacking}")
    if x is None:
        return None
    return channels_first(x, source, f"x{suffix}"), y


def count_classes(labels: Sequence[np.ndarray], given: int | None) -> int:
    """``given``, else one more than the largest integer label (at least 2); labels that are
    not integers are left for ``check_arrays`` to report."""
    if given is not None:
        return given
    ints = [y for y in labels if np.issubdtype(y.dtype, np.integer) and len(y)]
    return max(2, max((int(y.max()) + 1 for y in ints), default=0))


def arrays_to_splits(arrays: Arrays, conf: DataConfig, source: str) -> DataSplits:
    train = _pair(arrays, "", source)
    assert train is not None  # x and y are required fields
    val, test = _pair(arrays, "_val", source), _pair(arrays, "_test", source)
    labels = [p[1] for p in (train, val, test) if p is not None]
    num_classes = count_classes(labels, arrays.num_classes or conf.num_classes)
    for name, stats in (("mean", arrays.mean), ("std", arrays.std)):
        if stats is not None and len(stats) != train[0].shape[1]:
            raise DataFormatError(
                f"{source}: {name} has {len(stats)} values for {train[0].shape[1]} channels"
            )
    return held_out_splits(
        train,
        num_classes,
        conf,
        source=source,
        val=val,
        test=test,
        mean=arrays.mean,
        std=arrays.std,
    )
