"""Weights as bytes and on disk: a state_dict serialised by ``torch.save``, read back without
unpickling code (``weights_only``). Jobs hand the driver bytes; the driver writes the files."""

from __future__ import annotations

import io
from pathlib import Path

import torch

from archsearch.errors import WeightsError
from archsearch.store.files import write_bytes_atomic


def weights_to_bytes(state_dict: dict[str, torch.Tensor]) -> bytes:
    """``state_dict`` (tensors copied to the CPU) as the bytes of a weights file."""
    buffer = io.BytesIO()
    torch.save({k: v.detach().cpu() for k, v in state_dict.items()}, buffer)
    return buffer.getvalue()


def weights_from_bytes(data: bytes, source: str = "weights") -> dict[str, torch.Tensor]:
    """A state_dict on the CPU. ``weights_only`` refuses anything but tensors and plain
    containers: a weights file must not be a way to run code."""
    try:
        state = torch.load(io.BytesIO(data), weights_only=True, map_location="cpu")
    except Exception as e:  # torch reports a truncated zip as "failed finding central directory"
        raise WeightsError(f"{source}: not a readable weights file ({e})") from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise WeightsError(f"{source}: not a state_dict of tensors")
    return state


def save_weights(state_dict: dict[str, torch.Tensor], path: str | Path) -> Path:
    """Write ``state_dict`` to ``path`` atomically (temp file, fsync, rename)."""
    write_bytes_atomic(path, weights_to_bytes(state_dict))
    return Path(path)


def load_weights(path: str | Path) -> dict[str, torch.Tensor]:
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise WeightsError(f"{path}: {e.strerror or e}") from None
    return weights_from_bytes(data, str(path))
