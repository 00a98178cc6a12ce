"""held_out_splits, the one place that checks, splits, subsamples and normalises."""

import numpy as np
import pytest
import torch

from archsearch.config import DataConfig
from archsearch.data._common import held_out_splits, stratified_split
from archsearch.errors import DataFormatError


def numbered(n, classes=4):
    """Images whose only pixel is their index, and balanced labels."""
    x = np.arange(n, dtype=np.float32).reshape(n, 1, 1, 1)
    return x, np.arange(n) % classes


def ids(dataset):
    return dataset.tensors[0].flatten().round().long().tolist()


def test_test_then_val_are_held_out_disjoint_stratified_and_seeded():
    x, y = numbered(200)
    conf = DataConfig(test_fraction=0.2, val_fraction=0.25, seed=3)
    s = held_out_splits((x, y), 4, conf, source="t", mean=[0], std=[1])
    train, val, test = ids(s.train), ids(s.val), ids(s.test)
    assert (len(train), len(val), len(test)) == (120, 40, 40)
    assert sorted(train + val + test) == list(range(200))
    for split in (s.val, s.test):
        assert np.bincount(split.tensors[1].numpy()).tolist() == [10] * 4
    again = held_out_splits((x, y), 4, conf, source="t", mean=[0], std=[1])
    other = held_out_splits((x, y), 4, conf.model_copy(update={"seed": 4}), source="t")
    assert ids(again.test) == test and ids(other.test) != test


def test_the_test_split_does_not_move_with_val_fraction_or_limits():
    x, y = numbered(200)
    a = held_out_splits((x, y), 4, DataConfig(val_fraction=0.1), source="t", mean=[0], std=[1])
    conf = DataConfig(val_fraction=0.3, limit=20, val_limit=8)
    b = held_out_splits((x, y), 4, conf, source="t", mean=[0], std=[1])
    assert ids(a.test) == ids(b.test)


def test_given_splits_are_kept_and_the_fractions_ignored():
    x, y = numbered(40)
    xv, yv = numbered(12)
    xt, yt = numbered(8)
    s = held_out_splits(
        (x, y), 4, DataConfig(), source="t", val=(xv, yv), test=(xt + 100, yt), mean=[0], std=[1]
    )
    assert ids(s.train) == list(range(40)) and ids(s.val) == list(range(12))
    assert ids(s.test) == list(range(100, 108))


def test_no_test_split_at_fraction_zero():
    s = held_out_splits(numbered(40), 4, DataConfig(test_fraction=0), source="t")
    assert s.test is None and len(s.train) == 32 and len(s.val) == 8


def test_statistics_come_from_the_train_split_only():
    x, y = numbered(100)
    x_test = np.full((20, 1, 1, 1), 1e6, dtype=np.float32)  # would swamp any shared statistic
    s = held_out_splits((x, y), 4, DataConfig(), source="t", test=(x_test, y[:20]))
    xt = s.train.tensors[0]
    assert abs(xt.mean().item()) < 1e-5 and abs(xt.std().item() - 1) < 1e-5
    raw_train = x[stratified_split(y, 0.2, seed=0)[0]]
    expected = (1e6 - raw_train.mean()) / raw_train.std(ddof=1)
    assert torch.allclose(s.test.tensors[0], torch.tensor(expected, dtype=torch.float32))


@pytest.mark.parametrize(
    ("train", "val", "message"),
    [
        ((np.zeros((5, 1, 2, 2)), np.zeros(4, int)), None, "train has 5 images but labels"),
        ((np.zeros((5, 1, 2, 2)), np.zeros(5)), None, "train labels are float64; expected int"),
        ((np.zeros((5, 1, 2, 2)), np.array([0, 1, 2, 3, 4])), None, "train label 4 is out"),
        ((np.zeros((5, 1, 2, 2)), np.array([0, -1, 1, 0, 1])), None, "train label -1 is out"),
        ((np.zeros((5, 2, 2)), np.zeros(5, int)), None, r"expected numbers of shape \(N, C"),
        (
            (np.zeros((5, 1, 2, 2)), np.zeros(5, int)),
            (np.zeros((3, 1, 3, 2)), np.zeros(3, int)),
            r"val images are \(1, 3, 2\) but train images are \(1, 2, 2\)",
        ),
    ],
)
def test_bad_arrays_get_one_line_naming_the_source(train, val, message):
    with pytest.raises(DataFormatError, match=message) as info:
        held_out_splits(train, 4, DataConfig(), source="my/data", val=val)
    assert str(info.value).startswith("my/data: ") and "\n" not in str(info.value)


def test_too_few_samples_to_train_on():
    with pytest.raises(DataFormatError, match="2 samples leave none to train on"):
        held_out_splits(numbered(2, classes=2), 2, DataConfig(), source="t")
