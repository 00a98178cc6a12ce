"""A cell built from a ``CellDesc``: preprocessing, nodes of summed edges, summed projections.

State-dict names (stable, so a grown cell shares every name with its parent)::

    pre0.*, pre1.*                 the two inputs mapped to ``channels`` (same resolution)
    nodes.{n}.edges.{e}.*          edge e of node n (a primitive, a MixedOp or a PetridishOp)
    proj.{n}.*                     ReLU-Conv1x1-BN of node n, summed into the cell output
    passthrough.*                  only when the cell has no ordinary node: pre1(s1), reduced
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from archsearch.errors import UnknownNameError
from archsearch.nn.droppath import drop_path
from archsearch.nn.mixed import MixedOp
from archsearch.nn.ops import OPS, FactorizedReduce, ReLUConvBN, Zero, make_op
from archsearch.nn.petridish import PetridishOp
from archsearch.space.desc import CELL_INPUTS, CellDesc, EdgeDesc, NodeDesc


def _stride(input_id: int, reduction: bool) -> int:
    # Only edges that read a cell input reduce; nodes already live at the reduced size.
    return 2 if reduction and input_id < CELL_INPUTS else 1


def _petridish(edge: EdgeDesc, channels: int, reduction: bool) -> nn.Module:
    strides = [_stride(i, reduction) for i in edge.inputs]
    return PetridishOp(edge.inputs, edge.params["primitives"], channels, strides)


def _mixed(edge: EdgeDesc, channels: int, reduction: bool) -> nn.Module:
    return MixedOp(edge.params["primitives"], channels, _stride(edge.inputs[0], reduction))


# Edge ops that are not primitives: they read their candidates from ``params["primitives"]``.
COMPOSITE_OPS: dict[str, Callable[[EdgeDesc, int, bool], nn.Module]] = {
    "petridish": _petridish,
    "mixed": _mixed,
}


_NOT_DROPPED = (nn.Identity, Zero, MixedOp, PetridishOp)


def build_edge(edge: EdgeDesc, channels: int, reduction: bool) -> nn.Module:
    """The module of one edge. It is called with one tensor per entry of ``edge.inputs``."""
    if edge.op in COMPOSITE_OPS:
        return COMPOSITE_OPS[edge.op](edge, channels, reduction)
    if edge.op not in OPS:
        raise UnknownNameError("op", edge.op, [*OPS, *COMPOSITE_OPS])
    if len(edge.inputs) != 1:
        raise ValueError(f"op {edge.op!r} reads exactly one input, got inputs {edge.inputs}")
    return make_op(edge.op, channels, _stride(edge.inputs[0], reduction))


class Node(nn.Module):
    def __init__(self, node: NodeDesc, channels: int, reduction: bool) -> None:
        super().__init__()
        self.inputs = [list(edge.inputs) for edge in node.edges]
        self.edges = nn.ModuleList(build_edge(e, channels, reduction) for e in node.edges)
        # Drop-path acts on primitive ops that compute something, as in DARTS: not on identity
        # (a skip), not on `none`, and not on the search's mixed ops. Set by Model.set_drop_path.
        self.drop_prob = 0.0
        self.droppable = [not isinstance(e, _NOT_DROPPED) for e in self.edges]

    def forward(self, states: list[torch.Tensor]) -> torch.Tensor:
        outs = [
            edge(*(states[i] for i in ids))
            for edge, ids in zip(self.edges, self.inputs, strict=True)
        ]
        if self.training and self.drop_prob > 0:
            outs = [
                drop_path(out, self.drop_prob) if droppable else out
                for out, droppable in zip(outs, self.droppable, strict=True)
            ]
        total = outs[0]
        for out in outs[1:]:
            total = total + out
        return total  # (B, C, H, W)


class Cell(nn.Module):
    def __init__(self, cell: CellDesc, c_pp: int, c_p: int, reduction_prev: bool) -> None:
        super().__init__()
        c = cell.channels
        # After a reduction cell, s0 has twice the resolution of s1: reduce it to match.
        self.pre0 = FactorizedReduce(c_pp, c) if reduction_prev else ReLUConvBN(c_pp, c, 1, 1, 0)
        self.pre1 = ReLUConvBN(c_p, c, 1, 1, 0)
        self.nodes = nn.ModuleList(Node(node, c, cell.reduction) for node in cell.nodes)
        self.proj = nn.ModuleList(ReLUConvBN(c, c, 1, 1, 0) for _ in cell.nodes)
        self.search = [node.is_search_node for node in cell.nodes]
        # With no ordinary node the cell passes pre1(s1) through; a cell grown from it keeps this
        # module (its search node adds nothing forward), so the parent's function is kept.
        self.passthrough: nn.Module | None = None
        if all(self.search):
            self.passthrough = FactorizedReduce(c, c) if cell.reduction else nn.Identity()

    def forward(self, s0: torch.Tensor, s1: torch.Tensor) -> torch.Tensor:
        states = [self.pre0(s0), self.pre1(s1)]  # each (B, C, H, W)
        out: torch.Tensor | None = None
        stop_forward = []
        for node, proj, is_search in zip(self.nodes, self.proj, self.search, strict=True):
            y = node(states)
            states.append(y)
            z = proj(y)
            if is_search:
                # Stop-forward: exactly 0 in value, identity in gradient, so the search node
                # changes nothing the network computes yet still learns from its loss.
                stop_forward.append(z - z.detach())
            else:
                out = z if out is None else out + z
        if out is None:
            assert self.passthrough is not None
            out = self.passthrough(states[1])
        for term in stop_forward:
            out = out + term
        return out  # (B, C, H', W')
