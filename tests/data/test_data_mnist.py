import gzip

import numpy as np
import pytest
import torch

from archsearch.config import DataConfig
from archsearch.data import load_data
from archsearch.data._common import stratified_split
from archsearch.errors import DataFormatError, DataNotFoundError


def idx_bytes(array, magic):
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_idx_folder(folder, gz, n_train=60, n_test=20, size=28, seed=0):
    """The four official files; returns {(split, kind): array}."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, (n, size, size), dtype=np.uint8)
        labels = rng.permutation(np.arange(n) % 10).astype(np.uint8)
        for kind, array, magic in (("images-idx3", images, 2051), ("labels-idx1", labels, 2049)):
            raw = idx_bytes(array, magic)
            name = f"{prefix}-{kind}-ubyte"
            if gz:
                (folder / f"{name}.gz").write_bytes(gzip.compress(raw))
            else:
                (folder / name).write_bytes(raw)
        arrays[prefix] = (images, labels)
    return arrays


@pytest.mark.parametrize(
    ("name", "subfolder", "gz"),
    [
        ("mnist", "", False),
        ("mnist", "", True),
        ("mnist", "MNIST/raw", True),
        ("fashion_mnist", "FashionMNIST/raw", False),
    ],
)
def test_train_files_give_train_and_val_t10k_the_test_split(tmp_path, name, subfolder, gz):
    arrays = write_idx_folder(tmp_path / subfolder, gz)
    conf = DataConfig(name=name, root=str(tmp_path))
    s = load_data(conf)
    assert conf.sample_shape() == (s.input_shape, s.num_classes) == ((1, 28, 28), 10)
    assert (len(s.train), len(s.val), len(s.test)) == (48, 12, 20)
    test_images, test_labels = arrays["t10k"]
    assert s.test.tensors[1].tolist() == test_labels.tolist()
    # Train and val are the train files split; all are normalised with the train split's
    # statistics, never the test split's.
    train_images, train_labels = arrays["train"]
    keep, held = stratified_split(train_labels, 0.2, seed=0)
    assert s.val.tensors[1].tolist() == train_labels[held].tolist()
    raw = train_images[keep].astype(np.float64)
    expected = (test_images[:, None] - raw.mean()) / raw.std(ddof=1)
    assert torch.allclose(s.test.tensors[0], torch.from_numpy(expected).float(), atol=1e-4)


def test_the_fashion_layout_is_not_read_as_mnist(tmp_path):
    write_idx_folder(tmp_path / "FashionMNIST/raw", gz=False)
    with pytest.raises(DataNotFoundError, match="mnist folder .* lacks train-images-idx3-ubyte"):
        load_data(DataConfig(name="mnist", root=str(tmp_path)))


def test_wrong_magic_number_names_the_file(tmp_path):
    write_idx_folder(tmp_path, gz=False)
    labels = tmp_path / "train-labels-idx1-ubyte"
    images = tmp_path / "train-images-idx3-ubyte"
    labels.write_bytes(images.read_bytes())
    with pytest.raises(
        DataFormatError, match=rf"{labels} is not an idx-ubyte file of labels: magic number 2051"
    ):
        load_data(DataConfig(name="mnist", root=str(tmp_path)))


def test_truncated_and_corrupt_files_name_the_file(tmp_path):
    write_idx_folder(tmp_path, gz=True)
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes())[:-5]))
    with pytest.raises(DataFormatError, match=rf"{path} holds 15675 bytes after its header"):
        load_data(DataConfig(name="mnist", root=str(tmp_path)))
    path.write_bytes(path.read_bytes()[:30])  # a gzip stream cut short
    with pytest.raises(DataFormatError, match=rf"{path} does not read as an idx file"):
        load_data(DataConfig(name="mnist", root=str(tmp_path)))


def test_image_and_label_counts_that_differ(tmp_path):
    write_idx_folder(tmp_path, gz=False)
    labels = np.zeros(59, dtype=np.uint8)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(labels, 2049))
    with pytest.raises(DataFormatError, match="train has 60 images but labels of shape"):
        load_data(DataConfig(name="mnist", root=str(tmp_path)))


def test_shape_comes_from_the_header(tmp_path):
    write_idx_folder(tmp_path, gz=True, size=12)
    conf = DataConfig(name="mnist", root=str(tmp_path))
    assert conf.sample_shape() == ((1, 12, 12), 10) and load_data(conf).input_shape == (1, 12, 12)
