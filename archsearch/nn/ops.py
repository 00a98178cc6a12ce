"""The op registry: every DARTS primitive as a constructor ``(channels, stride, affine)``.

Every op maps ``C -> C`` channels; at stride 2 it halves H and W (rounding up, so odd sizes
work too). No ReLU here is in-place: a Petridish search op reads its inputs through
``detach()``, which shares storage with the parent's tensors, and an in-place ReLU would
silently change the parent's function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
import torch.nn.functional as F
from torch import nn

from archsearch.errors import UnknownNameError


class ReLUConvBN(nn.Sequential):
    """ReLU -> Conv -> BN, the DARTS preprocessing and projection block."""

    def __init__(
        self, c_in: int, c_out: int, kernel: int, stride: int, padding: int, affine: bool = True
    ) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding, bias=False),
            nn.BatchNorm2d(c_out, affine=affine),
        )


class DilConv(nn.Sequential):
    """ReLU -> depthwise (dilated) conv -> pointwise conv -> BN."""

    def __init__(
        self,
        c_in: int,
        c_out: int,
        kernel: int,
        stride: int,
        padding: int,
        dilation: int,
        affine: bool = True,
    ) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(
                c_in, c_in, kernel, stride, padding, dilation=dilation, groups=c_in, bias=False
            ),
            nn.Conv2d(c_in, c_out, 1, bias=False),
            nn.BatchNorm2d(c_out, affine=affine),
        )


class SepConv(nn.Sequential):
    """Two stacked undilated DilConvs, the first one strided (DARTS' separable conv)."""

    def __init__(
        self, c_in: int, c_out: int, kernel: int, stride: int, padding: int, affine: bool = True
    ) -> None:
        super().__init__(
            DilConv(c_in, c_in, kernel, stride, padding, 1, affine),
            DilConv(c_in, c_out, kernel, 1, padding, 1, affine),
        )


class FactorizedReduce(nn.Module):
    """Halve H and W with two 1x1 stride-2 convs on pixel grids offset by one, concatenated,
    so no input pixel is skipped (DARTS)."""

    def __init__(self, c_in: int, c_out: int, affine: bool = True) -> None:
        super().__init__()
        self.relu = nn.ReLU(inplace=False)
        # An odd c_out gets the extra channel on the second grid.
        self.conv_1 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, bias=False)
        self.conv_2 = nn.Conv2d(c_in, c_out - c_out // 2, 1, stride=2, bias=False)
        self.bn = nn.BatchNorm2d(c_out, affine=affine)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        # Pad right/bottom before shifting so both grids give ceil(H/2) rows on odd sizes too.
        shifted = F.pad(x, (0, 1, 0, 1))[:, :, 1:, 1:]  # (B, C, H, W)
        out = torch.cat([self.conv_1(x), self.conv_2(shifted)], dim=1)  # (B, c_out, H/2, W/2)
        return self.bn(out)


class Zero(nn.Module):
    """The ``none`` primitive: zeros of the output shape (strided when stride is 2)."""

    def __init__(self, stride: int) -> None:
        super().__init__()
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.zeros_like(x[:, :, :: self.stride, :: self.stride])


OpFactory = Callable[[int, int, bool], nn.Module]

OPS: dict[str, OpFactory] = {
    "none": lambda c, stride, affine: Zero(stride),
    "skip_connect": lambda c, stride, affine: (
        nn.Identity() if stride == 1 else FactorizedReduce(c, c, affine)
    ),
    "avg_pool_3x3": lambda c, stride, affine: nn.AvgPool2d(
        3, stride=stride, padding=1, count_include_pad=False
    ),
    "max_pool_3x3": lambda c, stride, affine: nn.MaxPool2d(3, stride=stride, padding=1),
    "sep_conv_3x3": lambda c, stride, affine: SepConv(c, c, 3, stride, 1, affine),
    "sep_conv_5x5": lambda c, stride, affine: SepConv(c, c, 5, stride, 2, affine),
    "dil_conv_3x3": lambda c, stride, affine: DilConv(c, c, 3, stride, 2, 2, affine),
    "dil_conv_5x5": lambda c, stride, affine: DilConv(c, c, 5, stride, 4, 2, affine),
}


def make_op(name: str, channels: int, stride: int, affine: bool = True) -> nn.Module:
    """Build primitive ``name`` mapping ``channels -> channels`` at ``stride`` (1 or 2)."""
    if name not in OPS:
        raise UnknownNameError("op", name, list(OPS))
    return OPS[name](channels, stride, affine)


def op_dict(specs: Iterable[tuple[str, str, int]], channels: int, affine: bool) -> nn.ModuleDict:
    """Candidate ops of a composite edge: one ``(key, primitive, stride)`` per op. The key is
    the op's state_dict name under ``ops.``; the order is that of the architecture weights."""
    return nn.ModuleDict(
        {key: make_op(prim, channels, stride, affine) for key, prim, stride in specs}
    )


def weighted_sum(weights: torch.Tensor, outputs: list[torch.Tensor]) -> torch.Tensor:
    """``sum_k weights[k] * outputs[k]``; ``weights`` has shape (K,), each output (B, C, H, W)."""
    total = weights[0] * outputs[0]
    for w, y in zip(weights[1:], outputs[1:], strict=True):
        total = total + w * y
    return total
