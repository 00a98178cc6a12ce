"""The supernet's steering, its MAdd table and expectation, weight export, and DARTS' unrolled
architecture gradient."""

from __future__ import annotations

import itertools
import random

import pytest
import torch
import torch.nn.functional as F

from archsearch.config import TrainConfig
from archsearch.nn import Model
from archsearch.oneshot import bilevel
from archsearch.oneshot.export import export
from archsearch.oneshot.job import make_method
from archsearch.oneshot.method import Batch
from archsearch.oneshot.space import arch_to_desc, random_arch, supernet_desc
from archsearch.oneshot.supernet import Supernet, binary_gates
from archsearch.train import profile

PRIMS = ["skip_connect", "max_pool_3x3", "sep_conv_3x3", "dil_conv_5x5"]


@pytest.fixture(scope="module")
def reduction_supernet() -> Supernet:
    """Three cells, one of them a reduction (stride-2 edges, FactorizedReduce skips), 2 nodes."""
    torch.manual_seed(0)
    return Supernet(supernet_desc(3, 1, 2, 4, (1, 8, 8), 10, PRIMS))


def test_madd_table_prices_exported_models_exactly(reduction_supernet: Supernet):
    table = reduction_supernet.madd_table()
    rng = random.Random(0)
    for k in (1, 2):
        for _ in range(3):
            arch = random_arch(rng, reduction_supernet.desc, k)
            model = Model.from_desc(arch_to_desc(reduction_supernet.desc, arch))
            assert table.arch_madd(arch) == profile(model, (1, 8, 8)).madd


def test_madd_bounds_are_the_cheapest_and_dearest_sub_networks():
    supernet = Supernet(supernet_desc(1, 0, 2, 4, (1, 8, 8), 10, PRIMS))
    table = supernet.madd_table()
    node0 = [((j, p),) for j in range(2) for p in PRIMS]
    node1 = [((j, p),) for j in range(3) for p in PRIMS]
    madds = [table.arch_madd(((a, b),)) for a, b in itertools.product(node0, node1)]
    assert table.bounds(1) == (min(madds), max(madds))


def test_expected_madd_is_the_mean_under_softmax_and_differentiable(reduction_supernet):
    table = reduction_supernet.madd_table()
    k = 2
    for op in reduction_supernet.mixed.values():
        op.alpha.data.zero_()
    uniform = table.base + sum(
        min(k, 2 + ni) / (2 + ni) * sum(costs.values()) / len(costs)
        for (_, ni, _), costs in table.edges.items()
    )
    expected = reduction_supernet.expected_madd(table, k)
    assert expected.item() == pytest.approx(uniform, rel=1e-6)
    expected.backward()
    cheapest = PRIMS.index("max_pool_3x3")  # 0 MAdd: raising its alpha lowers the expectation
    assert all(op.alpha.grad[cheapest] < 0 for op in reduction_supernet.mixed.values())


def test_a_path_runs_only_its_ops(reduction_supernet: Supernet):
    arch = random_arch(random.Random(1), reduction_supernet.desc, 1)
    reduction_supernet.zero_grad(set_to_none=True)
    reduction_supernet.use_path(arch)
    reduction_supernet(torch.randn(4, 1, 8, 8)).sum().backward()
    chosen = {(ci, ni, j, p) for ci, c in enumerate(arch) for ni, n in enumerate(c) for j, p in n}
    for (ci, ni, j), op in reduction_supernet.mixed.items():
        for p, module in op.ops.items():
            grads = [q.grad for q in module.parameters()]
            if grads:
                ran = all(g is not None for g in grads)
                assert ran == ((ci, ni, j, p) in chosen), (ci, ni, j, p)
    reduction_supernet.mix()


def test_binary_gates_are_one_hot_with_softmax_gradients():
    alpha = torch.tensor([0.3, -0.2, 0.5], requires_grad=True)
    gates = binary_gates(alpha, 2)
    assert gates.tolist() == pytest.approx([0.0, 0.0, 1.0])
    gates[2].backward()
    p = F.softmax(alpha.detach(), 0)
    assert alpha.grad.tolist() == pytest.approx((p[2] * (torch.eye(3)[2] - p)).tolist())


def test_exported_model_computes_the_supernets_path(reduction_supernet: Supernet):
    """Inherited weights: in eval mode (same running statistics) the export is the path."""
    arch = random_arch(random.Random(2), reduction_supernet.desc, 2)
    reduction_supernet.use_path(arch)
    reduction_supernet.train()
    with torch.no_grad():  # move the BN statistics away from their initial values
        reduction_supernet(torch.randn(16, 1, 8, 8) * 2 + 1)
    _, model = export(reduction_supernet, arch)
    x = torch.randn(3, 1, 8, 8)
    reduction_supernet.eval()
    model.eval()
    with torch.no_grad():
        torch.testing.assert_close(model(x), reduction_supernet(x), rtol=1e-5, atol=1e-5)
    reduction_supernet.mix()


def test_second_order_gradient_matches_the_exact_unrolled_gradient(monkeypatch):
    """DARTS' finite-difference Hessian term against autograd through the virtual step. The
    difference step is made small: DARTS' 0.01 / ||v|| crosses ReLU kinks on a net this tiny,
    and what is checked here is the formula."""
    monkeypatch.setattr(bilevel, "FD_SCALE", 1e-6)
    torch.manual_seed(0)
    supernet = Supernet(supernet_desc(1, 0, 1, 4, (1, 6, 6), 3, PRIMS)).double()
    for op in supernet.mixed.values():
        op.alpha.data.normal_()
    train = TrainConfig(lr=0.5, weight_decay=1e-3, device="cpu")
    darts = make_method("darts", supernet, train, {"order": 2, "top_k": 1})
    x = torch.randn(4, 8, 1, 6, 6, dtype=torch.float64)
    y = torch.randint(0, 3, (4, 8))
    batch = Batch(x[0], y[0], x[1], y[1])
    lr = 0.5
    approx = darts._unrolled_grads(batch, lr)

    supernet.mix()
    names = [n for n, _ in supernet.named_parameters()]
    params = dict(supernet.named_parameters())
    alphas = {n for n in names if n.endswith(".alpha")}
    loss = F.cross_entropy(supernet(batch.x_weights), batch.y_weights)
    weights = [n for n in names if n not in alphas]
    grads = torch.autograd.grad(loss, [params[n] for n in weights], create_graph=True)
    virtual = {**params}
    for n, g in zip(weights, grads, strict=True):
        virtual[n] = params[n] - lr * (g + train.weight_decay * params[n])
    logits = torch.func.functional_call(supernet, virtual, (batch.x_arch,))
    exact = torch.autograd.grad(F.cross_entropy(logits, batch.y_arch), supernet.arch_parameters())
    first_order = torch.autograd.grad(
        F.cross_entropy(supernet(batch.x_arch), batch.y_arch), supernet.arch_parameters()
    )
    for a, e, f in zip(approx, exact, first_order, strict=True):
        torch.testing.assert_close(a, e, rtol=1e-3, atol=1e-6)
        assert not torch.allclose(e, f, rtol=1e-3)  # the correction term is not negligible
