"""The torch supernet: a ``Model`` of a supernet description whose mixed edges a one-shot method
steers between forward passes (all ops mixed, one sampled path, binary gates), plus what every
method measures on it: MAdd costs, the expected MAdd, and sub-networks' accuracy with the
shared weights.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import TensorDataset

from archsearch.nn.mixed import MixedOp, softmax_weights
from archsearch.nn.model import Model
from archsearch.oneshot.costs import MaddTable
from archsearch.oneshot.space import Arch, EdgeKey, edge_keys, primitives_of
from archsearch.space.desc import CELL_INPUTS, ModelDesc
from archsearch.train.profiler import module_madd
from archsearch.train.trainer import evaluate

# Batches of training data that re-estimate batch-norm statistics before a sub-network is
# scored: running statistics accumulated over many paths fit none of them (SPOS).
BN_BATCHES = 4


def path_weights(alpha: torch.Tensor) -> torch.Tensor:
    """A sampled path runs its op unscaled."""
    return torch.ones_like(alpha)


def binary_gates(alpha: torch.Tensor, index: int) -> torch.Tensor:
    """Proxyless' gates: one-hot on ``index`` in value, ``softmax(alpha)`` in gradient (the
    straight-through estimator), so alpha learns from the one path that ran."""
    p = F.softmax(alpha, dim=0)
    hard = F.one_hot(torch.tensor(index, device=alpha.device), len(alpha)).to(p.dtype)
    return hard - p.detach() + p


class Supernet(Model):
    def __init__(self, desc: ModelDesc) -> None:
        super().__init__(desc)
        self.primitives = primitives_of(desc)
        # Edge j of node n reads input j (supernet_desc's layout), so the key names the module.
        self.mixed: dict[EdgeKey, MixedOp] = {
            (ci, ni, j): self.cells[ci].nodes[ni].edges[j] for ci, ni, j in edge_keys(desc)
        }

    # --- steering ----------------------------------------------------------------------------
    def mix(self, weigh: Callable[[torch.Tensor], torch.Tensor] = softmax_weights) -> None:
        """Every op of every edge runs, mixed by ``weigh(alpha)`` (DARTS: softmax)."""
        for op in self.mixed.values():
            op.weigh, op.active = weigh, None

    def use_path(self, arch: Arch) -> None:
        """Only sub-network ``arch`` runs: its ops unscaled, every other edge switched off."""
        chosen = {
            (ci, ni, j): self.primitives.index(p)
            for ci, cell in enumerate(arch)
            for ni, node in enumerate(cell)
            for j, p in node
        }
        for key, op in self.mixed.items():
            op.weigh = path_weights
            op.active = [chosen[key]] if key in chosen else []

    def use_gates(self, indices: dict[EdgeKey, int]) -> None:
        """Proxyless: on every edge only op ``indices[edge]`` runs, behind a binary gate."""
        for key, op in self.mixed.items():
            op.weigh = functools.partial(binary_gates, index=indices[key])
            op.active = [indices[key]]

    def probabilities(self) -> dict[EdgeKey, list[float]]:
        """softmax(alpha) of every edge, as plain numbers."""
        return {k: F.softmax(op.alpha.detach(), 0).cpu().tolist() for k, op in self.mixed.items()}

    # --- MAdd --------------------------------------------------------------------------------
    def madd_table(self) -> MaddTable:
        """Per-edge primitive MAdd from one profiler pass over the whole supernet."""
        self.mix()
        counts = module_madd(self, self.desc.input_shape)
        edges: dict[EdgeKey, dict[str, float]] = {}
        for ci, ni, j in self.mixed:
            prefix = f"cells.{ci}.nodes.{ni}.edges.{j}"
            edges[(ci, ni, j)] = {
                p: float(counts.get(f"{prefix}.ops.{p}", 0)) for p in self.primitives
            }
        spent = sum(sum(costs.values()) for costs in edges.values())
        return MaddTable(base=float(counts[""]) - spent, edges=edges)

    def expected_madd(self, table: MaddTable, k: int) -> torch.Tensor:
        """E[MAdd] of the exported model under softmax(alpha), differentiable in alpha. A node
        keeps ``k`` of its ``m`` edges, so each edge counts with weight ``k / m`` (which edges
        survive is decided at export, not by a distribution)."""
        terms = []
        for (ci, ni, j), op in self.mixed.items():
            m = CELL_INPUTS + ni
            cost = torch.tensor(
                [table.edges[(ci, ni, j)][p] for p in self.primitives], device=op.alpha.device
            )
            terms.append(min(k, m) / m * (F.softmax(op.alpha, 0) * cost).sum())
        return table.base + torch.stack(terms).sum()

    # --- scoring sub-networks ----------------------------------------------------------------
    def recalibrate_bn(self, x: torch.Tensor, batch_size: int) -> None:
        """Re-estimate every batch norm's statistics on the first ``BN_BATCHES`` batches of
        ``x`` for the ops now running (exact averages: momentum None)."""
        norms = [m for m in self.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        momenta = [bn.momentum for bn in norms]
        for bn in norms:
            bn.reset_running_stats()
            bn.momentum = None
        was_training = self.training
        self.train()
        with torch.no_grad():
            for start in range(0, min(len(x), BN_BATCHES * batch_size), batch_size):
                if len(x[start : start + batch_size]) > 1:  # one sample has no batch statistics
                    self(x[start : start + batch_size])
        for bn, momentum in zip(norms, momenta, strict=True):
            bn.momentum = momentum
        self.train(was_training)

    def score_arch(
        self, arch: Arch, calibration: torch.Tensor, data: TensorDataset, batch_size: int
    ) -> tuple[float, float]:
        """(top-1, loss) of sub-network ``arch`` on ``data`` with the shared weights."""
        self.use_path(arch)
        self.recalibrate_bn(calibration, batch_size)
        return evaluate(self, data, batch_size)
