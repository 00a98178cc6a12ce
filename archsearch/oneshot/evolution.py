"""SPOS' evolutionary search over sub-networks (pure, no torch): the fitness is any function of
an architecture (accuracy with inherited supernet weights, in ``spos``), and a filter rejects
candidates before they are scored (a MAdd range). No returned or scored candidate ever fails
the filter.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from archsearch.errors import ConfigError
from archsearch.oneshot.space import NONE, Arch, primitives_of, random_arch, random_node
from archsearch.space.desc import CELL_INPUTS, ModelDesc

# Draws per wanted candidate before the filter is declared (nearly) unsatisfiable.
DRAWS_PER_CANDIDATE = 200


@dataclass
class EvolutionSettings:
    population: int
    generations: int
    parents: int
    mutation_prob: float
    top_k: int


def mutate(rng: random.Random, supernet: ModelDesc, arch: Arch, prob: float, k: int) -> Arch:
    """Each node re-drawn uniformly with probability ``prob``."""
    prims = [p for p in primitives_of(supernet) if p != NONE]
    return tuple(
        tuple(
            random_node(rng, CELL_INPUTS + ni, prims, k) if rng.random() < prob else node
            for ni, node in enumerate(cell)
        )
        for cell in arch
    )


def crossover(rng: random.Random, a: Arch, b: Arch) -> Arch:
    """Each node taken from either parent."""
    return tuple(
        tuple(rng.choice((na, nb)) for na, nb in zip(ca, cb, strict=True))
        for ca, cb in zip(a, b, strict=True)
    )


def _draw(make: Callable[[], Arch], accept: Callable[[Arch], bool], n: int) -> list[Arch]:
    """Up to ``n`` accepted candidates from at most ``n * DRAWS_PER_CANDIDATE`` draws."""
    out: list[Arch] = []
    for _ in range(n * DRAWS_PER_CANDIDATE):
        if len(out) == n:
            break
        arch = make()
        if accept(arch):
            out.append(arch)
    return out


def evolve(
    rng: random.Random,
    supernet: ModelDesc,
    fitness: Callable[[Arch], float],
    accept: Callable[[Arch], bool],
    settings: EvolutionSettings,
) -> Arch:
    """The fittest accepted sub-network found: a random first population, then each generation
    keeps the ``parents`` fittest and fills up with mutations and crossovers of them."""
    k = settings.top_k
    population = _draw(lambda: random_arch(rng, supernet, k), accept, settings.population)
    if not population:
        raise ConfigError(
            f"no sub-network passed the MAdd filter in {settings.population * DRAWS_PER_CANDIDATE}"
            " random draws; widen strategy.madd_min/madd_max"
        )
    scores: dict[Arch, float] = {}
    parents: list[Arch] = []

    def child() -> Arch:
        if len(parents) > 1 and rng.random() < 0.5:
            return crossover(rng, *rng.sample(parents, 2))
        return mutate(rng, supernet, rng.choice(parents), settings.mutation_prob, k)

    for generation in range(settings.generations + 1):
        if generation:
            population = parents + _draw(child, accept, settings.population - len(parents))
        for arch in population:
            if arch not in scores:
                scores[arch] = fitness(arch)
        # dict.fromkeys, not set: a set's order follows string hashing, which changes per process
        ranked = sorted(dict.fromkeys(population), key=scores.__getitem__, reverse=True)
        parents[:] = ranked[: settings.parents]
    return max(scores, key=scores.__getitem__)
