"""The scalarised objective random search, evolution and grid search rank models by.

``top1 - madd_weight * log10(MAdd)``: a tenfold increase in compute must buy ``madd_weight``
of top-1 to pay for itself. The log makes the trade scale-free (the same whether models have
1e5 or 1e8 MAdd), so one weight serves digits and CIFAR-10, and strategies that all rank by
it can be compared on the (MAdd, error) frontier.
"""

from __future__ import annotations

import math

from archsearch.jobs.spec import JobResult


def score(top1: float, madd: float, madd_weight: float) -> float:
    return top1 - madd_weight * math.log10(madd)


def result_score(result: JobResult, madd_weight: float) -> float:
    """The score of a finished job; ``-inf`` for a failed job or one without a finite, positive
    (MAdd, top-1), so it ranks below every real model rather than raising."""
    error, madd = result.error_rate, result.madd
    if not result.ok or error is None or madd is None or madd <= 0:
        return -math.inf
    value = score(1.0 - error, madd, madd_weight)
    return value if math.isfinite(value) else -math.inf
