import math

import numpy as np
import pytest
import torch

from archsearch.config import DataConfig
from archsearch.data import digits as digits_module
from archsearch.data import load_data
from archsearch.data._common import stratified_order, stratified_split


@pytest.fixture(scope="module")
def splits():
    return load_data(DataConfig())


def test_shapes_and_types(splits):
    x, y = splits.train.tensors
    assert splits.input_shape == (1, 8, 8)
    assert splits.num_classes == 10
    assert x.dtype == torch.float32 and y.dtype == torch.int64
    assert x.shape[1:] == (1, 8, 8) and splits.val.tensors[0].shape[1:] == (1, 8, 8)
    assert set(y.tolist()) == set(range(10))


def test_stratified_split_sizes(splits):
    # The test split (0.2 of all 1797) is held out first, val (0.2) from the rest.
    n_test = math.ceil(1797 * 0.2)
    n_val = math.ceil((1797 - n_test) * 0.2)
    assert (len(splits.train), len(splits.val), len(splits.test)) == (1149, 288, 360)
    assert len(splits.test) == n_test and len(splits.val) == n_val
    all_counts = np.bincount(digits_module.read_digits()[1], minlength=10)
    for split, n in ((splits.val, n_val), (splits.test, n_test)):
        counts = np.bincount(split.tensors[1].numpy(), minlength=10)
        assert np.all(np.abs(counts - all_counts * n / 1797) <= 1)


def test_no_test_fraction_keeps_the_old_train_and_val_splits():
    s = load_data(DataConfig(test_fraction=0))
    assert s.test is None and (len(s.train), len(s.val)) == (1437, 360)


def test_split_indices_are_disjoint_and_cover_everything():
    labels = digits_module.read_digits()[1]
    train_idx, val_idx = stratified_split(labels, 0.2, seed=0)
    assert not set(train_idx) & set(val_idx)
    assert sorted([*train_idx, *val_idx]) == list(range(len(labels)))


def test_normalised_with_train_statistics(splits):
    x = splits.train.tensors[0]
    assert abs(x.mean().item()) < 1e-4
    assert abs(x.std().item() - 1) < 1e-4
    # val uses the train statistics, so it is only roughly standardised
    assert abs(splits.val.tensors[0].mean().item()) < 0.1


def test_split_depends_on_seed_and_is_deterministic():
    a = load_data(DataConfig(seed=1))
    b = load_data(DataConfig(seed=1))
    c = load_data(DataConfig(seed=2))
    assert torch.equal(a.train.tensors[0], b.train.tensors[0])
    assert not torch.equal(a.val.tensors[1], c.val.tensors[1])


def test_limit_is_stratified():
    s = load_data(DataConfig(limit=100, val_limit=30, test_limit=50))
    assert len(s.train) == 100 and len(s.val) == 30 and len(s.test) == 50
    assert np.bincount(s.test.tensors[1].numpy(), minlength=10).tolist() == [5] * 10
    assert np.bincount(s.train.tensors[1].numpy(), minlength=10).tolist() == [10] * 10
    assert np.bincount(s.val.tensors[1].numpy(), minlength=10).tolist() == [3] * 10


def test_limit_larger_than_data_keeps_everything():
    assert len(load_data(DataConfig(limit=10_000)).train) == 1149


def test_fallback_reader_matches_embedded_csv(monkeypatch):
    direct = digits_module.read_digits()
    monkeypatch.setattr(digits_module, "_digits_file", lambda: None)
    fallback = digits_module.read_digits()
    assert np.array_equal(direct[0], fallback[0]) and np.array_equal(direct[1], fallback[1])


def test_every_prefix_of_the_stratified_order_is_stratified():
    labels = np.repeat(np.arange(3), [50, 30, 20])
    order = stratified_order(labels, seed=0)
    assert sorted(order.tolist()) == list(range(100))
    for k in range(1, 101):
        counts = np.bincount(labels[order[:k]], minlength=3)
        assert np.all(np.abs(counts - np.array([50, 30, 20]) * k / 100) <= 1)
