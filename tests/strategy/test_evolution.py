"""Regularized evolution: warm-up, tournaments, mutations, aging."""

from __future__ import annotations

import pytest

from archsearch.config import load_config
from archsearch.errors import ConfigError
from archsearch.jobs.spec import Stage
from archsearch.strategy.evolution import RegularizedEvolution
from tests.strategy.conftest import make_config
from tests.strategy.harness import mutation_kind


def test_warm_up_is_random_and_counts_models_in_flight(make_harness):
    h = make_harness("evolution")  # population 4
    first = h.strategy.ask(10)
    assert len(first) == 4  # the whole warm-up in flight: nothing to mutate yet
    assert all(p.parent_id is None and p.stage is Stage.TRAIN and not p.meta for p in first)
    h.submit(first)
    assert h.strategy.ask(3) == []
    h.finish_oldest()
    (child,) = h.strategy.ask(1)  # population 1 + 3 in flight: a child of the only member
    assert child.parent_id == 1


def test_a_failed_warm_up_model_is_replaced_and_never_joins(make_harness):
    h = make_harness("evolution")
    h.submit(h.strategy.ask(4))
    h.finish_oldest(fail=True)
    (again,) = h.strategy.ask(5)
    assert again.parent_id is None  # a random model takes the failed one's place
    assert 1 not in h.strategy.population


def test_population_ages_and_children_come_from_it_by_one_mutation(make_harness):
    h = make_harness("evolution", population=4, sample_size=2)
    strategy = h.strategy
    assert isinstance(strategy, RegularizedEvolution)
    kinds = set()
    for k in range(40):
        before = list(strategy.population)
        proposals = strategy.ask(2)
        for p in proposals:
            if p.parent_id is None:
                continue
            assert p.parent_id in before  # tournaments sample the current population
            parent = h.history.result(p.parent_id).model_desc
            assert mutation_kind(parent, p.model_desc) == p.meta["mutation"]
            kinds.add(p.meta["mutation"])
        h.submit(proposals)
        spec = h.in_flight[0]
        before = list(strategy.population)
        result = h.finish(spec, fail=k % 7 == 6)
        after = list(strategy.population)
        assert len(after) <= 4
        if not result.ok:
            assert after == before
        elif len(before) == 4:
            assert after == [*before[1:], spec.job_id]  # the oldest dies, not the worst
        else:
            assert after == [*before, spec.job_id]
    assert len(strategy.population) == 4
    assert kinds == {"op", "input", "insert_node"}


def test_tournament_parent_is_the_best_sampled_member(make_harness):
    # A sample far larger than the population contains every member (with replacement,
    # missing one has probability (3/4)**64), so the parent is the population's best.
    h = make_harness("evolution", population=4, sample_size=64)
    h.submit(h.strategy.ask(4))
    while h.in_flight:
        h.finish_oldest()
    best = max(h.strategy.population, key=lambda i: h.strategy.score(h.history.result(i)))
    assert {p.parent_id for p in h.strategy.ask(5)} == {best}


def test_insert_node_stops_at_the_deepest_cells_of_the_space(make_harness):
    h = make_harness(
        "evolution",
        mutations=["insert_node", "op"],
        space={"reductions": [1], "cells": [3], "nodes": [2]},
    )
    h.submit(h.strategy.ask(4))
    while h.in_flight:
        h.finish_oldest()
    children = h.strategy.ask(8)
    assert {p.meta["mutation"] for p in children} == {"op"}  # insert_node would leave the space
    assert all(p.model_desc.macro["nodes"] == 2 for p in children)


def test_empty_mutation_list_is_a_config_error():
    with pytest.raises(ConfigError, match="strategy.mutations"):
        load_config(None, ["strategy.name=evolution", "strategy.mutations=[]"])


def test_another_strategys_section_is_a_config_error():
    with pytest.raises(ConfigError, match=r"'evolution'.*'random'"):
        RegularizedEvolution(make_config("random"), None)  # type: ignore[arg-type]
