"""Hypothesis strategies for hostile model descriptions: real seed (and grown) descriptions as
JSON trees, mutated a few times: keys deleted or added, values swapped for other types or absurd
sizes, edges made to read themselves or later nodes, unknown ops, negative ids, lists blown up.
Shared by the tests of ``ModelDesc.from_dict``, ``Model.from_desc`` and ``archsearch train``."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from archsearch.space.builders import insert_node, seed_model
from archsearch.space.desc import CellDesc, EdgeDesc, ModelDesc, NodeDesc

MACROS = [(1, 0, 0), (1, 0, 1), (3, 1, 1), (3, 1, 2), (5, 2, 1)]
# Values a field may be swapped for: other types, edge cases, and sizes no machine can hold.
ODD_VALUES = [
    None,
    True,
    "16",
    "",
    1.5,
    float("nan"),
    [],
    {},
    [[]],
    -1,
    0,
    1,
    2,
    3,
    10**6,
    10**12,
    2**63,
    -(2**63),
]
ODD_OPS = ["conv_9x9", "", "SEP_CONV_3X3", "petridish", "mixed", "none", "__class__"]


@st.composite
def _path(draw: st.DrawFn, tree: Any) -> tuple:
    """A path to some value inside ``tree``, by a random walk from the root (enumerating every
    path would cost as much as the tree is large)."""
    path: tuple = ()
    node = tree
    # Going one level deeper 3 times in 4 reaches the edges as often as the top-level keys.
    while isinstance(node, dict | list) and node and (not path or draw(st.integers(0, 3))):
        key = draw(st.sampled_from(list(node) if isinstance(node, dict) else range(len(node))))
        path, node = (*path, key), node[key]
    assume(path)
    return path


def _edges(doc: dict) -> list[tuple[dict, int]]:
    """Every edge dict with the id of the node it belongs to."""
    try:
        return [
            (edge, 2 + ni)
            for cell in doc["cells"]
            for ni, node in enumerate(cell["nodes"])
            for edge in node["edges"]
            if isinstance(edge, dict)
        ]
    except (KeyError, TypeError):
        return []


@st.composite
def mutate(draw: st.DrawFn, doc: dict, grow: bool) -> dict:
    """``doc`` with one hostile change; ``grow`` allows lists blown up by repetition."""
    doc = copy.deepcopy(doc)
    kinds = ["delete", "swap", "add_key", "cycle", "op", "huge"] + (["blow_up"] * grow)
    kind = draw(st.sampled_from(kinds))
    edges = _edges(doc)
    if kind in ("cycle", "op") and edges:
        edge, node_id = draw(st.sampled_from(edges))
        if kind == "cycle":  # read itself, a later node, or a negative id
            edge["inputs"] = [draw(st.sampled_from([node_id, node_id + 1, node_id + 40, -1]))]
        else:
            edge["op"] = draw(st.sampled_from(ODD_OPS))
        return doc
    if kind == "huge":  # an absurd size where a size belongs
        key = draw(st.sampled_from(["stem_channels", "num_classes", "cells"]))
        if key == "cells" and grow and isinstance(doc.get("cells"), list) and doc["cells"]:
            doc["cells"] = doc["cells"] * 10_000
        elif isinstance(doc.get("cells"), list) and doc["cells"] and draw(st.booleans()):
            cell = draw(st.sampled_from(doc["cells"]))
            if isinstance(cell, dict):
                cell["channels"] = draw(st.sampled_from([10**6, 5000, 10**9]))
        else:
            doc[key] = draw(st.sampled_from([10**6, 10**9]))
        return doc
    path = draw(_path(doc))
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if kind == "delete":
        del parent[last]
    elif kind == "swap":
        parent[last] = draw(st.sampled_from(ODD_VALUES))
    elif kind == "add_key" and isinstance(parent, dict):
        parent[draw(st.sampled_from(["extra", "weights", "__proto__"]))] = 1
    elif kind == "blow_up" and isinstance(parent[last], list):
        parent[last] = parent[last] * 500
    return doc


@st.composite
def seed_docs(draw: st.DrawFn, input_shape=(3, 8, 8), num_classes=4) -> dict:
    """A real description as its JSON tree: a seed, grown by one search node or not."""
    cells, reductions, nodes = draw(st.sampled_from(MACROS))
    desc = seed_model(
        cells,
        reductions,
        nodes,
        init_channels=draw(st.sampled_from([2, 4])),
        num_classes=num_classes,
        input_shape=input_shape,
        seed=draw(st.integers(0, 1000)),
    )
    if draw(st.booleans()):
        desc = insert_node(desc)
    return desc.to_dict()


@st.composite
def hostile_docs(draw: st.DrawFn, input_shape=(3, 8, 8), num_classes=4) -> dict:
    """A seed description with 1 to 3 hostile changes; only the last may blow a list up (a list
    repeated again and again would be a tree too large to walk)."""
    doc = draw(seed_docs(input_shape, num_classes))
    changes = draw(st.integers(1, 3))
    for i in range(changes):
        doc = draw(mutate(doc, grow=i == changes - 1))
    return doc


def unchecked(doc: Any) -> ModelDesc:
    """The objects ``from_dict`` would build from ``doc``, without its checks (the way Python
    code can build a bad description); a tree too broken to build objects from is skipped."""
    try:
        return ModelDesc(
            input_shape=tuple(doc["input_shape"]),
            num_classes=doc["num_classes"],
            stem_channels=doc["stem_channels"],
            cells=[
                CellDesc(
                    reduction=c["reduction"],
                    channels=c["channels"],
                    nodes=[
                        NodeDesc(
                            edges=[
                                EdgeDesc(op=e["op"], inputs=e["inputs"], params=e["params"])
                                for e in n["edges"]
                            ]
                        )
                        for n in c["nodes"]
                    ],
                )
                for c in doc["cells"]
            ],
            macro=doc.get("macro", {}),
        )
    except (KeyError, TypeError, AttributeError):
        assume(False)
        raise
