"""The on-disk cache of decoded image folders: one uncompressed ``.npz`` per (folder contents,
image size, channels), read back without pickle.

Where it lives (``data.cache_dir``, else): ``<root>/.archsearch_cache`` when the data folder is
writable, so every run that reads the folder -- a resume, a second run, another node of a
cluster on a shared filesystem -- finds it, and deleting the data deletes its cache; a
read-only data folder (a mounted volume) caches under ``~/.cache/archsearch`` instead.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

LOCAL_DIR = ".archsearch_cache"  # hidden, so it is never taken for a class folder
VERSION = 1  # bump when what is cached changes meaning


def cache_dir(root: Path, configured: str | None) -> Path:
    if configured is not None:
        return Path(configured).expanduser()
    local = root / LOCAL_DIR
    if os.access(local if local.is_dir() else root, os.W_OK):
        return local
    user = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return user / "archsearch"


def cache_key(files: Iterable[Path], root: Path, image_size: int, channels: int) -> str:
    """A hash of every file's path (relative to ``root``), size and mtime, and the decoding
    settings: any image added, removed, renamed or rewritten gives a new key."""
    digest = hashlib.sha256(f"v{VERSION} {image_size}px {channels}ch".encode())
    skip = len(str(root)) + 1  # str slicing: Path.relative_to costs ~10 us a file
    for path in files:
        stat = os.stat(path)
        digest.update(f"\0{str(path)[skip:]}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:20]


def cache_path(root: Path, folder: Path, key: str, image_size: int, channels: int) -> Path:
    # The prefix names the data folder (its name, and a hash of its absolute path, since the
    # user cache is shared by every folder) and the settings; older files of one prefix are
    # stale versions of the same folder and are removed when a new one is written.
    where = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:8]
    return folder / f"{root.name}-{where}-{image_size}px{channels}ch-{key}.npz"


def read(path: Path) -> dict[str, np.ndarray] | None:
    """The cached arrays, or None when there is no (readable) cache file."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile) as e:
        logger.warning("ignoring unreadable image cache %s: %s", path, e)
        return None


def write(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write atomically (a temporary file, then ``os.replace``) so a reader never sees half a
    file; a cache that cannot be written costs a decode next time, never the run."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, **arrays)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as e:
        logger.warning("could not write the image cache %s: %s", path, e)
        return
    prefix = path.name.rsplit("-", 1)[0] + "-"
    for stale in path.parent.iterdir():
        if stale.name.startswith(prefix) and stale.suffix == ".npz" and stale != path:
            stale.unlink(missing_ok=True)
