"""Artifact files (hull.json, model.json, ...) written so a reader never sees half of one.

The data goes to a temporary file in the same directory (same filesystem, so the rename is
atomic), is fsynced, and replaces the target with ``os.replace``; the directory is fsynced
too so the rename itself survives a power loss. A crash leaves the old file or the new one,
at worst plus a stray ``.*.tmp`` file, never a truncated target.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(target.parent)


def write_text_atomic(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    write_bytes_atomic(path, text.encode(encoding))


def _fsync_dir(directory: Path) -> None:
    # Not every platform/filesystem lets a directory be opened for fsync; the rename is still
    # atomic there, only its durability across a power loss is the OS's business.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
