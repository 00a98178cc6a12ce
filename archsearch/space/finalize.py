"""Turn search nodes into ordinary nodes from their architecture weights (pure, no torch).

archai ranks candidates by raw weight, so a large negative weight loses to a tiny positive one,
``none`` can win, and one input can be picked twice. Here candidates are ranked by magnitude,
``none`` is never kept, and each input is used at most once per node.
"""

from __future__ import annotations

from archsearch.space.desc import EdgeDesc, ModelDesc, NodeDesc

# (cell index, node index) -> {(input id, primitive): architecture weight}
SearchWeights = dict[tuple[int, int], dict[tuple[int, str], float]]


def top_k_pairs(weights: dict[tuple[int, str], float], k: int) -> list[tuple[int, str]]:
    """The ``k`` strongest (input, primitive) pairs by |weight|, distinct inputs, no ``none``.
    Ties break by input id, then primitive name, so the choice is deterministic."""
    ranked = sorted(
        ((pair, w) for pair, w in weights.items() if pair[1] != "none"),
        key=lambda item: (-abs(item[1]), item[0][0], item[0][1]),
    )
    chosen: list[tuple[int, str]] = []
    used_inputs: set[int] = set()
    for (inp, prim), _ in ranked:
        if inp in used_inputs:
            continue
        chosen.append((inp, prim))
        used_inputs.add(inp)
        if len(chosen) == k:
            break
    return sorted(chosen)


def finalize_desc(desc: ModelDesc, weights: SearchWeights, k: int = 3) -> ModelDesc:
    """Replace every search node by a node with its top-``k`` edges. ``weights`` must cover
    every search node of ``desc``."""
    final = desc.copy()
    for ci, cell in enumerate(final.cells):
        for ni, node in enumerate(cell.nodes):
            if not node.is_search_node:
                continue
            if (ci, ni) not in weights:
                raise KeyError(f"no architecture weights for search node {ni} of cell {ci}")
            pairs = top_k_pairs(weights[(ci, ni)], k)
            if not pairs:
                raise ValueError(f"search node {ni} of cell {ci} has no candidate but 'none'")
            cell.nodes[ni] = NodeDesc(edges=[EdgeDesc(op=p, inputs=[i]) for i, p in pairs])
    return final
