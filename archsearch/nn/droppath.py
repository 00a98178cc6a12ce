"""Drop-path (DARTS, from FractalNet): drop a whole edge's output for some samples of a batch.

A kept output is scaled by ``1 / (1 - p)``, so its expectation over the drop is unchanged and
evaluation, which drops nothing, sees the same scale as training did.
"""

from __future__ import annotations

import torch


def drop_path(x: torch.Tensor, p: float) -> torch.Tensor:
    """``x`` (B, ...) with each sample zeroed with probability ``p``, the rest scaled by
    ``1 / (1 - p)``."""
    if p <= 0.0:
        return x
    keep = 1.0 - p
    shape = (x.shape[0],) + (1,) * (x.dim() - 1)
    mask = torch.rand(shape, device=x.device) < keep  # (B, 1, 1, 1)
    return x * mask.to(x.dtype) / keep
