import numpy as np
import pytest
import torch

from archsearch.config import DataConfig
from archsearch.data import load_data
from archsearch.data.cifar100 import MEAN, STD
from archsearch.errors import DataFormatError, DataNotFoundError


def write_file(path, n, seed):
    """n records in the official format: coarse byte, fine byte, 3072 pixel bytes."""
    rng = np.random.default_rng(seed)
    fine = rng.integers(0, 100, n, dtype=np.uint8)
    coarse = (fine // 5).astype(np.uint8)
    images = rng.integers(0, 256, (n, 3, 32, 32), dtype=np.uint8)
    records = np.concatenate([coarse[:, None], fine[:, None], images.reshape(n, -1)], axis=1)
    assert records.shape[1] == 2 + 3072
    path.write_bytes(records.tobytes())
    return coarse, fine, images


def unnormalise(x):
    mean, std = torch.tensor(MEAN).view(1, 3, 1, 1), torch.tensor(STD).view(1, 3, 1, 1)
    return torch.round((x * std + mean) * 255).to(torch.uint8)


@pytest.mark.parametrize("labels", ["fine", "coarse"])
@pytest.mark.parametrize("subfolder", ["", "cifar-100-binary"])
def test_train_file_gives_train_and_val_test_file_the_test_split(tmp_path, labels, subfolder):
    (tmp_path / subfolder).mkdir(exist_ok=True)
    train = write_file(tmp_path / subfolder / "train.bin", 120, 0)
    coarse, fine, images = write_file(tmp_path / subfolder / "test.bin", 30, 1)
    conf = DataConfig(name="cifar100", root=str(tmp_path), cifar100_labels=labels)
    s = load_data(conf)
    assert s.num_classes == (100 if labels == "fine" else 20)
    assert conf.sample_shape() == (s.input_shape, s.num_classes) == ((3, 32, 32), s.num_classes)
    assert len(s.train) + len(s.val) == 120 and len(s.test) == 30
    assert s.test.tensors[1].tolist() == (fine if labels == "fine" else coarse).tolist()
    assert torch.equal(unnormalise(s.test.tensors[0]), torch.from_numpy(images))
    every_train_label = (train[1] if labels == "fine" else train[0]).tolist()
    seen = torch.cat([s.train.tensors[1], s.val.tensors[1]]).tolist()
    assert sorted(seen) == sorted(every_train_label)


def test_missing_test_file_is_named(tmp_path):
    write_file(tmp_path / "train.bin", 10, 0)
    with pytest.raises(DataNotFoundError, match=rf"cifar100 folder {tmp_path} lacks test\.bin"):
        load_data(DataConfig(name="cifar100", root=str(tmp_path)))


def test_a_cifar10_file_is_not_taken_for_cifar100(tmp_path):
    (tmp_path / "train.bin").write_bytes(bytes(3073 * 3))  # three CIFAR-10 records
    write_file(tmp_path / "test.bin", 10, 0)
    with pytest.raises(DataFormatError, match=r"train\.bin is not a CIFAR-100 binary file"):
        load_data(DataConfig(name="cifar100", root=str(tmp_path)))
