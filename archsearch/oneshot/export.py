"""Export a sub-network of a trained supernet: its description and its inherited weights.

The exported edge ``e`` of node ``n`` is the ``e``-th ``(j, p)`` pair of the node's
architecture; its tensors come from primitive ``p`` of the supernet edge that reads input
``j``::

    cells.{i}.nodes.{n}.edges.{e}.<rest>  <-  cells.{i}.nodes.{n}.edges.{j}.ops.{p}.<rest>

Every other name (stem, preprocessing, projections, head) maps to itself. Supernet ops use
``affine=False`` batch norm, so exported BN scales and shifts start at 1 and 0 while the conv
weights and running statistics carry over.
"""

from __future__ import annotations

import torch

from archsearch.nn.inherit import inherit_weights
from archsearch.nn.model import Model
from archsearch.oneshot.space import Arch, arch_to_desc
from archsearch.oneshot.supernet import Supernet
from archsearch.space.desc import ModelDesc


def _renamed(supernet: Supernet, arch: Arch) -> dict[str, torch.Tensor]:
    """The supernet's tensors under the exported model's names (unused ops dropped)."""
    sources = {}
    for ci, cell in enumerate(arch):
        for ni, node in enumerate(cell):
            for e, (j, p) in enumerate(node):
                sources[f"cells.{ci}.nodes.{ni}.edges.{j}.ops.{p}."] = (
                    f"cells.{ci}.nodes.{ni}.edges.{e}."
                )
    out = {}
    for name, tensor in supernet.state_dict().items():
        if ".edges." not in name:
            out[name] = tensor
            continue
        for source, target in sources.items():
            if name.startswith(source):
                out[target + name[len(source) :]] = tensor
    return out


def export(supernet: Supernet, arch: Arch) -> tuple[ModelDesc, Model]:
    """The ordinary description of ``arch`` and its model, warm-started from the supernet
    wherever names and shapes agree (on the CPU; the caller's RNG stream is left alone)."""
    desc = arch_to_desc(supernet.desc, arch)
    with torch.random.fork_rng(devices=[]):
        model = Model.from_desc(desc)
    inherit_weights(model, {k: v.detach().cpu() for k, v in _renamed(supernet, arch).items()})
    return desc, model
