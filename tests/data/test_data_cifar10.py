import numpy as np
import pytest
import torch

from archsearch.config import DataConfig
from archsearch.data import load_data
from archsearch.data._common import stratified_split
from archsearch.data.cifar10 import MEAN, RECORD_BYTES, STD, TEST_FILE, TRAIN_FILES
from archsearch.errors import DataFormatError, DataNotFoundError

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
    test = write_batch(folder / TEST_FILE, 99)
    return train, test


def unnormalise(x):
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return torch.round((x * std + mean) * 255).to(torch.uint8)


@pytest.mark.parametrize("subfolder", ["", "cifar-10-batches-bin"])
def test_reads_labels_and_pixels_back_exactly(tmp_path, subfolder):
    train, (test_labels, test_images) = write_folder(tmp_path / subfolder)
    splits = load_data(DataConfig(name="cifar10", root=str(tmp_path), val_fraction=0.2))
    assert splits.input_shape == (3, 32, 32) and splits.num_classes == 10
    x, y = splits.train.tensors
    assert x.dtype == torch.float32 and y.dtype == torch.int64
    # train and val are the training batches, split; the test batch is the test split.
    assert len(splits.train) == 200 and len(splits.val) == 50
    all_labels = np.concatenate([labels for labels, _ in train])
    all_images = np.concatenate([images for _, images in train])
    train_idx, val_idx = stratified_split(all_labels, 0.2, seed=0)
    assert y.tolist() == all_labels[train_idx].tolist()
    assert torch.equal(unnormalise(x), torch.from_numpy(all_images[train_idx]))
    assert splits.val.tensors[1].tolist() == all_labels[val_idx].tolist()
    assert torch.equal(unnormalise(splits.val.tensors[0]), torch.from_numpy(all_images[val_idx]))
    assert splits.test.tensors[1].tolist() == test_labels.tolist()
    assert torch.equal(unnormalise(splits.test.tensors[0]), torch.from_numpy(test_images))


def test_normalisation_uses_the_cifar_statistics(tmp_path):
    write_folder(tmp_path)
    x = load_data(DataConfig(name="cifar10", root=str(tmp_path))).train.tensors[0]
    # A pixel of value v becomes (v / 255 - mean) / std: check the smallest possible value.
    assert torch.allclose(x.amin(dim=(0, 2, 3)), -torch.tensor(MEAN) / torch.tensor(STD))


def test_limits(tmp_path):
    write_folder(tmp_path)
    conf = DataConfig(name="cifar10", root=str(tmp_path), limit=40, val_limit=7, test_limit=9)
    s = load_data(conf)
    assert len(s.train) == 40 and len(s.val) == 7 and len(s.test) == 9


def test_root_not_set():
    with pytest.raises(DataNotFoundError, match=r"data\.root must be set.*data_batch_1\.bin"):
        load_data(DataConfig(name="cifar10"))


def test_missing_folder_names_folder_and_files(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(DataNotFoundError) as info:
        load_data(DataConfig(name="cifar10", root=str(missing)))
    message = str(info.value)
    assert str(missing) in message
    assert all(name in message for name in (*TRAIN_FILES, TEST_FILE))


def test_missing_files_are_named(tmp_path):
    write_folder(tmp_path)
    (tmp_path / "data_batch_3.bin").unlink()
    (tmp_path / TEST_FILE).unlink()
    with pytest.raises(DataNotFoundError) as info:
        load_data(DataConfig(name="cifar10", root=str(tmp_path)))
    message = str(info.value)
    assert str(tmp_path) in message
    assert "lacks data_batch_3.bin, test_batch.bin" in message


def test_truncated_file_is_rejected(tmp_path):
    write_folder(tmp_path)
    path = tmp_path / "data_batch_2.bin"
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(DataFormatError, match=r"data_batch_2\.bin is not a CIFAR-10 binary"):
        load_data(DataConfig(name="cifar10", root=str(tmp_path)))


def test_label_out_of_range_names_the_folder(tmp_path):
    write_folder(tmp_path)
    path = tmp_path / "data_batch_4.bin"
    raw = bytearray(path.read_bytes())
    raw[RECORD_BYTES * 3] = 10  # the label byte of the fourth record
    path.write_bytes(bytes(raw))
    with pytest.raises(DataFormatError, match=rf"{tmp_path}: train label 10 is out of range 0..9"):
        load_data(DataConfig(name="cifar10", root=str(tmp_path)))
