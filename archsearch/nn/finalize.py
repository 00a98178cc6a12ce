"""Finalise a searched model: read its Petridish weights, pick the top-k pairs, warm-start.

The ranking itself (by |alpha|, never ``none``, distinct inputs) is ``space.finalize``'s; this
module only moves numbers between the torch model and that pure code.

Warm-start mapping. ``finalize_desc`` turns search node ``n`` of cell ``i`` into a node whose
edge ``e`` is the ``e``-th chosen ``(j, p)`` pair (sorted). The finalised edge's tensors come
from that candidate's op in the search model::

    cells.{i}.nodes.{n}.edges.{e}.<rest>  <-  cells.{i}.nodes.{n}.edges.{s}.ops.{j}_{p}.<rest>

where ``s`` is the search node's Petridish edge that offered ``(j, p)``. Every other name maps
to itself (stem, preprocessing, other nodes, ``proj.{n}``, head). A tensor is copied only where
the name exists and the shapes agree; the rest keep a fresh model's initial values. Search ops
use ``affine=False`` BN, so the finalised BN's scale and shift start at 1 and 0 while the conv
weights and running stats carry over. alpha is not folded in: the node's projection ends in BN,
which absorbs the scale during post-training.
"""

from __future__ import annotations

import logging

import torch

from archsearch.nn.model import Model
from archsearch.nn.petridish import op_key
from archsearch.space.desc import ModelDesc
from archsearch.space.finalize import SearchWeights, finalize_desc

log = logging.getLogger(__name__)


def search_weights(model: Model) -> SearchWeights:
    """The architecture weights of every search node, keyed ``(cell, node) -> {(j, p): alpha}``."""
    weights: SearchWeights = {}
    for ci, ni, op in model.petridish_ops():
        weights.setdefault((ci, ni), {}).update(op.weights())
    return weights


def finalize(desc: ModelDesc, model: Model, k: int = 3) -> ModelDesc:
    """``desc`` (the description ``model`` was built from) with every search node replaced by
    its top-``k`` (input, primitive) pairs, ranked on the model's current alphas."""
    return finalize_desc(desc, search_weights(model), k)


def _renames(search_desc: ModelDesc, final_desc: ModelDesc) -> dict[str, str]:
    """Finalised-edge prefix -> search-op prefix, for every finalised search node."""
    if len(search_desc.cells) != len(final_desc.cells):
        raise ValueError(
            f"final description has {len(final_desc.cells)} cells, the search model "
            f"{len(search_desc.cells)}"
        )
    renames = {}
    for ci, cell in enumerate(search_desc.cells):
        for ni, node in enumerate(cell.nodes):
            if not node.is_search_node:
                continue
            offered = {
                (j, p): s
                for s, edge in enumerate(node.edges)
                if edge.op == "petridish"
                for j in edge.inputs
                for p in edge.params["primitives"]
            }
            for e, edge in enumerate(final_desc.cells[ci].nodes[ni].edges):
                pair = (edge.inputs[0], edge.op)
                if pair not in offered:
                    raise ValueError(f"cell {ci} node {ni}: {pair} was not a search candidate")
                renames[f"cells.{ci}.nodes.{ni}.edges.{e}."] = (
                    f"cells.{ci}.nodes.{ni}.edges.{offered[pair]}.ops.{op_key(*pair)}."
                )
    return renames


def _source_name(name: str, renames: dict[str, str]) -> str:
    for target, source in renames.items():
        if name.startswith(target):
            return source + name[len(target) :]
    return name


def finalized_state_dict(search_model: Model, final_desc: ModelDesc) -> dict[str, torch.Tensor]:
    """A complete state_dict for ``Model.from_desc(final_desc)`` (loads with ``strict=True``):
    every tensor that maps from ``search_model`` (see the module docstring) is copied from it,
    the rest are a fresh model's initial values. The caller's RNG stream is left untouched."""
    source = search_model.state_dict()
    device = search_model.head.weight.device
    with torch.random.fork_rng(devices=[]):
        fresh = Model.from_desc(final_desc).state_dict()
    renames = _renames(search_model.desc, final_desc)
    out, moved = {}, 0
    for name, init in fresh.items():
        tensor = source.get(_source_name(name, renames))
        if tensor is not None and tensor.shape == init.shape:
            out[name], moved = tensor.detach().clone(), moved + 1
        else:
            out[name] = init.to(device)
    log.debug("finalised model: %d of %d tensors warm-started from the search", moved, len(out))
    return out
