import math

import pytest

from archsearch.jobs.spec import JobResult, Status
from archsearch.strategy.scoring import result_score, score


def test_score_trades_top1_against_log_madd():
    assert score(0.9, 1e6, 0.02) == pytest.approx(0.9 - 0.12)
    assert score(0.9, 1e7, 0.02) == pytest.approx(score(0.88, 1e6, 0.02))  # 10x MAdd = 2 points
    assert score(0.9, 1e9, 0.0) == 0.9


def test_result_score_ranks_broken_results_last():
    ok = JobResult(1, Status.SUCCEEDED, metrics={"val_top1": 0.8, "best_val_top1": 0.9}, madd=1e6)
    assert result_score(ok, 0.02) == pytest.approx(score(0.9, 1e6, 0.02))  # best epoch counts
    for broken in (
        JobResult.failed(2, "boom"),
        JobResult(3, Status.SUCCEEDED, metrics={"val_top1": 0.9}),
        JobResult(4, Status.SUCCEEDED, metrics={"val_top1": math.nan}, madd=1e6),
        JobResult(5, Status.SUCCEEDED, metrics={"val_top1": 0.9}, madd=0.0),
    ):
        assert result_score(broken, 0.02) == -math.inf
