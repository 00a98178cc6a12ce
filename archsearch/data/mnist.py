"""MNIST and Fashion-MNIST from a local folder of the official idx-ubyte files, gzipped or not
(nothing is downloaded). Both use the same four file names; the ``train-*`` files give the
train and val splits (``data.val_fraction`` held out, stratified), the ``t10k-*`` files the
test split.

An idx file is a big-endian header -- a magic number (``0x0000``, a type byte, 0x08 for
unsigned bytes, and the number of dimensions), one 32-bit size per dimension -- then the data.
"""

from __future__ import annotations

import gzip
import logging
import struct
import zlib
from pathlib import Path

import numpy as np

from archsearch.config import DataConfig
from archsearch.data._common import DataSplits, find_files, held_out_splits
from archsearch.errors import DataFormatError

logger = logging.getLogger(__name__)

TRAIN = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
TEST = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049  # unsigned bytes, 3 and 1 dimensions
# The folders torchvision's MNIST and FashionMNIST unpack to, under their root.
SUBFOLDERS = {"mnist": ("MNIST/raw",), "fashion_mnist": ("FashionMNIST/raw",)}
NUM_CLASSES = 10


def _open(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")


def _header(stream, path: Path, magic: int) -> tuple[int, ...]:
    got = int.from_bytes(stream.read(4), "big")
    if got != magic:
        raise DataFormatError(
            f"{path} is not an idx-ubyte file of {'images' if magic == IMAGES_MAGIC else 'labels'}"
            f": magic number {got}, expected {magic}"
        )
    ndim = magic & 0xFF
    raw = stream.read(4 * ndim)
    if len(raw) != 4 * ndim:
        raise DataFormatError(f"{path} ends inside its idx header")
    return struct.unpack(f">{ndim}I", raw)


def read_idx(path: Path, magic: int) -> np.ndarray:
    """The uint8 array of one idx-ubyte file, checked against its header."""
    try:
        with _open(path) as stream:
            dims = _header(stream, path, magic)
            data = np.frombuffer(stream.read(), dtype=np.uint8)
    except (OSError, EOFError, zlib.error) as e:  # a corrupt or truncated gzip stream
        raise DataFormatError(f"{path} does not read as an idx file: {e}") from None
    if data.size != int(np.prod(dims)):
        raise DataFormatError(
            f"{path} holds {data.size} bytes after its header; its sizes {dims} say "
            f"{int(np.prod(dims))}"
        )
    return data.reshape(dims)


def _files(data_set: str, conf: DataConfig) -> dict[str, Path]:
    return find_files(data_set, conf.root, (*TRAIN, *TEST), SUBFOLDERS[data_set], ("", ".gz"))


def mnist_shape(data_set: str, conf: DataConfig) -> tuple[tuple[int, int, int], int]:
    """(1, H, W) from the training images' header, and 10 classes: no pixel is read."""
    path = _files(data_set, conf)[TRAIN[0]]
    try:
        with _open(path) as stream:
            _, h, w = _header(stream, path, IMAGES_MAGIC)
    except (OSError, EOFError, zlib.error) as e:
        raise DataFormatError(f"{path} does not read as an idx file: {e}") from None
    return (1, h, w), NUM_CLASSES


def _pair(files: dict[str, Path], names: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    images = read_idx(files[names[0]], IMAGES_MAGIC)[:, None]  # (N, 1, H, W)
    return images, read_idx(files[names[1]], LABELS_MAGIC)


def load_idx_splits(data_set: str, conf: DataConfig) -> DataSplits:
    files = _files(data_set, conf)
    train, test = _pair(files, TRAIN), _pair(files, TEST)
    folder = files[TRAIN[0]].parent
    logger.info("%s from %s: %d train, %d test", data_set, folder, len(train[1]), len(test[1]))
    return held_out_splits(train, NUM_CLASSES, conf, source=str(folder), test=test)
