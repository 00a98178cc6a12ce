import numpy as np
import pytest
import torch

from archsearch.config import DataConfig
from archsearch.data import load_data
from archsearch.data.cifar10 import MEAN, RECORD_BYTES, STD, TRAIN_FILES, VAL_FILE
from archsearch.errors import DataNotFoundError

RECORDS = 50


def write_batch(path, seed):
    """RECORDS records in the official format; returns (labels, uint8 images N x 3 x 32 x 32)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, RECORDS, dtype=np.uint8)
    images = rng.integers(0, 256, (RECORDS, 3, 32, 32), dtype=np.uint8)
    records = np.concatenate([labels[:, None], images.reshape(RECORDS, -1)], axis=1)
    assert records.shape[1] == RECORD_BYTES
    path.write_bytes(records.tobytes())
    return labels, images


def write_folder(folder):
    folder.mkdir(parents=True, exist_ok=True)
    train = [write_batch(folder / name, seed) for seed, name in enumerate(TRAIN_FILES)]
    val = write_batch(folder / VAL_FILE, 99)
    return train, val


def unnormalise(x):
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return torch.round((x * std + mean) * 255).to(torch.uint8)


@pytest.mark.parametrize("subfolder", ["", "cifar-10-batches-bin"])
def test_reads_labels_and_pixels_back_exactly(tmp_path, subfolder):
    train, (val_labels, val_images) = write_folder(tmp_path / subfolder)
    splits = load_data(DataConfig(name="cifar10", root=str(tmp_path)))
    assert splits.input_shape == (3, 32, 32) and splits.num_classes == 10
    x, y = splits.train.tensors
    assert x.dtype == torch.float32 and y.dtype == torch.int64
    assert y.tolist() == np.concatenate([labels for labels, _ in train]).tolist()
    expected = np.concatenate([images for _, images in train])
    assert torch.equal(unnormalise(x), torch.from_numpy(expected))
    assert splits.val.tensors[1].tolist() == val_labels.tolist()
    assert torch.equal(unnormalise(splits.val.tensors[0]), torch.from_numpy(val_images))


def test_normalisation_uses_the_cifar_statistics(tmp_path):
    write_folder(tmp_path)
    x = load_data(DataConfig(name="cifar10", root=str(tmp_path))).train.tensors[0]
    # A pixel of value v becomes (v / 255 - mean) / std: check the smallest possible value.
    assert torch.allclose(x.amin(dim=(0, 2, 3)), -torch.tensor(MEAN) / torch.tensor(STD))


def test_limits(tmp_path):
    write_folder(tmp_path)
    s = load_data(DataConfig(name="cifar10", root=str(tmp_path), limit=40, val_limit=7))
    assert len(s.train) == 40 and len(s.val) == 7


def test_root_not_set():
    with pytest.raises(DataNotFoundError, match=r"data\.root must be set.*data_batch_1\.bin"):
        load_data(DataConfig(name="cifar10"))


def test_missing_folder_names_folder_and_files(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(DataNotFoundError) as info:
        load_data(DataConfig(name="cifar10", root=str(missing)))
    message = str(info.value)
    assert str(missing) in message
    assert all(name in message for name in (*TRAIN_FILES, VAL_FILE))


def test_missing_files_are_named(tmp_path):
    write_folder(tmp_path)
    (tmp_path / "data_batch_3.bin").unlink()
    (tmp_path / VAL_FILE).unlink()
    with pytest.raises(DataNotFoundError) as info:
        load_data(DataConfig(name="cifar10", root=str(tmp_path)))
    message = str(info.value)
    assert str(tmp_path) in message
    assert "lacks data_batch_3.bin, test_batch.bin" in message


def test_truncated_file_is_rejected(tmp_path):
    write_folder(tmp_path)
    path = tmp_path / "data_batch_2.bin"
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(DataNotFoundError, match=r"data_batch_2\.bin is not a CIFAR-10 binary"):
        load_data(DataConfig(name="cifar10", root=str(tmp_path)))
