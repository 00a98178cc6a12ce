"""Random search: macros only from the space, never the same description twice."""

from __future__ import annotations

from archsearch.jobs.spec import Stage
from archsearch.space.mutations import macro_grid


def macro(desc) -> tuple[int, int, int]:
    return desc.macro["reductions"], desc.macro["cells"], desc.macro["nodes"]


def test_macros_come_only_from_the_space_and_cover_it(make_harness):
    # reductions=2 needs 5 cells: every (2, c, n) here is invalid and must never be drawn.
    h = make_harness("random", space={"reductions": [1, 2], "cells": [3, 4], "nodes": [1, 2]})
    proposals = h.strategy.ask(60)
    assert len(proposals) == 60
    assert all(p.stage is Stage.TRAIN and p.parent_id is None for p in proposals)
    drawn = {macro(p.model_desc) for p in proposals}
    assert (
        drawn
        == set(macro_grid(h.config.strategy.space))
        == {(1, 3, 1), (1, 3, 2), (1, 4, 1), (1, 4, 2)}
    )


def test_no_description_is_proposed_twice(make_harness):
    h = make_harness("random")
    hashes = []
    for _ in range(10):
        proposals = h.strategy.ask(4)
        hashes += [p.model_desc.content_hash() for p in proposals]
        h.submit(proposals)
        h.finish_oldest()
    assert len(hashes) == 40 == len(set(hashes))


def test_an_exhausted_space_yields_what_is_left_then_nothing(make_harness):
    # One primitive, and one node of two edges can only read (s0, s1): two possible networks.
    h = make_harness(
        "random",
        model={"primitives": ["skip_connect"]},
        space={"reductions": [1], "cells": [3], "nodes": [0, 1]},
    )
    assert len(h.strategy.ask(5)) == 2
    assert h.strategy.ask(5) == []
    assert h.strategy.stop_reason() is None  # the driver stops on an empty ask
