"""What every data set shares: the ``DataSplits`` record, seeded stratified ordering, and the
one function that subsamples, normalises and wraps raw arrays into tensors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import TensorDataset

from archsearch.config import DataConfig


@dataclass
class DataSplits:
    train: TensorDataset  # (float32 N x C x H x W inputs, int64 labels)
    val: TensorDataset
    input_shape: tuple[int, int, int]  # (C, H, W) of one sample
    num_classes: int
    test: TensorDataset | None = None  # held out from every search decision; None: no test set


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
    """(train indices, val indices); the val share is rounded up, as scikit-learn does."""
    order = stratified_order(labels, seed)
    n_val = int(np.ceil(len(labels) * val_fraction))
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def subsample(labels: np.ndarray, limit: int | None, seed: int) -> np.ndarray:
    """Indices of at most ``limit`` samples, stratified and seeded (all of them when None)."""
    if limit is None or limit >= len(labels):
        return np.arange(len(labels))
    return np.sort(stratified_order(labels, seed)[:limit])


def make_splits(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    *,
    num_classes: int,
    limit: int | None,
    val_limit: int | None,
    seed: int,
    mean: Sequence[float] | None = None,
    std: Sequence[float] | None = None,
) -> DataSplits:
    """Subsample (before converting, so a large uint8 set is never copied whole to float),
    then normalise per channel with ``mean``/``std``, or the train set's own when None."""
    keep = subsample(y_train, limit, seed)
    # A different stream for val, so limit and val_limit do not pick correlated samples.
    keep_val = subsample(y_val, val_limit, seed + 1)
    xt = torch.from_numpy(np.ascontiguousarray(x_train[keep], dtype=np.float32))
    xv = torch.from_numpy(np.ascontiguousarray(x_val[keep_val], dtype=np.float32))
    if mean is None or std is None:
        m = xt.mean(dim=(0, 2, 3), keepdim=True)
        s = xt.std(dim=(0, 2, 3), keepdim=True).clamp_min(1e-8)
    else:
        m = torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1)
        s = torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1)
    xt, xv = (xt - m) / s, (xv - m) / s
    return DataSplits(
        train=TensorDataset(xt, torch.from_numpy(y_train[keep].astype(np.int64))),
        val=TensorDataset(xv, torch.from_numpy(y_val[keep_val].astype(np.int64))),
        input_shape=tuple(xt.shape[1:]),  # type: ignore[arg-type]
        num_classes=num_classes,
    )


def held_out_splits(
    images: np.ndarray, labels: np.ndarray, num_classes: int, conf: DataConfig
) -> DataSplits:
    """A data set without a validation split of its own: ``conf.val_fraction`` of it held out
    (stratified, seeded), then subsampled and normalised as ``make_splits`` does."""
    train_idx, val_idx = stratified_split(labels, conf.val_fraction, conf.seed)
    return make_splits(
        images[train_idx],
        labels[train_idx],
        images[val_idx],
        labels[val_idx],
        num_classes=num_classes,
        limit=conf.limit,
        val_limit=conf.val_limit,
        seed=conf.seed,
    )
