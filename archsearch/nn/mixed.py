"""The DARTS mixed op: a weighted sum of every primitive applied to one input.

The weights are ``softmax(alpha)`` by default. One-shot methods (``archsearch.oneshot``) steer
the op between forward passes through two attributes: ``weigh`` maps alpha to the mixing
weights (a Gumbel-softmax sample, Proxyless' binary gates...), and ``active`` names the ops that
run (a single path for SPOS/ENAS/Proxyless; an empty list switches the edge off). Ops that do
not run cost nothing, which is what makes single-path training cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from archsearch.nn.ops import op_dict, weighted_sum


def softmax_weights(alpha: torch.Tensor) -> torch.Tensor:
    return F.softmax(alpha, dim=0)


class MixedOp(nn.Module):
    def __init__(
        self, primitives: Sequence[str], channels: int, stride: int, affine: bool = False
    ) -> None:
        super().__init__()
        self.primitives = list(primitives)
        self.stride = stride
        # affine=False as in DARTS: a learnable BN scale would compete with the mixing weights.
        self.ops = op_dict(((p, p, stride) for p in self.primitives), channels, affine)
        # Zeros give a uniform softmax; gradients still reach alpha through the softmax.
        self.alpha = nn.Parameter(torch.zeros(len(self.primitives)))
        self.weigh: Callable[[torch.Tensor], torch.Tensor] = softmax_weights
        self.active: list[int] | None = None  # indices into primitives; None runs them all

    def weights(self) -> torch.Tensor:
        """The mixing weights, shape (K,) in ``primitives`` order."""
        return self.weigh(self.alpha)

    def forward(self, x: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        ops = list(self.ops.values())
        active = range(len(ops)) if self.active is None else self.active
        if not active:  # a switched-off edge adds nothing (the ``none`` op's output)
            return torch.zeros_like(x[:, :, :: self.stride, :: self.stride])
        w = self.weights() if weights is None else weights
        return weighted_sum(w[list(active)], [ops[k](x) for k in active])  # (B, C, H', W')
