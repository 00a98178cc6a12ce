"""Petridish specifics: parent sampling's madd_weight comes from the config, and no network is
trained twice (duplicates are recognised by their content hash)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from archsearch.config import load_config
from archsearch.errors import ConfigError
from archsearch.hull import state as hull_state
from archsearch.jobs.spec import Stage
from archsearch.strategy.petridish import MAX_FAILED_GROWTHS
from bench.sleep_job import sleep_job
from tests.strategy.conftest import CLASSES
from tests.strategy.harness import Harness

ONE_SEED = {
    "seed_grid": {"reductions": [1], "cells": [3], "nodes": [1]},
    "seed_ops": ["random"],
}


def harness_from(tmp_path, *overrides: str) -> Harness:
    """A Petridish harness whose config comes through a YAML file and --set, as a user's does."""
    path = tmp_path / "conf.yaml"
    path.write_text("strategy:\n  seed_grid: {reductions: [1], cells: [3, 4], nodes: [1]}\n")
    return Harness(CLASSES["petridish"], load_config(path, list(overrides)))


def test_madd_weight_from_the_config_reaches_parent_sampling(tmp_path, monkeypatch):
    used = []
    real = hull_state.sample_parent

    def spy(points, eps, times_sampled, rng, madd_weight=1.0, exclude=None, band=None):
        used.append(madd_weight)
        return real(points, eps, times_sampled, rng, madd_weight, exclude, band)

    monkeypatch.setattr(hull_state, "sample_parent", spy)
    h = harness_from(tmp_path, "strategy.madd_weight=2.5")
    for _ in range(6):
        h.step(1)
    assert used and set(used) == {2.5}
    # Resumed with another value, the config wins over the one saved in the state.
    h.config = load_config(tmp_path / "conf.yaml", ["strategy.madd_weight=0"])
    copy = h.restore_copy()
    used.clear()
    copy.ask(1)
    assert used == [0.0]


def test_a_negative_madd_weight_is_refused():
    with pytest.raises(ConfigError, match="strategy.madd_weight"):
        load_config(None, ["strategy.madd_weight=-1"])


def test_a_parent_is_not_grown_twice_at_once(make_harness):
    h = make_harness("petridish", **ONE_SEED)
    (seed,) = h.submit(h.strategy.ask(4))
    h.finish(seed)
    searches = h.submit(h.strategy.ask(4))
    assert [s.stage for s in searches] == [Stage.SEARCH]  # not four copies of one grown network
    assert h.strategy.ask(4) == []  # its only parent is being grown
    h.finish(searches[0])
    stages = [p.stage for p in h.strategy.ask(4)]
    assert stages == [Stage.POST_TRAIN, Stage.SEARCH]  # search over: it may be drawn again


def test_a_search_that_finalises_to_a_known_network_is_not_trained(make_harness):
    h = make_harness("petridish", **ONE_SEED)
    (seed,) = h.submit(h.strategy.ask(1))
    seed_result = h.finish(seed)
    (search,) = h.submit(h.strategy.ask(1))
    # The search finalises to its parent's network (all it found was what was there).
    h.finish(search, result=dataclasses.replace(sleep_job(search), model_desc=seed.model_desc))
    assert seed_result.model_desc == seed.model_desc
    # No POST_TRAIN of the seed again; the parent, no longer being grown, is grown anew.
    assert [p.stage for p in h.strategy.ask(2)] == [Stage.SEARCH]


def test_two_searches_finalising_alike_train_one_network_also_after_resume(make_harness):
    h = make_harness("petridish", **ONE_SEED)
    (seed,) = h.submit(h.strategy.ask(1))
    h.finish(seed)
    (first,) = h.submit(h.strategy.ask(1))
    found = h.finish(first).model_desc
    (post,) = h.submit(h.strategy.ask(1))
    assert post.stage is Stage.POST_TRAIN and post.model_desc == found
    (second,) = h.submit(h.strategy.ask(1))
    assert second.stage is Stage.SEARCH
    # The second search finds the network the first one found, still in training: dropped.
    h.finish(second, result=dataclasses.replace(sleep_job(second), model_desc=found))
    copy = h.restore_copy()  # a resumed strategy knows the same networks, from the records
    for strategy in (h.strategy, copy):
        assert [p.stage for p in strategy.ask(1)] == [Stage.SEARCH]
    # Once trained, it is still known: a third search finding it again is dropped too.
    h.finish(post)
    (third,) = h.submit(h.strategy.ask(1))
    h.finish(third, result=dataclasses.replace(sleep_job(third), model_desc=found))
    assert all(p.stage is Stage.SEARCH for p in h.strategy.ask(3))


def test_a_parent_whose_growth_fails_twice_is_not_grown_again_also_after_resume(make_harness):
    h = make_harness("petridish", **ONE_SEED)
    (seed,) = h.submit(h.strategy.ask(1))
    h.finish(seed)
    for _ in range(MAX_FAILED_GROWTHS):  # e.g. its weights file is damaged: every child fails
        (search,) = h.submit(h.strategy.ask(1))
        assert search.stage is Stage.SEARCH and search.parent_id == seed.job_id
        h.finish(search, fail=True)
    copy = h.restore_copy()
    for strategy in (h.strategy, copy):
        assert strategy.ask(1) == []  # its only parent is given up: nothing left to grow
        assert "failed to grow" in strategy.stop_reason()


def macro_and_ops(spec) -> tuple:
    macro = spec.model_desc.macro
    return (macro["reductions"], macro["cells"], macro["nodes"], spec.meta["seed_ops"])


def test_every_combination_gets_an_identity_seed_then_a_random_one(make_harness):
    h = make_harness("petridish")  # seed grid: reductions [1], cells [3, 4], nodes [1]
    seeds = [h.submit(h.strategy.ask(1))[0] for _ in range(4)]
    assert [macro_and_ops(s) for s in seeds] == [
        (1, 3, 1, "identity"),
        (1, 4, 1, "identity"),
        (1, 3, 1, "random"),
        (1, 4, 1, "random"),
    ]
    assert all(s.stage is Stage.SEED_TRAIN for s in seeds)
    identity_ops = {
        e.op for s in seeds[:2] for c in s.model_desc.cells for n in c.nodes for e in n.edges
    }
    assert identity_ops == {"skip_connect", "max_pool_3x3"}
    assert h.strategy.ask(1) == []  # seeds all in training: nothing to grow yet


def test_seed_ops_picks_the_kinds_of_seeds(make_harness):
    h = make_harness("petridish", seed_ops=["identity"])
    seeds = h.submit(h.strategy.ask(4))
    assert [macro_and_ops(s) for s in seeds] == [(1, 3, 1, "identity"), (1, 4, 1, "identity")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("[identity, skip]", "strategy.seed_ops"),
        ("[]", "strategy.seed_ops"),
        ("[random, random]", "twice"),
    ],
)
def test_bad_seed_ops_are_refused_naming_the_key_and_the_allowed_kinds(value, expected):
    with pytest.raises(ConfigError, match=expected) as error:
        load_config(None, [f"strategy.seed_ops={value}"])
    if value == "[identity, skip]":
        assert "'identity'" in str(error.value) and "'random'" in str(error.value)


def test_the_seed_queue_survives_a_resume_one_seed_at_a_time(make_harness):
    h = make_harness("petridish")
    (first,) = h.submit(h.strategy.ask(1))
    assert macro_and_ops(first) == (1, 3, 1, "identity")
    copy = h.restore_copy()
    assert copy.state_dict()["seeds_todo"] == [
        [1, 4, 1, "identity"],
        [1, 3, 1, "random"],
        [1, 4, 1, "random"],
    ]
    nxt = copy.ask(1)
    assert len(nxt) == 1 and nxt[0].meta["seed_ops"] == "identity"
    assert nxt[0].model_desc.macro["cells"] == 4


def test_a_state_saved_before_seed_ops_resumes_its_seeds_as_random(make_harness):
    h = make_harness("petridish")
    state = json.loads(json.dumps(h.strategy.state_dict()))
    state["seeds_todo"] = [[1, 4, 1]]  # the form of a run started before seed_ops
    h.strategy.load_state_dict(state)
    (seed,) = h.strategy.ask(1)
    assert seed.meta["seed_ops"] == "random" and seed.model_desc.macro["cells"] == 4


def test_seeds_alike_are_trained_once_and_the_queue_moves_on(make_harness):
    # With no node, an identity seed and a random seed are the same network (same hash).
    h = make_harness("petridish", seed_grid={"reductions": [1], "cells": [3], "nodes": [0, 1]})
    seeds = [p for _ in range(3) for p in h.submit(h.strategy.ask(1))]
    hashes = [s.model_desc.content_hash() for s in seeds]
    assert len(set(hashes)) == 3 == len(seeds)
    assert [macro_and_ops(s) for s in seeds] == [
        (1, 3, 0, "identity"),
        (1, 3, 1, "identity"),
        (1, 3, 1, "random"),
    ]
    assert h.strategy.state_dict()["seeds_todo"] == []
    for spec in seeds:
        h.finish(spec)
    assert [p.stage for p in h.strategy.ask(1)] == [Stage.SEARCH]  # growth starts: not stalled


def test_an_identity_seeds_first_growth_keeps_identity_top_k_pairs(make_harness):
    h = make_harness(
        "petridish",
        seed_grid={"reductions": [1], "cells": [3], "nodes": [1]},
        top_k=3,
        identity_top_k=1,
    )
    identity, random_seed = [h.submit(h.strategy.ask(1))[0] for _ in range(2)]
    h.finish(identity)
    (search,) = h.submit(h.strategy.ask(1))
    assert search.parent_id == identity.job_id and search.meta["top_k"] == 1
    h.finish(random_seed)
    h.finish(search)
    growths = {}
    for _ in range(6):  # post-train the child, then grow every parent in turn
        for spec in h.submit(h.strategy.ask(1)):
            if spec.stage is Stage.SEARCH:
                growths[spec.parent_id] = spec.meta["top_k"]
            h.finish(spec)
    assert growths[random_seed.job_id] == 3
    assert len(growths) >= 3  # the identity seed's child among them: it is no identity seed
    assert all(k == 3 for parent, k in growths.items() if parent != identity.job_id)
