"""The auxiliary classifier of DARTS' evaluation network, kept outside the ``Model``.

It reads the output of the second reduction cell (the last one when the network has fewer),
through a forward hook that only records in training mode, and adds ``aux_weight`` times its
cross-entropy to the loss. Being its own module, it is in neither the network's state_dict
(weights files, exports) nor its MAdd, and inference is untouched: exactly what DARTS and
archai mean by "auxiliary tower in training only".
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle

from archsearch.nn.model import Model

AUX_REDUCTION = 2  # DARTS places the tower after its second (of two) reduction cells


def aux_cell(model: Model) -> tuple[int, int] | None:
    """(index of the cell the head reads, side of that cell's output), or None when the
    network has no reduction cell (an auxiliary head on the last features adds nothing)."""
    side = model.desc.input_shape[1]
    found = None
    reductions = 0
    for i, cell in enumerate(model.desc.cells):
        if cell.reduction:
            side = math.ceil(side / 2)  # a reduction rounds odd sizes up (FactorizedReduce)
            reductions += 1
            found = (i, side)
            if reductions == AUX_REDUCTION:
                break
    return found


class AuxHead(nn.Module):
    """DARTS' AuxiliaryHeadCIFAR: ReLU, 5x5 average pool at stride 3 (8x8 -> 2x2), 1x1 conv to
    128, BN, ReLU, 2x2 conv to 768, BN, ReLU, linear. Maps other than 8..10 pixels square are
    pooled adaptively to the same 2x2 (digits reach 2x2 after two reductions)."""

    def __init__(self, channels: int, side: int, num_classes: int) -> None:
        super().__init__()
        darts_pool = (side - 5) // 3 + 1 == 2
        self.features = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.AvgPool2d(5, stride=3, count_include_pad=False)
            if darts_pool
            else nn.AdaptiveAvgPool2d(2),
            nn.Conv2d(channels, 128, 1, bias=False),
            nn.BatchNorm2d(128),
            nn.ReLU(inplace=False),
            nn.Conv2d(128, 768, 2, bias=False),
            nn.BatchNorm2d(768),
            nn.ReLU(inplace=False),
        )
        self.classifier = nn.Linear(768, num_classes)
        self._cell_output: torch.Tensor | None = None
        self._hook: RemovableHandle | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).flatten(1))  # (B, num_classes)

    def attach(self, cell: nn.Module) -> None:
        """Record ``cell``'s output on every training-mode forward pass."""

        def record(module: nn.Module, inputs: object, output: torch.Tensor) -> None:
            if module.training:
                self._cell_output = output

        self._hook = cell.register_forward_hook(record)

    def detach(self) -> None:
        """Remove the hook: the network is as it was before ``attach``."""
        if self._hook is not None:
            self._hook.remove()
            self._hook = None
        self._cell_output = None

    def logits(self) -> torch.Tensor:
        """The auxiliary logits of the last training-mode forward pass of the network."""
        if self._cell_output is None:
            raise RuntimeError("no training-mode forward pass of the network since attach()")
        out, self._cell_output = self._cell_output, None
        return self(out)


def attach_aux_head(model: nn.Module) -> AuxHead | None:
    """An ``AuxHead`` hooked onto ``model``'s auxiliary cell (on the model's device), or None
    when ``model`` is not a ``Model`` or has no reduction cell."""
    if not isinstance(model, Model):
        return None
    found = aux_cell(model)
    if found is None:
        return None
    index, side = found
    head = AuxHead(model.desc.cells[index].channels, side, model.desc.num_classes)
    first = next(model.parameters())
    head.to(device=first.device)
    head.attach(model.cells[index])
    return head
