"""What every data set shares: the ``DataSplits`` record, seeded stratified ordering, finding a
data set's files, and the one place that checks, splits, subsamples, normalises and wraps raw
arrays into tensors (``held_out_splits``, through ``make_splits``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import TensorDataset

from archsearch.config import DataConfig
from archsearch.errors import DataFormatError, DataNotFoundError

Pair = tuple[np.ndarray, np.ndarray]  # (images N x C x H x W, integer labels N)


@dataclass
class DataSplits:
    train: TensorDataset  # (float32 N x C x H x W inputs, int64 labels)
    val: TensorDataset  # what search decisions (hull, parents, early stops) are made on
    input_shape: tuple[int, int, int]  # (C, H, W) of one sample
    num_classes: int
    # Seen by no search decision, reported only; None when data.test_fraction is 0 and the
    # data set has no test split of its own.
    test: TensorDataset | None = None


def stratified_order(labels: np.ndarray, seed: int) -> np.ndarray:
    """A seeded permutation of ``range(len(labels))`` in which every prefix is stratified: each
    class holds, within one sample, its share of the whole. Taking the first ``k`` indices is
    therefore a stratified subsample, and splitting it at ``k`` a stratified split."""
    rng = np.random.default_rng(seed)
    shuffled = rng.permutation(len(labels))
    rank = np.empty(len(labels), dtype=np.float64)
    for cls in np.unique(labels):
        members = shuffled[labels[shuffled] == cls]
        # The j-th member of a class of n sits at (j + 0.5) / n of the way along the order.
        rank[members] = (np.arange(len(members)) + 0.5) / len(members)
    # Ties between classes are broken by the shuffle, so the order is still seeded.
    return shuffled[np.argsort(rank[shuffled], kind="stable")]


def stratified_split(
    labels: np.ndarray, val_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(kept indices, held-out indices); the held-out share is rounded up, as scikit-learn does."""
    order = stratified_order(labels, seed)
    n_val = int(np.ceil(len(labels) * val_fraction))
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def subsample(labels: np.ndarray, limit: int | None, seed: int) -> np.ndarray:
    """Indices of at most ``limit`` samples, stratified and seeded (all of them when None)."""
    if limit is None or limit >= len(labels):
        return np.arange(len(labels))
    return np.sort(stratified_order(labels, seed)[:limit])


def find_files(
    data_set: str,
    root: str | None,
    names: Sequence[str],
    subfolders: Sequence[str] = (),
    suffixes: Sequence[str] = ("",),
) -> dict[str, Path]:
    """name -> path of each file ``names`` in ``root`` or in the first of its ``subfolders``
    (the folders official archives unpack to) that holds them all; each name may end in one of
    ``suffixes`` (``.gz``). A DataNotFoundError names the folder and what it lacks."""
    expected = ", ".join(names)
    where = f"{root}" if not subfolders else f"{root} (or its {', '.join(subfolders)})"
    if root is None:
        raise DataNotFoundError(
            f"data set {data_set} needs a local folder: data.root must be set to the folder "
            f"that holds {expected} (or its {', '.join(subfolders) or 'files'})"
        )
    base = Path(root).expanduser()
    if not base.is_dir():
        raise DataNotFoundError(
            f"{data_set} folder {where} does not exist; expected it to hold {expected}"
        )

    def lookup(folder: Path) -> dict[str, Path]:
        found = {}
        for name in names:
            paths = [folder / (name + s) for s in suffixes if (folder / (name + s)).is_file()]
            if paths:
                found[name] = paths[0]
        return found

    folders = [base, *(base / sub for sub in subfolders)]
    for folder in folders:
        if len(found := lookup(folder)) == len(names):
            return found
    # Report on a subfolder when there is one: that is where the files were meant to be.
    folder = next((f for f in reversed(folders) if f.is_dir()), base)
    missing = [n for n in names if n not in lookup(folder)]
    raise DataNotFoundError(f"{data_set} folder {folder} lacks {', '.join(missing)}")


def check_arrays(source: str, num_classes: int, splits: dict[str, Pair]) -> None:
    """A DataFormatError naming ``source`` unless every split holds N x C x H x W numbers of the
    train split's sample shape and N integer labels in 0..num_classes-1."""
    shape = splits["train"][0].shape[1:]
    for name, (x, y) in splits.items():
        if x.ndim != 4 or not np.issubdtype(x.dtype, np.number):
            raise DataFormatError(
                f"{source}: {name} images are {x.dtype} of shape {x.shape}; expected numbers "
                "of shape (N, C, H, W)"
            )
        if y.ndim != 1 or len(y) != len(x):
            raise DataFormatError(
                f"{source}: {name} has {len(x)} images but labels of shape {y.shape}; "
                f"expected ({len(x)},)"
            )
        if x.shape[1:] != shape:
            raise DataFormatError(
                f"{source}: {name} images are {tuple(x.shape[1:])} but train images are "
                f"{tuple(shape)}"
            )
        if not np.issubdtype(y.dtype, np.integer):
            raise DataFormatError(f"{source}: {name} labels are {y.dtype}; expected integers")
        bad = y[(y < 0) | (y >= num_classes)]
        if bad.size:
            raise DataFormatError(
                f"{source}: {name} label {bad[0]} is out of range 0..{num_classes - 1} "
                f"({bad.size} such labels)"
            )
    if not len(splits["train"][1]):
        raise DataFormatError(f"{source}: no training sample")


def make_splits(
    train: Pair,
    val: Pair,
    test: Pair | None,
    *,
    num_classes: int,
    conf: DataConfig,
    mean: Sequence[float] | None = None,
    std: Sequence[float] | None = None,
) -> DataSplits:
    """Subsample each split to its limit (before converting, so a large uint8 set is never
    copied whole to float), then normalise per channel with ``mean``/``std``, or with the train
    split's own statistics when None: never the val or test split's."""
    tensors = []
    # A different stream per split, so the limits do not pick correlated samples.
    for offset, (split, limit) in enumerate(
        ((train, conf.limit), (val, conf.val_limit), (test, conf.test_limit))
    ):
        if split is None:
            continue
        keep = subsample(split[1], limit, conf.seed + offset)
        x = torch.from_numpy(np.ascontiguousarray(split[0][keep], dtype=np.float32))
        tensors.append((x, torch.from_numpy(split[1][keep].astype(np.int64))))
    xt = tensors[0][0]
    if mean is None or std is None:
        m = xt.mean(dim=(0, 2, 3), keepdim=True)
        s = xt.std(dim=(0, 2, 3), keepdim=True).clamp_min(1e-8)
    else:
        m = torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1)
        s = torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1)
    datasets = [TensorDataset((x - m) / s, y) for x, y in tensors]
    return DataSplits(
        train=datasets[0],
        val=datasets[1],
        input_shape=tuple(xt.shape[1:]),  # type: ignore[arg-type]
        num_classes=num_classes,
        test=datasets[2] if test is not None else None,
    )


def held_out_splits(
    train: Pair,
    num_classes: int,
    conf: DataConfig,
    *,
    source: str,
    val: Pair | None = None,
    test: Pair | None = None,
    mean: Sequence[float] | None = None,
    std: Sequence[float] | None = None,
) -> DataSplits:
    """Every data set's splits: the arrays are checked (errors name ``source``); a test split
    the data set lacks is ``conf.test_fraction`` of ``train`` held out first, then a val split
    it lacks ``conf.val_fraction`` of the rest (both stratified, seeded); then subsampled and
    normalised as ``make_splits`` does."""
    given = {"train": train, "val": val, "test": test}
    check_arrays(source, num_classes, {k: v for k, v in given.items() if v is not None})
    x, y = train
    if test is None and conf.test_fraction > 0:
        keep, held = stratified_split(y, conf.test_fraction, conf.seed)
        (x, y), test = (x[keep], y[keep]), (x[held], y[held])
    if val is None:
        keep, held = stratified_split(y, conf.val_fraction, conf.seed)
        (x, y), val = (x[keep], y[keep]), (x[held], y[held])
    if not len(y):
        raise DataFormatError(
            f"{source}: {len(train[1])} samples leave none to train on after the test and "
            f"val splits (data.test_fraction={conf.test_fraction}, "
            f"data.val_fraction={conf.val_fraction})"
        )
    return make_splits((x, y), val, test, num_classes=num_classes, conf=conf, mean=mean, std=std)
