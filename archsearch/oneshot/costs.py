"""MAdd of sub-networks without building them (pure, no torch).

A sub-network's MAdd is the supernet's fixed part (stem, preprocessing, projections, head) plus
the MAdd of the primitive it runs on each kept edge: edges of a cell are independent
convolutions of fixed shapes, so the table profiled once from the supernet prices every
architecture exactly (tests compare it with the profiler on exported models).
"""

from __future__ import annotations

from dataclasses import dataclass

from archsearch.oneshot.space import Arch, EdgeKey


@dataclass
class MaddTable:
    base: float  # MAdd of everything but the mixed edges
    edges: dict[EdgeKey, dict[str, float]]  # MAdd of each primitive on each mixed edge

    def arch_madd(self, arch: Arch) -> float:
        """MAdd of the exported model of ``arch``."""
        return self.base + sum(
            self.edges[(ci, ni, j)][p]
            for ci, cell in enumerate(arch)
            for ni, node in enumerate(cell)
            for j, p in node
        )

    def extreme_arch(self, k: int, largest: bool, exclude: tuple[str, ...] = ("none",)) -> Arch:
        """The cheapest (or dearest) sub-network keeping ``k`` inputs per node: edges of a node
        are chosen independently, so it takes the ``k`` cheapest (dearest) edges, each at its
        cheapest (dearest) primitive."""
        pick = max if largest else min
        cells: dict[int, dict[int, list[tuple[float, int, str]]]] = {}
        for (ci, ni, j), costs in self.edges.items():
            p = pick((q for q in costs if q not in exclude), key=costs.__getitem__)
            cells.setdefault(ci, {}).setdefault(ni, []).append((costs[p], j, p))
        return tuple(
            tuple(
                tuple(sorted((j, p) for _, j, p in sorted(edges, reverse=largest)[:k]))
                for _, edges in sorted(nodes.items())
            )
            for _, nodes in sorted(cells.items())
        )

    def bounds(self, k: int) -> tuple[float, float]:
        """(smallest, largest) MAdd of any sub-network keeping ``k`` inputs per node."""
        return self.arch_madd(self.extreme_arch(k, False)), self.arch_madd(
            self.extreme_arch(k, True)
        )
