"""Weights as bytes and on disk: a state_dict serialised by ``torch.save``, read back without
unpickling code (``weights_only``). Jobs hand the driver bytes; the driver writes the files."""

from __future__ import annotations

import io
import re
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
    containers: a weights file must not be a way to run code. Bytes that are truncated, corrupt
    or hold anything but a state_dict are a one-line ``WeightsError`` naming ``source`` (torch's
    own messages name neither the file nor the likely cause)."""
    try:
        state = torch.load(io.BytesIO(data), weights_only=True, map_location="cpu")
    except Exception as e:  # torch raises RuntimeError, EOFError, KeyError, UnpicklingError...
        raise WeightsError(f"{source}: {_why_unreadable(e)}") from None
    if not isinstance(state, dict) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()
    ):
        raise WeightsError(f"{source}: holds a {type(state).__name__}, not a state_dict of tensors")
    return state


def save_weights(state_dict: dict[str, torch.Tensor], path: str | Path) -> Path:
    """Write ``state_dict`` to ``path`` atomically (temp file, fsync, rename)."""
    write_bytes_atomic(path, weights_to_bytes(state_dict))
    return Path(path)


def load_weights(path: str | Path) -> dict[str, torch.Tensor]:
    """The state_dict in a weights file; ``WeightsError`` naming the file if it is missing or
    damaged (see ``weights_from_bytes``)."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"weights file {path} does not exist")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise WeightsError(f"{path}: cannot read the weights file ({e.strerror or e})") from None
    return weights_from_bytes(data, str(path))


def _why_unreadable(e: Exception) -> str:
    """One line from torch.load's failure, whose own text runs to a dozen lines of advice."""
    text = str(e)
    found = re.search(r"Unsupported global: GLOBAL (\S+)", text)
    if found:
        return (
            f"holds a {found.group(1)} object, not only tensors; refused, as unpickling it "
            "could run code"
        )
    # weights_only's own errors put the cause after "WeightsUnpickler error:".
    detail = text.partition("WeightsUnpickler error:")[2] or text
    first = next((line.strip() for line in detail.splitlines() if line.strip()), "")
    cause = type(e).__name__ + (f": {first.split('. ')[0][:160]}" if first else "")
    return f"truncated or corrupt weights file ({cause})"
