"""The ask/tell contract, run on every strategy (Optuna-style: one class, one fixture)."""

from __future__ import annotations

import json

import pytest

from archsearch.jobs.spec import Stage
from tests.strategy.conftest import CLASSES
from tests.strategy.harness import Harness, assert_valid_desc, proposal_key


@pytest.fixture(params=sorted(CLASSES))
def harness(request: pytest.FixtureRequest, make_harness) -> Harness:
    return make_harness(request.param)


def drive(h: Harness, rounds: int, n: int = 2, fail_every: int = 0) -> None:
    """Rounds of ask(n) / submit / finish the oldest, failing every ``fail_every``-th job."""
    for k in range(rounds):
        h.step(n, fail=bool(fail_every) and k % fail_every == fail_every - 1)
        reason = h.strategy.stop_reason()
        assert reason is None or (isinstance(reason, str) and reason)


class TestStrategyContract:
    def test_ask_returns_at_most_n_valid_proposals(self, harness: Harness):
        primitives = harness.config.model.primitives
        assert harness.strategy.ask(0) == []
        for n in (1, 3, 2, 1, 4, 2, 3, 1):
            proposals = harness.strategy.ask(n)
            assert len(proposals) <= n
            for p in proposals:
                assert isinstance(p.stage, Stage)
                assert_valid_desc(p.model_desc, primitives)
                json.dumps(p.train_conf), json.dumps(p.meta)  # plain data only
            harness.submit(proposals)
            if harness.in_flight:
                harness.finish_oldest()

    def test_failed_results_never_stop_the_search_by_crashing(self, harness: Harness):
        drive(harness, rounds=8, fail_every=2)
        for _ in range(6):  # then every job fails
            harness.step(2, fail=True)
        while harness.in_flight:
            harness.finish_oldest(fail=True)
        more = harness.strategy.ask(2)
        reason = harness.strategy.stop_reason()
        # It goes on, or says in words why it cannot.
        assert more or isinstance(reason, str), (more, reason)

    def test_state_is_json_and_a_restored_copy_proposes_the_same(self, harness: Harness):
        drive(harness, rounds=7, fail_every=3)  # leaves jobs in flight
        json.dumps(harness.strategy.state_dict())  # plain JSON, no numpy or sets
        copy = harness.restore_copy()
        for k in range(6):  # both see the same submissions and results from here on
            ours, theirs = harness.strategy.ask(2), copy.ask(2)
            assert [proposal_key(p) for p in ours] == [proposal_key(p) for p in theirs]
            harness.submit(ours)
            if harness.in_flight:
                harness.finish_oldest(fail=k == 2)
            assert harness.strategy.stop_reason() == copy.stop_reason()
        assert json.dumps(harness.strategy.state_dict(), sort_keys=True) == json.dumps(
            copy.state_dict(), sort_keys=True
        )

    def test_stop_reason_is_none_or_a_sentence_until_the_end(self, harness: Harness):
        for _ in range(40):
            harness.step(2)
            reason = harness.strategy.stop_reason()
            assert reason is None or isinstance(reason, str)
            if reason and not harness.in_flight:
                break
