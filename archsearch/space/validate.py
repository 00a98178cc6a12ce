"""What makes a ``ModelDesc`` buildable, checked without torch: types, ids, ops and sizes.

Every description that enters from outside (a ``model.json``, a store row, a job spec) passes
``check_desc`` in ``ModelDesc.from_dict``; ``Model`` checks again for descriptions built in
Python. A failure is a ``ModelDescError`` that says where (``cells[2].nodes[0].edges[1].inputs``)
and what was expected, never a ``KeyError`` or an allocation that exhausts memory.

The limits refuse descriptions that would exhaust a machine before training starts, and sit far
above any network of this space that trains in reasonable time (DARTS on ImageNet: 14 cells,
4.7M parameters; archai's Petridish: 8 cells, a few nodes each).
"""

from __future__ import annotations

import reprlib
from typing import Any

from archsearch.errors import ModelDescError
from archsearch.space.desc import CELL_INPUTS, CellDesc, EdgeDesc, ModelDesc, NodeDesc
from archsearch.space.primitives import COMPOSITE_OPS, PRIMITIVES

MAX_INPUT_CHANNELS = 64  # C of one sample
MAX_INPUT_SIDE = 1024  # H and W of one sample; activations grow with H x W x batch size
MAX_CLASSES = 100_000
MIN_CHANNELS = 2  # a cell's channels: FactorizedReduce splits them over two convolutions
MAX_CHANNELS = 4096  # channels of the stem or of any cell
MAX_CELLS = 100
MAX_NODES = 64  # per cell
MAX_EDGES = 64  # per node
MAX_OPS = 50_000  # op modules in the network: a composite edge has inputs x primitives of them
MAX_PARAMS = 200_000_000  # 0.8 GB of float32 weights, ~3 GB with gradients and SGD momentum

# Primitive -> (separable blocks, kernel): each block is a depthwise k x k conv, a pointwise
# conv and a BN (``nn.ops.DilConv``; a SepConv is two of them). Pools and ``none`` have no weights.
_CONV_BLOCKS = {
    "sep_conv_3x3": (2, 3),
    "sep_conv_5x5": (2, 5),
    "dil_conv_3x3": (1, 3),
    "dil_conv_5x5": (1, 5),
}

_show = reprlib.Repr()
_show.maxstring = _show.maxother = _show.maxlong = 40


def check_desc(desc: ModelDesc) -> None:
    """Raise ``ModelDescError`` unless ``Model(desc)`` can be built within the limits above."""
    shape = desc.input_shape
    if not isinstance(shape, tuple | list) or len(shape) != 3:
        raise ModelDescError(f"input_shape is {_show.repr(shape)}; expected [C, H, W]")
    _int(shape[0], "input_shape[0] (channels)", 1, MAX_INPUT_CHANNELS)
    _int(shape[1], "input_shape[1] (height)", 1, MAX_INPUT_SIDE)
    _int(shape[2], "input_shape[2] (width)", 1, MAX_INPUT_SIDE)
    _int(desc.num_classes, "num_classes", 1, MAX_CLASSES)
    _int(desc.stem_channels, "stem_channels", 1, MAX_CHANNELS)
    if not isinstance(desc.macro, dict) or not all(
        isinstance(k, str) and _is_int(v) for k, v in desc.macro.items()
    ):
        raise ModelDescError(f"macro is {_show.repr(desc.macro)}; expected names -> integers")
    _sized_list(desc.cells, "cells", 1, MAX_CELLS)
    for ci, cell in enumerate(desc.cells):
        if not isinstance(cell, CellDesc):
            raise ModelDescError(f"cells[{ci}] is {_show.repr(cell)}; expected a CellDesc")
        _check_cell(cell, f"cells[{ci}]")
    ops = count_ops(desc)
    if ops > MAX_OPS:
        raise ModelDescError(f"the network has {ops} ops; the limit is {MAX_OPS}")
    params = count_params(desc)
    if params > MAX_PARAMS:
        raise ModelDescError(
            f"the network has {params:.3g} parameters; the limit is {MAX_PARAMS:.3g}"
        )


def _check_cell(cell: CellDesc, where: str) -> None:
    if not isinstance(cell.reduction, bool):
        raise ModelDescError(f"{where}.reduction is {_show.repr(cell.reduction)}; expected a bool")
    _int(cell.channels, f"{where}.channels", MIN_CHANNELS, MAX_CHANNELS)
    _sized_list(cell.nodes, f"{where}.nodes", 0, MAX_NODES)
    for ni, node in enumerate(cell.nodes):
        at = f"{where}.nodes[{ni}]"
        if not isinstance(node, NodeDesc):
            raise ModelDescError(f"{at} is {_show.repr(node)}; expected a NodeDesc")
        _sized_list(node.edges, f"{at}.edges", 1, MAX_EDGES)
        for ei, edge in enumerate(node.edges):
            if not isinstance(edge, EdgeDesc):
                raise ModelDescError(
                    f"{at}.edges[{ei}] is {_show.repr(edge)}; expected an EdgeDesc"
                )
            _check_edge(edge, f"{at}.edges[{ei}]", CELL_INPUTS + ni)


def _check_edge(edge: EdgeDesc, where: str, node_id: int) -> None:
    if not isinstance(edge.op, str) or edge.op not in (*PRIMITIVES, *COMPOSITE_OPS):
        raise ModelDescError(
            f"{where}.op: unknown op {_show.repr(edge.op)}; known: "
            + ", ".join((*PRIMITIVES, *COMPOSITE_OPS))
        )
    # Only earlier ids: a node reading itself or a later node would be a cycle.
    _sized_list(edge.inputs, f"{where}.inputs", 1, node_id)
    for i in edge.inputs:
        _int(i, f"{where}.inputs", 0, node_id - 1)
    if not isinstance(edge.params, dict):
        raise ModelDescError(f"{where}.params is {_show.repr(edge.params)}; expected an object")
    if edge.op in PRIMITIVES:
        if len(edge.inputs) != 1 or edge.params:
            raise ModelDescError(
                f"{where}: op {edge.op!r} reads exactly one input and takes no params; got "
                f"inputs {_show.repr(edge.inputs)}, params {_show.repr(edge.params)}"
            )
        return
    if edge.op == "mixed" and len(edge.inputs) != 1:
        raise ModelDescError(f"{where}: a mixed edge reads one input; got {edge.inputs}")
    if len(set(edge.inputs)) != len(edge.inputs):
        raise ModelDescError(f"{where}.inputs {edge.inputs} repeat an input")
    prims = edge.params.get("primitives")
    if (
        set(edge.params) != {"primitives"}
        or not isinstance(prims, list)
        or not prims
        or not all(isinstance(p, str) and p in PRIMITIVES for p in prims)
        or len(set(prims)) != len(prims)
    ):
        raise ModelDescError(
            f"{where}.params is {_show.repr(edge.params)}; a {edge.op} edge takes "
            f"{{'primitives': [distinct names of {', '.join(PRIMITIVES)}]}}"
        )


def count_ops(desc: ModelDesc) -> int:
    """Op modules of the network's edges (a composite edge: one per input and primitive)."""
    return sum(
        len(e.inputs) * len(e.params["primitives"]) if e.op in COMPOSITE_OPS else 1
        for cell in desc.cells
        for node in cell.nodes
        for e in node.edges
    )


def count_params(desc: ModelDesc) -> int:
    """The number of parameters ``Model(desc)`` has, computed without building it. It mirrors
    the constructors in ``archsearch.nn`` (a test pins it to the real count), so a description
    is costed before anything is allocated."""
    c_in = desc.input_shape[0]
    stem = desc.stem_channels
    total = c_in * stem * 9 + 2 * stem  # 3x3 conv without bias, BN
    c_pp = c_p = stem
    for cell in desc.cells:
        total += _cell_params(cell, c_pp, c_p)
        c_pp, c_p = c_p, cell.channels
    return total + c_p * desc.num_classes + desc.num_classes  # linear head


def _cell_params(cell: CellDesc, c_pp: int, c_p: int) -> int:
    c = cell.channels
    total = (c_pp + c_p) * c + 4 * c  # pre0 and pre1: 1x1 convs (or FactorizedReduce) + BN
    search = [any(e.op == "petridish" for e in node.edges) for node in cell.nodes]
    total += len(cell.nodes) * (c * c + 2 * c)  # one 1x1 projection + BN per node
    if all(search) and cell.reduction:  # the passthrough FactorizedReduce
        total += c * c + 2 * c
    for node in cell.nodes:
        for e in node.edges:
            strides = [2 if cell.reduction and i < CELL_INPUTS else 1 for i in e.inputs]
            if e.op in COMPOSITE_OPS:  # per input: affine=False ops, one alpha per primitive
                prims = e.params["primitives"]
                total += sum(
                    len(prims) + sum(_op_params(p, c, s, affine=False) for p in prims)
                    for s in strides
                )
            else:
                total += _op_params(e.op, c, strides[0], affine=True)
    return total


def _op_params(primitive: str, c: int, stride: int, affine: bool) -> int:
    bn = 2 * c if affine else 0
    if primitive == "skip_connect":
        return 0 if stride == 1 else c * c + bn  # FactorizedReduce at stride 2
    blocks, k = _CONV_BLOCKS.get(primitive, (0, 0))
    return blocks * (c * k * k + c * c + bn)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int(value: Any, where: str, lo: int, hi: int) -> None:
    if not _is_int(value) or not lo <= value <= hi:
        raise ModelDescError(f"{where} is {_show.repr(value)}; expected an integer in [{lo}, {hi}]")


def _sized_list(value: Any, where: str, lo: int, hi: int) -> None:
    if not isinstance(value, list):
        raise ModelDescError(f"{where} is {_show.repr(value)}; expected a list")
    if not lo <= len(value) <= hi:
        raise ModelDescError(f"{where} has {len(value)} entries; expected {lo} to {hi}")
