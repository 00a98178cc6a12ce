"""One-shot (weight-sharing) NAS: a supernet over the cell search space, trained by DARTS,
GumbelDARTS, RandomOneShot/SPOS, Proxyless or ENAS, exporting an ordinary ``ModelDesc``.

``space`` and ``costs`` are pure (no torch); the rest is the worker side of a SUPERNET job.
"""

from archsearch.oneshot.costs import MaddTable
from archsearch.oneshot.space import (
    Arch,
    arch_to_desc,
    edge_keys,
    primitives_of,
    random_arch,
    supernet_desc,
    top_k_arch,
)

__all__ = [
    "Arch",
    "MaddTable",
    "arch_to_desc",
    "edge_keys",
    "primitives_of",
    "random_arch",
    "supernet_desc",
    "top_k_arch",
]
