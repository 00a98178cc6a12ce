"""Grid search: every valid macro exactly once, then done."""

from __future__ import annotations

import pytest

from archsearch.config import load_config
from archsearch.errors import ConfigError

SPACE = {"reductions": [0, 1, 2], "cells": [3, 5], "nodes": [1, 2]}
VALID = {(r, c, n) for r in (0, 1) for c in (3, 5) for n in (1, 2)} | {(2, 5, 1), (2, 5, 2)}


@pytest.mark.parametrize("fail", [False, True])
def test_every_valid_macro_once_then_stop(make_harness, fail):
    h = make_harness("grid", space=SPACE)
    seen = []
    for k in range(30):
        assert h.strategy.stop_reason() is None or not h.in_flight
        proposals = h.strategy.ask(3)
        seen += [tuple(p.meta["macro"]) for p in proposals]
        for p in proposals:
            m = p.model_desc.macro
            assert (m["reductions"], m["cells"], m["nodes"]) == tuple(p.meta["macro"])
        h.submit(proposals)
        if h.in_flight:
            h.finish_oldest(fail=fail and k % 2 == 0)
            assert h.strategy.stop_reason() is None or not h.in_flight
    assert len(seen) == len(VALID) and set(seen) == VALID
    assert "10 macros" in h.strategy.stop_reason()
    assert h.strategy.ask(3) == []


def test_a_point_asked_for_but_never_submitted_stays_in_the_grid(make_harness):
    h = make_harness("grid", space=SPACE)
    asked = h.strategy.ask(2)
    h.submit(asked[:1])  # as after a crash between two submissions
    assert h.strategy.ask(2)[0].meta["macro"] == asked[1].meta["macro"]


def test_a_space_with_no_valid_macro_is_a_config_error():
    with pytest.raises(ConfigError, match="strategy.space.*no valid macro"):
        load_config(
            None,
            ["strategy.name=grid", "strategy.space.reductions=[2]", "strategy.space.cells=[3, 4]"],
        )
