"""PyTorch side of archsearch: the op registry, cells and the ``Model`` of a ``ModelDesc``,
the DARTS mixed op and the Petridish search op, finalisation and weight inheritance."""

from archsearch.nn.cell import COMPOSITE_OPS, Cell, build_edge
from archsearch.nn.finalize import finalize, finalized_state_dict, search_weights
from archsearch.nn.inherit import inherit_weights
from archsearch.nn.mixed import MixedOp
from archsearch.nn.model import Model
from archsearch.nn.ops import OPS, FactorizedReduce, ReLUConvBN, make_op
from archsearch.nn.petridish import ALPHA_INIT, PetridishOp

__all__ = [
    "ALPHA_INIT",
    "COMPOSITE_OPS",
    "OPS",
    "Cell",
    "FactorizedReduce",
    "MixedOp",
    "Model",
    "PetridishOp",
    "ReLUConvBN",
    "build_edge",
    "finalize",
    "finalized_state_dict",
    "inherit_weights",
    "make_op",
    "search_weights",
]
