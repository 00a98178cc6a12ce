"""The network of a ``ModelDesc``: stem, cells, global average pool, linear head.

State-dict names are ``stem.*``, ``cells.{i}.*`` (see ``archsearch.nn.cell``) and ``head.*``;
appending a node to a cell only adds names, so a grown child inherits every parent tensor.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import nn

from archsearch.nn.cell import Cell
from archsearch.nn.mixed import MixedOp
from archsearch.nn.petridish import PetridishOp
from archsearch.space.desc import ModelDesc
from archsearch.space.validate import check_desc


class Model(nn.Module):
    def __init__(self, desc: ModelDesc) -> None:
        super().__init__()
        # A description built in Python has not been through ModelDesc.from_dict's checks:
        # refuse a malformed or oversized one before allocating anything.
        check_desc(desc)
        self.desc = desc
        c_in = desc.input_shape[0]
        self.stem = nn.Sequential(
            nn.Conv2d(c_in, desc.stem_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(desc.stem_channels),
        )
        cells = []
        c_pp = c_p = desc.stem_channels  # the first cell reads the stem output twice
        reduction_prev = False
        for cell in desc.cells:
            cells.append(Cell(cell, c_pp, c_p, reduction_prev))
            c_pp, c_p, reduction_prev = c_p, cell.channels, cell.reduction
        self.cells = nn.ModuleList(cells)
        self.head = nn.Linear(c_p, desc.num_classes)

    @classmethod
    def from_desc(cls, desc: ModelDesc) -> Model:
        return cls(desc)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s0 = s1 = self.stem(x)  # (B, stem_channels, H, W)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1)
        return self.head(s1.mean(dim=(2, 3)))  # (B, num_classes)

    def set_drop_path(self, p: float) -> None:
        """Drop-path probability of every cell edge from now on (training mode only)."""
        for cell in self.cells:
            for node in cell.nodes:
                node.drop_prob = p

    def arch_parameters(self) -> list[nn.Parameter]:
        """The architecture weights (alpha) of every Petridish and mixed edge."""
        return [m.alpha for m in self.modules() if isinstance(m, PetridishOp | MixedOp)]

    def weight_parameters(self) -> list[nn.Parameter]:
        """Every parameter that is not an architecture weight."""
        arch = {id(p) for p in self.arch_parameters()}
        return [p for p in self.parameters() if id(p) not in arch]

    def petridish_ops(self) -> Iterator[tuple[int, int, PetridishOp]]:
        """``(cell index, node index, op)`` for every Petridish edge."""
        for ci, cell in enumerate(self.cells):
            for ni, node in enumerate(cell.nodes):
                for edge in node.edges:
                    if isinstance(edge, PetridishOp):
                        yield ci, ni, edge

    def arch_l1(self) -> torch.Tensor:
        """Sum of |alpha| over the Petridish edges (0 when there are none), a scalar tensor."""
        terms = [op.alpha.abs().sum() for _, _, op in self.petridish_ops()]
        if not terms:
            return torch.zeros((), device=self.head.weight.device)
        return torch.stack(terms).sum()
