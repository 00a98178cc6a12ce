"""The Petridish search op: every candidate input x every primitive, weighted by alpha.

``y = sum_{j,p} alpha_{j,p} * op_{j,p}(stop_gradient(x_j))``. The inputs are detached so the
search node sends no gradient into the parent's layers: what the node learns cannot pull them
toward it. The parent's weights are not frozen, though: a SEARCH job's SGD keeps training them
on the network's own loss (as archai does), so they change during the search. The cell adds the
node's projection through stop-forward (``z - z.detach()``), so the grown network computes
exactly the parent's function *with the weights it has at that moment* while the search node
exists, and gradients still reach alpha and the new ops.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from archsearch.nn.ops import op_dict, weighted_sum

# Small but not zero: with alpha = 0 the node's output is exactly 0, the ReLU that opens its
# projection has zero gradient at 0, and alpha would never move. A constant (not random)
# init keeps the search reproducible and lets the data alone break the symmetry.
ALPHA_INIT = 1e-3


def op_key(input_id: int, primitive: str) -> str:
    """State-dict name of a candidate under ``ops.``, e.g. ``"1_sep_conv_3x3"``."""
    return f"{input_id}_{primitive}"


class PetridishOp(nn.Module):
    def __init__(
        self,
        inputs: Sequence[int],
        primitives: Sequence[str],
        channels: int,
        strides: Sequence[int],
        affine: bool = False,
    ) -> None:
        super().__init__()
        if len(strides) != len(inputs):
            raise ValueError(f"{len(inputs)} inputs but {len(strides)} strides")
        # alpha[k] weighs candidate pairs[k]; input-major order.
        self.pairs = [(j, p) for j in inputs for p in primitives]
        self.slots = [slot for slot in range(len(inputs)) for _ in primitives]
        # affine=False: a learnable BN scale could grow while alpha shrinks, dodging the L1
        # penalty that is meant to make alpha sparse.
        self.ops = op_dict(
            (
                (op_key(j, p), p, s)
                for j, s in zip(inputs, strides, strict=True)
                for p in primitives
            ),
            channels,
            affine,
        )
        self.alpha = nn.Parameter(torch.full((len(self.pairs),), ALPHA_INIT))

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        # Stop-gradient: no gradient flows from the search node into the parent's layers.
        xs = tuple(x.detach() for x in xs)
        outs = [op(xs[slot]) for op, slot in zip(self.ops.values(), self.slots, strict=True)]
        return weighted_sum(self.alpha, outs)  # (B, C, H', W')

    def weights(self) -> dict[tuple[int, str], float]:
        """``{(input id, primitive): alpha}``, the format ``space.finalize`` ranks."""
        return dict(zip(self.pairs, self.alpha.detach().cpu().tolist(), strict=True))
