"""One ``.npz`` file (``data.root``) holding ``x`` and ``y``, optionally ``x_val``/``y_val``
and ``x_test``/``y_test``: the arrays of ``archsearch.data.arrays.Arrays``. Read without
pickle, so a file from elsewhere cannot run code."""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path

import numpy as np

from archsearch.config import DataConfig
from archsearch.data._common import DataSplits
from archsearch.data.arrays import Arrays, arrays_to_splits, count_classes, image_shape
from archsearch.errors import DataFormatError, DataNotFoundError

logger = logging.getLogger(__name__)

ARRAYS = ("x", "y", "x_val", "y_val", "x_test", "y_test")


def npz_path(conf: DataConfig) -> Path:
    if conf.root is None:
        raise DataNotFoundError("data set npz needs data.root set to the .npz file")
    path = Path(conf.root).expanduser()
    if not path.is_file():
        raise DataNotFoundError(f"npz file {path} does not exist")
    return path


def _open(path: Path) -> np.lib.npyio.NpzFile:
    try:
        npz = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as e:
        raise DataFormatError(f"{path} is not an .npz file: {e}") from None
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise DataFormatError(f"{path} is a single .npy array, not an .npz file of x and y")
    return npz


def _read(npz: np.lib.npyio.NpzFile, key: str, path: Path) -> np.ndarray:
    try:
        return npz[key]
    except (OSError, ValueError, zipfile.BadZipFile) as e:  # object arrays need pickle
        raise DataFormatError(f"{path}: array {key} does not load: {e}") from None


def _x_shape(path: Path) -> tuple[int, ...]:
    """The shape of ``x`` from its .npy header inside the zip, without reading its data."""
    with zipfile.ZipFile(path) as archive, archive.open("x.npy") as stream:
        version = np.lib.format.read_magic(stream)
        read_header = (
            np.lib.format.read_array_header_1_0
            if version == (1, 0)
            else np.lib.format.read_array_header_2_0
        )
        return read_header(stream)[0]


def _arrays(path: Path, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    with _open(path) as npz:
        missing = [k for k in ("x", "y") if k not in npz.files]
        if missing:
            raise DataFormatError(
                f"{path} has no array {' and no array '.join(missing)} "
                f"(holds: {', '.join(npz.files) or 'nothing'})"
            )
        return {k: _read(npz, k, path) for k in keys if k in npz.files}


def npz_shape(conf: DataConfig) -> tuple[tuple[int, int, int], int]:
    """(C, H, W) from x's header, classes from the labels: the images are not read."""
    path = npz_path(conf)
    labels = _arrays(path, ("y", "y_val", "y_test"))
    try:
        shape = _x_shape(path)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as e:
        raise DataFormatError(f"{path}: the header of x does not read: {e}") from None
    return image_shape(shape, str(path)), count_classes(list(labels.values()), conf.num_classes)


def load_npz_splits(conf: DataConfig) -> DataSplits:
    path = npz_path(conf)
    arrays = _arrays(path, ARRAYS)
    logger.info("npz %s: arrays %s", path, {k: v.shape for k, v in arrays.items()})
    return arrays_to_splits(Arrays(**arrays), conf, str(path))
