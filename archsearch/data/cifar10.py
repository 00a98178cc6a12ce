"""CIFAR-10 from a local folder in the official binary format (nothing is downloaded).

Each record is 1 label byte followed by 3072 pixel bytes (1024 red, 1024 green, 1024 blue, each
a 32x32 row-major plane), so a record maps straight onto a (3, 32, 32) CHW image. The five
training batches give the train and val splits (``data.val_fraction`` held out, stratified);
``test_batch.bin`` is the test split, which no search decision sees.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from archsearch.config import DataConfig
from archsearch.data._common import DataSplits, find_files, held_out_splits
from archsearch.errors import DataFormatError

logger = logging.getLogger(__name__)

TRAIN_FILES = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
TEST_FILE = "test_batch.bin"
SUBFOLDER = "cifar-10-batches-bin"  # the folder the official tarball unpacks to
IMAGE_SHAPE = (3, 32, 32)
PIXEL_BYTES = 3 * 32 * 32
RECORD_BYTES = 1 + PIXEL_BYTES
NUM_CLASSES = 10
# The usual per-channel statistics of the CIFAR-10 training set, on pixels scaled to [0, 1].
MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.2470, 0.2435, 0.2616)


def read_records(path: Path, label_bytes: int, what: str) -> tuple[np.ndarray, np.ndarray]:
    """(uint8 images N x 3 x 32 x 32, uint8 labels N x label_bytes) of one binary file whose
    records are ``label_bytes`` label bytes then 3072 pixel bytes, any record count."""
    record = label_bytes + PIXEL_BYTES
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size == 0 or raw.size % record:
        raise DataFormatError(
            f"{path} is not a {what} binary file: {raw.size} bytes is not a positive "
            f"multiple of the {record}-byte record"
        )
    records = raw.reshape(-1, record)
    return records[:, label_bytes:].reshape(-1, *IMAGE_SHAPE), records[:, :label_bytes]


def read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(uint8 images N x 3 x 32 x 32, int64 labels N) of one CIFAR-10 binary file."""
    images, labels = read_records(path, 1, "CIFAR-10")
    return images, labels[:, 0].astype(np.int64)


def load_cifar10_splits(conf: DataConfig) -> DataSplits:
    files = find_files("cifar10", conf.root, (*TRAIN_FILES, TEST_FILE), (SUBFOLDER,))
    batches = [read_batch(files[name]) for name in TRAIN_FILES]
    x_train = np.concatenate([x for x, _ in batches])
    y_train = np.concatenate([y for _, y in batches])
    test = read_batch(files[TEST_FILE])
    folder = files[TEST_FILE].parent
    logger.info("cifar10 from %s: %d train, %d test images", folder, len(y_train), len(test[1]))
    # Pixels go to [0, 1] through the normalisation: (x / 255 - m) / s == (x - 255 m) / (255 s).
    return held_out_splits(
        (x_train, y_train),
        NUM_CLASSES,
        conf,
        source=str(folder),
        test=test,
        mean=[255 * m for m in MEAN],
        std=[255 * s for s in STD],
    )
