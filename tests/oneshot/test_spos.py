"""SPOS' evolution and its MAdd filter: nothing outside the range is ever scored or returned."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archsearch.config import DataConfig
from archsearch.data import load_data
from archsearch.errors import ConfigError
from archsearch.nn import Model
from archsearch.oneshot.costs import MaddTable
from archsearch.oneshot.evolution import EvolutionSettings, evolve
from archsearch.oneshot.space import Arch, arch_to_desc, edge_keys, supernet_desc
from archsearch.train import profile
from tests.oneshot.conftest import PAIRS, build_method

PRIMS = ["skip_connect", "max_pool_3x3", "sep_conv_3x3"]
SUPERNET = supernet_desc(2, 0, 3, 4, (1, 8, 8), 10, PRIMS)  # pure: no torch here


@settings(max_examples=40, deadline=None)
@given(
    costs=st.lists(st.integers(0, 1000), min_size=3, max_size=3),
    bounds=st.tuples(st.integers(0, 6000), st.integers(0, 6000)).map(sorted),
    k=st.integers(1, 2),
    seed=st.integers(0, 2**16),
)
def test_filter_never_lets_a_candidate_outside_the_madd_range(costs, bounds, k, seed):
    rng = random.Random(seed)
    table = MaddTable(
        base=100.0,
        edges={
            key: {p: float(c * rng.randint(1, 3)) for p, c in zip(PRIMS, costs, strict=True)}
            for key in edge_keys(SUPERNET)
        },
    )
    low, high = bounds

    def in_range(arch: Arch) -> bool:
        return low <= table.arch_madd(arch) <= high

    scored: list[Arch] = []

    def fitness(arch: Arch) -> float:
        scored.append(arch)
        return rng.random()

    spec = EvolutionSettings(population=6, generations=3, parents=2, mutation_prob=0.5, top_k=k)
    try:
        best = evolve(rng, SUPERNET, fitness, in_range, spec)
    except ConfigError:
        assert not scored  # it gave up before scoring anything
        return
    assert in_range(best) and best in scored
    assert all(in_range(a) for a in scored)


def test_evolution_finds_the_fittest_sub_network():
    """Fitness = number of sep_conv edges: the evolution should reach the all-conv network."""
    table = MaddTable(base=0.0, edges={k: dict.fromkeys(PRIMS, 0.0) for k in edge_keys(SUPERNET)})
    spec = EvolutionSettings(population=12, generations=8, parents=4, mutation_prob=0.3, top_k=1)
    best = evolve(
        random.Random(0),
        SUPERNET,
        lambda a: sum(p == "sep_conv_3x3" for c in a for n in c for _, p in n),
        lambda a: table.arch_madd(a) >= 0,
        spec,
    )
    assert all(p == "sep_conv_3x3" for c in best for n in c for _, p in n), best


def test_spos_export_respects_the_madd_range_by_the_profiler():
    data = load_data(DataConfig.model_validate({**PAIRS, "synthetic_samples": 200}))
    probe = build_method("random_oneshot", {"epochs": 1}, {})
    low, high = probe.madd.bounds(1)
    cap = low + 0.3 * (high - low)  # excludes the separable conv on the kept edge
    method = build_method(
        "random_oneshot",
        {"epochs": 1, "batch_size": 32},
        {"madd_max": cap, "population": 4, "generations": 1, "parents": 2},
    )
    arch = method.fit(data).arch
    desc = arch_to_desc(method.supernet.desc, arch)
    assert profile(Model.from_desc(desc), desc.input_shape).madd <= cap
    assert all(p != "sep_conv_3x3" for c in arch for n in c for _, p in n)


def test_an_impossible_madd_range_fails_before_training_with_the_reason():
    with pytest.raises(ConfigError, match=r"madd_max=1.0 .* this supernet's sub-networks have"):
        build_method("random_oneshot", {"epochs": 1}, {"madd_max": 1.0})
