import numpy as np
import torch
from torch import nn

from archsearch.config import DataConfig, TrainConfig
from archsearch.data import load_data
from archsearch.train import train


def test_shapes_classes_and_split():
    conf = DataConfig(
        name="synthetic",
        synthetic_samples=100,
        synthetic_shape=(2, 5, 6),
        synthetic_classes=5,
        val_fraction=0.2,
        test_fraction=0.2,
    )
    s = load_data(conf)
    assert s.input_shape == (2, 5, 6) and s.num_classes == 5
    assert (len(s.train), len(s.val), len(s.test)) == (64, 16, 20)
    assert np.bincount(s.test.tensors[1].numpy()).tolist() == [4] * 5
    assert conf.sample_shape() == ((2, 5, 6), 5)


def test_seeded():
    a, b, c = (load_data(DataConfig(name="synthetic", seed=s)) for s in (3, 3, 4))
    assert torch.equal(a.train.tensors[0], b.train.tensors[0])
    assert not torch.equal(a.train.tensors[0], c.train.tensors[0])


def test_learnable_by_a_tiny_model():
    s = load_data(DataConfig(name="synthetic"))  # 512 samples of (3, 8, 8), 4 classes
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 4))
    metrics = train(model, s, TrainConfig(epochs=3, device="cpu"), seed=0)
    assert metrics.val_top1 > 0.8  # chance is 0.25
