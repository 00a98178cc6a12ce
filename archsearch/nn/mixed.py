"""The DARTS mixed op: a weighted sum of every primitive applied to one input.

The weights are ``softmax(alpha)`` by default. One-shot strategies change only how the weights
are computed: pass ``weights`` to ``forward`` (e.g. a Gumbel-softmax sample, or a one-hot path
for SPOS/Proxyless) or override ``weights()`` in a subclass.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from archsearch.nn.ops import op_dict, weighted_sum


class MixedOp(nn.Module):
    def __init__(
        self, primitives: Sequence[str], channels: int, stride: int, affine: bool = False
    ) -> None:
        super().__init__()
        self.primitives = list(primitives)
        # affine=False as in DARTS: a learnable BN scale would compete with the mixing weights.
        self.ops = op_dict(((p, p, stride) for p in self.primitives), channels, affine)
        # Zeros give a uniform softmax; gradients still reach alpha through the softmax.
        self.alpha = nn.Parameter(torch.zeros(len(self.primitives)))

    def weights(self) -> torch.Tensor:
        """The mixing weights, shape (K,) in ``primitives`` order."""
        return F.softmax(self.alpha, dim=0)

    def forward(self, x: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        w = self.weights() if weights is None else weights
        return weighted_sum(w, [op(x) for op in self.ops.values()])  # (B, C, H', W')
