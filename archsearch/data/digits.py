"""scikit-learn's embedded 8x8 digits (1797 images, 10 classes): the default, no download."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import numpy as np

from archsearch.config import DataConfig
from archsearch.data._common import DataSplits, held_out_splits

logger = logging.getLogger(__name__)

NUM_CLASSES = 10


def _digits_file() -> Path | None:
    """Where scikit-learn keeps the digits CSV, found without importing scikit-learn."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz"
    return path if path.is_file() else None


def read_digits(path: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(images N x 1 x 8 x 8 with values 0..16, labels N). Reading the CSV that ships inside
    scikit-learn takes ~10 ms, whereas ``import sklearn.datasets`` alone takes ~1.7 s; if a
    scikit-learn release moves the file, ``load_digits`` still gives the same arrays."""
    path = path or _digits_file()
    if path is not None:
        table = np.loadtxt(path, delimiter=",", dtype=np.float32)  # (N, 64 pixels + label)
        images, labels = table[:, :-1], table[:, -1]
    else:
        from sklearn.datasets import load_digits

        logger.info("digits CSV not found inside scikit-learn; using load_digits()")
        bunch = load_digits()
        images, labels = bunch.data.astype(np.float32), bunch.target
    return images.reshape(-1, 1, 8, 8), labels.astype(np.int64)


def load_digits_splits(conf: DataConfig) -> DataSplits:
    images, labels = read_digits()
    return held_out_splits((images, labels), NUM_CLASSES, conf, source="digits")
