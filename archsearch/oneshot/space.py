"""The one-shot search space as data (pure, no torch): the supernet description, sub-network
architectures, and their export to ordinary descriptions.

A supernet is a ``ModelDesc`` whose node ``i`` of every cell has one ``mixed`` edge per
candidate input (both cell inputs and every earlier node), each over all primitives. A
sub-network (an ``Arch``) keeps, in every node, some candidate inputs with one primitive each;
``arch_to_desc`` turns it into a description that trains as a normal job. Architectures are
per cell (as every description here is), not one normal and one reduction cell tied across the
network as in DARTS.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from archsearch.space.builders import seed_model
from archsearch.space.desc import CELL_INPUTS, EdgeDesc, ModelDesc, NodeDesc

# cell -> node -> ((input id, primitive), ...) sorted by input id; tuples, so it hashes.
NodeArch = tuple[tuple[int, str], ...]
Arch = tuple[tuple[NodeArch, ...], ...]
# (cell, node, input id): one mixed edge of the supernet.
EdgeKey = tuple[int, int, int]

NONE = "none"  # the zero op: it may be a candidate (DARTS), it is never exported


def supernet_desc(
    cells: int,
    reductions: int,
    nodes: int,
    init_channels: int,
    input_shape: tuple[int, int, int],
    num_classes: int,
    primitives: Sequence[str],
) -> ModelDesc:
    """The supernet of a macro: the seed layout (reduction positions, channels, stem) with
    every node reading every candidate input through a ``mixed`` edge over ``primitives``."""
    if not [p for p in primitives if p != NONE]:
        raise ValueError(f"primitives {list(primitives)} offer nothing but {NONE!r}")
    desc = seed_model(
        cells,
        reductions,
        nodes,
        init_channels=init_channels,
        num_classes=num_classes,
        input_shape=input_shape,
    )
    for cell in desc.cells:
        cell.nodes = [
            NodeDesc(
                edges=[
                    EdgeDesc(op="mixed", inputs=[j], params={"primitives": list(primitives)})
                    for j in range(CELL_INPUTS + n)
                ]
            )
            for n in range(nodes)
        ]
    return desc


def edge_keys(supernet: ModelDesc) -> list[EdgeKey]:
    """Every mixed edge, in model order (cell, node, input)."""
    return [
        (ci, ni, edge.inputs[0])
        for ci, cell in enumerate(supernet.cells)
        for ni, node in enumerate(cell.nodes)
        for edge in node.edges
    ]


def primitives_of(supernet: ModelDesc) -> list[str]:
    """The candidate primitives (every mixed edge of a supernet offers the same ones)."""
    return list(supernet.cells[0].nodes[0].edges[0].params["primitives"])


def arch_to_desc(supernet: ModelDesc, arch: Arch) -> ModelDesc:
    """The ordinary description of sub-network ``arch`` of ``supernet``."""
    if len(arch) != len(supernet.cells):
        raise ValueError(f"architecture has {len(arch)} cells, the supernet {len(supernet.cells)}")
    desc = supernet.copy()
    for cell, cell_arch in zip(desc.cells, arch, strict=True):
        if len(cell_arch) != len(cell.nodes):
            raise ValueError(
                f"architecture cell has {len(cell_arch)} nodes, the supernet {len(cell.nodes)}"
            )
        cell.nodes = [
            NodeDesc(edges=[EdgeDesc(op=p, inputs=[j]) for j, p in node]) for node in cell_arch
        ]
    return desc


def top_k_arch(supernet: ModelDesc, weights: Mapping[EdgeKey, Sequence[float]], k: int = 2) -> Arch:
    """DARTS' discretisation: on every edge the strongest primitive other than ``none``, and
    in every node the ``k`` edges whose chosen primitive is strongest (all if fewer). Ties
    break towards the lower input id, then the earlier primitive, so the export is stable."""
    prims = primitives_of(supernet)
    cells = []
    for ci, cell in enumerate(supernet.cells):
        nodes = []
        for ni in range(len(cell.nodes)):
            best = []
            for j in range(CELL_INPUTS + ni):
                w = weights[(ci, ni, j)]
                p = max((i for i, name in enumerate(prims) if name != NONE), key=lambda i: w[i])
                best.append((-float(w[p]), j, prims[p]))
            nodes.append(tuple(sorted((j, p) for _, j, p in sorted(best)[:k])))
        cells.append(tuple(nodes))
    return tuple(cells)


def random_arch(rng: random.Random, supernet: ModelDesc, k: int = 2) -> Arch:
    """A uniform sub-network: in every node ``k`` distinct inputs (all if fewer), each with a
    primitive other than ``none`` (SPOS' uniform single-path sampling over this space)."""
    prims = [p for p in primitives_of(supernet) if p != NONE]
    return tuple(
        tuple(random_node(rng, CELL_INPUTS + ni, prims, k) for ni in range(len(cell.nodes)))
        for cell in supernet.cells
    )


def random_node(rng: random.Random, candidates: int, prims: Sequence[str], k: int) -> NodeArch:
    inputs = rng.sample(range(candidates), min(k, candidates))
    return tuple(sorted((j, rng.choice(list(prims))) for j in inputs))
