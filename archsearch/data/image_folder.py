"""Image folders as torchvision's ImageFolder lays them out: ``root/<class>/*.png`` (also .jpg,
.jpeg, .bmp; classes sorted by name, hidden folders skipped), or ``root/train/<class>/...``
with optional ``root/val/`` and ``root/test/`` of the same classes; a split without a folder
is held out of the training images (``data.test_fraction``, then ``data.val_fraction``).

Images are decoded once with Pillow, in a thread pool when they are large enough to gain from
it (Pillow's decoders and resampling release the GIL), converted to RGB or grayscale
(``data.channels``) and resized to ``data.image_size`` square; the uint8 arrays are cached on
disk (``image_cache``), so a second load -- a resume, a second run -- decodes nothing.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from archsearch.config import DataConfig
from archsearch.data import image_cache
from archsearch.data._common import DataSplits, held_out_splits
from archsearch.errors import DataFormatError, DataNotFoundError

logger = logging.getLogger(__name__)

EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp")
SPLITS = ("train", "val", "test")
# Threads pay off only when Pillow's C code (which releases the GIL) outweighs its Python-side
# parsing: on 2 cores, 2 threads decode 32px PNGs (2 KB) ~1.9x slower than one, break even
# near 8 KB (64px) and are ~2x faster from 34 KB (128px) up (bench/data_load.py).
PARALLEL_MIN_BYTES = 8_000


@dataclass
class Layout:
    root: Path
    classes: list[str]  # sorted class folder names; a label is an index into it
    files: dict[str, list[tuple[Path, int]]]  # split -> (image, label), in a fixed order


def _root(conf: DataConfig) -> Path:
    if conf.root is None:
        raise DataNotFoundError(
            "data set image_folder needs data.root set to a folder of class folders "
            "(root/<class>/*.png) or of train/, val/, test/ folders of class folders"
        )
    root = Path(conf.root).expanduser()
    if not root.is_dir():
        raise DataNotFoundError(f"image folder {root} does not exist")
    return root


def _split_folders(root: Path) -> dict[str, Path]:
    """split -> folder: train/, val/, test/ when there is a train/, else the root as train."""
    if (root / "train").is_dir():
        return {s: root / s for s in SPLITS if (root / s).is_dir()}
    return {"train": root}


def _class_folders(folder: Path) -> list[Path]:
    return sorted(
        (p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.name,
    )


def class_names(root: Path) -> list[str]:
    train = _split_folders(root)["train"]
    names = [p.name for p in _class_folders(train)]
    if not names:
        raise DataFormatError(
            f"image folder {train} has no class folder; expected {train}/<class>/*.png"
        )
    return names


def scan(conf: DataConfig) -> Layout:
    """The classes and every image file of each split; errors name the folder at fault."""
    root = _root(conf)
    classes = class_names(root)
    files: dict[str, list[tuple[Path, int]]] = {}
    for split, folder in _split_folders(root).items():
        files[split] = []
        for class_folder in _class_folders(folder):
            if class_folder.name not in classes:
                raise DataFormatError(
                    f"class folder {class_folder} is not among the training classes "
                    f"({', '.join(classes)})"
                )
            # scandir knows which entries are files without a stat per file.
            with os.scandir(class_folder) as entries:
                images = sorted(
                    Path(e.path)
                    for e in entries
                    if e.name.lower().endswith(EXTENSIONS) and e.is_file()
                )
            if not images:
                raise DataFormatError(
                    f"class folder {class_folder} holds no image ({', '.join(EXTENSIONS)})"
                )
            files[split] += [(p, classes.index(class_folder.name)) for p in images]
    return Layout(root, classes, files)


def image_folder_shape(conf: DataConfig) -> tuple[tuple[int, int, int], int]:
    """(channels, size, size) and the class count from the folder names: nothing is decoded."""
    return (conf.channels, conf.image_size, conf.image_size), len(class_names(_root(conf)))


def decode(path: Path, image_size: int, channels: int) -> np.ndarray:
    """One image as uint8 (size, size) for one channel, else (size, size, 3)."""
    try:
        with Image.open(path) as image:
            image = image.convert("L" if channels == 1 else "RGB")
            image = image.resize((image_size, image_size), Image.Resampling.BILINEAR)
            return np.asarray(image)
    # Pillow reports some corrupt files as SyntaxError ("broken PNG file").
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as e:
        raise DataFormatError(f"image {path} does not decode: {e}") from None


def decode_all(paths: list[Path], image_size: int, channels: int) -> np.ndarray:
    """uint8 N x C x size x size in the order of ``paths``; one contiguous chunk per thread
    when the files are large enough to gain from threads (see PARALLEL_MIN_BYTES)."""
    mean_bytes = sum(p.stat().st_size for p in paths) / max(1, len(paths))
    workers = min(32, os.cpu_count() or 1) if mean_bytes >= PARALLEL_MIN_BYTES else 1
    chunks = [paths[i::workers] for i in range(workers)]  # chunk k holds images k, k+w, ...

    def run(chunk: list[Path]) -> list[np.ndarray]:
        return [decode(p, image_size, channels) for p in chunk]

    with ThreadPoolExecutor(workers) as pool:
        decoded = list(pool.map(run, chunks))
    images = [decoded[i % workers][i // workers] for i in range(len(paths))]
    stacked = np.stack(images) if images else np.empty((0, image_size, image_size), np.uint8)
    # (N, H, W) -> (N, 1, H, W); (N, H, W, 3) -> (N, 3, H, W)
    return stacked[:, None] if channels == 1 else stacked.transpose(0, 3, 1, 2)


def read_arrays(conf: DataConfig) -> tuple[Layout, dict[str, np.ndarray]]:
    """The layout and ``x_<split>``/``y_<split>`` arrays of each split folder, from the cache
    when the folder has not changed since it was written, else decoded (and cached)."""
    layout = scan(conf)
    paths = [p for split in layout.files.values() for p, _ in split]
    key = image_cache.cache_key(paths, layout.root, conf.image_size, conf.channels)
    folder = image_cache.cache_dir(layout.root, conf.cache_dir)
    path = image_cache.cache_path(layout.root, folder, key, conf.image_size, conf.channels)
    arrays = image_cache.read(path)
    if arrays is not None:
        logger.info("image folder %s: %d images from the cache %s", layout.root, len(paths), path)
        return layout, arrays
    arrays = {}
    for split, items in layout.files.items():
        arrays[f"x_{split}"] = decode_all([p for p, _ in items], conf.image_size, conf.channels)
        arrays[f"y_{split}"] = np.array([label for _, label in items], dtype=np.int64)
    logger.info("image folder %s: decoded %d images, cached in %s", layout.root, len(paths), path)
    image_cache.write(path, arrays)
    return layout, arrays


def load_image_folder_splits(conf: DataConfig) -> DataSplits:
    layout, arrays = read_arrays(conf)

    def pair(split: str) -> tuple[np.ndarray, np.ndarray] | None:
        return (arrays[f"x_{split}"], arrays[f"y_{split}"]) if f"x_{split}" in arrays else None

    train = pair("train")
    assert train is not None  # scan always finds a train split
    return held_out_splits(
        train,
        len(layout.classes),
        conf,
        source=str(layout.root),
        val=pair("val"),
        test=pair("test"),
    )
