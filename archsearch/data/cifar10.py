"""CIFAR-10 from a local folder in the official binary format (nothing is downloaded).

Each record is 1 label byte followed by 3072 pixel bytes (1024 red, 1024 green, 1024 blue, each
a 32x32 row-major plane), so a record maps straight onto a (3, 32, 32) CHW image.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from archsearch.config import DataConfig
from archsearch.data._common import DataSplits, make_splits
from archsearch.errors import DataNotFoundError

logger = logging.getLogger(__name__)

TRAIN_FILES = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
VAL_FILE = "test_batch.bin"
SUBFOLDER = "cifar-10-batches-bin"  # the folder the official tarball unpacks to
IMAGE_SHAPE = (3, 32, 32)
RECORD_BYTES = 1 + 3 * 32 * 32
NUM_CLASSES = 10
# The usual per-channel statistics of the CIFAR-10 training set, on pixels scaled to [0, 1].
MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.2470, 0.2435, 0.2616)


def _folder(root: str | None) -> Path:
    """``root`` itself, or its ``cifar-10-batches-bin`` subfolder, whichever holds the files."""
    expected = ", ".join((*TRAIN_FILES, VAL_FILE))
    if root is None:
        raise DataNotFoundError(
            f"data set cifar10 needs a local folder: data.root must be set to the folder that "
            f"holds {expected} (or its {SUBFOLDER}/ subfolder)"
        )
    base = Path(root).expanduser()
    if not base.is_dir():
        raise DataNotFoundError(
            f"cifar10 folder {base} does not exist; expected it to hold {expected}"
        )
    for folder in (base, base / SUBFOLDER):
        if all((folder / name).is_file() for name in (*TRAIN_FILES, VAL_FILE)):
            return folder
    # Report on the subfolder when there is one: that is where the files were meant to be.
    folder = base / SUBFOLDER if (base / SUBFOLDER).is_dir() else base
    missing = [n for n in (*TRAIN_FILES, VAL_FILE) if not (folder / n).is_file()]
    raise DataNotFoundError(
        f"cifar10 folder {folder} lacks {', '.join(missing)}; expected {expected} in the "
        "official binary format"
    )


def read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(uint8 images N x 3 x 32 x 32, int64 labels N) of one binary file, any record count."""
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size == 0 or raw.size % RECORD_BYTES:
        raise DataNotFoundError(
            f"{path} is not a CIFAR-10 binary file: {raw.size} bytes is not a positive "
            f"multiple of the {RECORD_BYTES}-byte record"
        )
    records = raw.reshape(-1, RECORD_BYTES)
    return records[:, 1:].reshape(-1, *IMAGE_SHAPE), records[:, 0].astype(np.int64)


def load_cifar10_splits(conf: DataConfig) -> DataSplits:
    folder = _folder(conf.root)
    batches = [read_batch(folder / name) for name in TRAIN_FILES]
    x_train = np.concatenate([x for x, _ in batches])
    y_train = np.concatenate([y for _, y in batches])
    x_val, y_val = read_batch(folder / VAL_FILE)
    logger.info("cifar10 from %s: %d train, %d val images", folder, len(y_train), len(y_val))
    # Pixels go to [0, 1] through the normalisation: (x / 255 - m) / s == (x - 255 m) / (255 s).
    return make_splits(
        x_train,
        y_train,
        x_val,
        y_val,
        num_classes=NUM_CLASSES,
        limit=conf.limit,
        val_limit=conf.val_limit,
        seed=conf.seed,
        mean=[255 * m for m in MEAN],
        std=[255 * s for s in STD],
    )
