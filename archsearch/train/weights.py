"""Weights on disk: a state_dict written atomically and read back without unpickling code."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch


def save_weights(state_dict: dict[str, torch.Tensor], path: str | Path) -> Path:
    """Write ``state_dict`` (tensors copied to the CPU) to ``path``: a temp file in the same
    folder, flushed, then renamed over ``path``, so a reader or a crash never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().cpu() for k, v in state_dict.items()}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(tensors, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_weights(path: str | Path) -> dict[str, torch.Tensor]:
    """A state_dict saved by ``save_weights``, on the CPU. ``weights_only`` refuses anything
    but tensors and plain containers: a weights file must not be a way to run code."""
    return torch.load(path, weights_only=True, map_location="cpu")
