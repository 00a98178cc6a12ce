"""What each method is meant to do besides picking the right op: Gumbel's temperature schedule,
Proxyless' penalty trading MAdd away, ENAS' controller learning which op is best."""

from __future__ import annotations

import pytest

from archsearch.config import DataConfig
from archsearch.data import load_data
from tests.oneshot.conftest import BEST, PAIRS, SETTINGS, build_method


def test_gumbel_temperature_is_multiplied_by_the_decay_every_epoch(searches):
    search = searches["gumbel_darts"]
    _, section = SETTINGS["gumbel_darts"]
    tau0, decay = section["tau_initial"], section["tau_decay"]
    taus = [m["tau"] for m in search.outcome.curve]
    assert taus == pytest.approx([tau0 * decay**e for e in range(len(taus))])
    assert search.method.tau == pytest.approx(tau0 * decay ** len(taus))  # what comes next


def test_gumbel_samples_at_the_current_temperature(searches):
    """A low temperature gives nearly one-hot mixtures, a high one nearly uniform ones."""
    method = searches["gumbel_darts"].method
    op = next(iter(method.supernet.mixed.values()))
    spread = {}
    for tau in (0.05, 50.0):
        method.tau = tau
        method.prepare_weight_step()
        spread[tau] = max(float(op.weights().detach().max()) for _ in range(20))
    assert spread[0.05] > 0.95 and spread[50.0] < 0.5, spread


def test_proxyless_penalty_lowers_expected_madd_as_its_weight_grows():
    data = load_data(DataConfig.model_validate({**PAIRS, "synthetic_samples": 400}))
    train = {"batch_size": 16, "lr": 0.05, "epochs": 3}
    expected = []
    for penalty in (0.0, 0.01, 0.1, 1.0):
        method = build_method("proxyless", train, {"arch_lr": 0.05}, penalty)
        method.fit(data)
        expected.append(method.supernet.expected_madd(method.madd, 1).item())
    assert expected == sorted(expected, reverse=True) and len(set(expected)) == 4, expected
    low, high = method.madd.bounds(1)
    assert expected[-1] - low < 0.2 * (high - low), (expected, low, high)


def test_enas_controller_raises_the_best_ops_probability(searches):
    search = searches["enas"]
    prims = search.method.controller.prims
    after = search.method.controller.op_probabilities()
    best = prims.index(BEST)
    assert after[best] > search.before[best] + 0.3, (search.before, after)
    assert after[best] == max(after)
