import itertools
import json
import math

import pytest
import torch
from torch import nn
from torch.optim.optimizer import register_optimizer_step_pre_hook

from archsearch.config import DataConfig, TrainConfig
from archsearch.data import load_data
from archsearch.errors import NonFiniteLossError
from archsearch.train import evaluate, lr_at, resolve_device, train
from archsearch.train.trainer import shuffled_batches

TIMING_KEYS = {"epoch_time_s"}


@pytest.fixture(scope="module")
def digits():
    return load_data(DataConfig(limit=300, val_limit=100))


def small_cnn(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.Dropout(0.1),
        nn.AdaptiveAvgPool2d(2),
        nn.Flatten(),
        nn.Linear(32, 10),
    )


class ToySearchModel(nn.Module):
    """A linear classifier whose two branches are mixed by architecture weights."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.a, self.b = nn.Linear(64, 10), nn.Linear(64, 10)
        self.alpha = nn.Parameter(torch.tensor([0.5, 0.5]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.flatten(1)
        return self.alpha[0] * self.a(x) + self.alpha[1] * self.b(x)

    def arch_parameters(self) -> list[nn.Parameter]:
        return [self.alpha]

    def weight_parameters(self) -> list[nn.Parameter]:
        return [*self.a.parameters(), *self.b.parameters()]

    def arch_l1(self) -> torch.Tensor:
        return self.alpha.abs().sum()


def without_timing(curve):
    return [{k: v for k, v in m.items() if k not in TIMING_KEYS} for m in curve]


def test_same_seed_is_bit_identical(digits):
    conf = TrainConfig(epochs=2, batch_size=32, device="cpu")
    a, b = small_cnn(), small_cnn()
    ma, mb = train(a, digits, conf, seed=5), train(b, digits, conf, seed=5)
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        assert ka == kb and torch.equal(va, vb), ka
    assert without_timing(ma.curve) == without_timing(mb.curve)
    assert (ma.val_top1, ma.val_loss, ma.train_loss) == (mb.val_top1, mb.val_loss, mb.train_loss)


def test_other_seed_shuffles_differently(digits):
    conf = TrainConfig(epochs=1, batch_size=32, device="cpu")
    a, b = small_cnn(), small_cnn()
    train(a, digits, conf, seed=0)
    train(b, digits, conf, seed=1)
    assert not torch.equal(a[0].weight, b[0].weight)


def test_callers_global_rng_is_left_alone(digits):
    model = small_cnn()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    train(model, digits, TrainConfig(epochs=1, device="cpu"), seed=9)
    assert torch.equal(torch.rand(3), expected)


class NaNModel(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x.flatten(1)) * float("nan")


def test_nan_loss_raises_before_any_update(digits):
    model = NaNModel()
    before = model.linear.weight.detach().clone()
    with pytest.raises(
        NonFiniteLossError,
        match=r"non-finite training loss nan at epoch 0, "
        r"step 0",
    ):
        train(model, digits, TrainConfig(epochs=2, device="cpu"))
    assert torch.equal(model.linear.weight, before)


def test_diverging_lr_raises_naming_epoch_and_step(digits):
    conf = TrainConfig(epochs=3, lr=1e30, grad_clip=None, device="cpu")
    with pytest.raises(NonFiniteLossError, match=r"at epoch \d+, step \d+"):
        train(small_cnn(), digits, conf)


def test_cosine_schedule_reaches_lr_min():
    conf = TrainConfig(epochs=4, lr=0.1, lr_min=0.001)
    lrs = [lr_at(e, conf) for e in range(conf.epochs + 1)]
    assert lrs[0] == pytest.approx(0.1)
    assert lrs[-1] == pytest.approx(0.001)
    assert all(a > b for a, b in itertools.pairwise(lrs))
    assert lrs[2] == pytest.approx((0.1 + 0.001) / 2)


def test_curve_records_the_schedule_and_on_epoch_is_called_in_order(digits):
    conf = TrainConfig(epochs=3, lr=0.05, lr_min=0.01, device="cpu")
    calls = []
    metrics = train(small_cnn(), digits, conf, on_epoch=lambda e, m: calls.append((e, m)))
    assert [e for e, _ in calls] == [0, 1, 2]
    for epoch, m in calls:
        assert {"train_loss", "val_top1", "val_loss", "lr", "epoch_time_s"} <= set(m)
        assert m["lr"] == pytest.approx(lr_at(epoch, conf))
    assert [m for _, m in calls] == metrics.curve
    assert metrics.epochs == 3 and metrics.best_val_top1 == max(m["val_top1"] for _, m in calls)
    assert metrics.val_top1 == calls[-1][1]["val_top1"]


def test_constant_schedule(digits):
    conf = TrainConfig(epochs=2, lr=0.02, schedule="constant", device="cpu")
    assert [m["lr"] for m in train(small_cnn(), digits, conf).curve] == [0.02, 0.02]


def test_metrics_are_plain_json(digits):
    metrics = train(small_cnn(), digits, TrainConfig(epochs=1, device="cpu"))
    d = json.loads(json.dumps(metrics.to_dict()))
    assert d["epochs"] == 1 and len(d["curve"]) == 1
    assert 0 <= d["val_top1"] <= 1 and d["samples_per_s"] > 0 and d["train_time_s"] > 0


def grad_norms_at_each_step(digits, grad_clip):
    norms = []

    def record(optimizer, args, kwargs):
        grads = [p.grad for g in optimizer.param_groups for p in g["params"] if p.grad is not None]
        norms.append(torch.linalg.vector_norm(torch.stack([g.norm() for g in grads])).item())

    handle = register_optimizer_step_pre_hook(record)
    try:
        train(small_cnn(), digits, TrainConfig(epochs=1, lr=0.5, grad_clip=grad_clip, device="cpu"))
    finally:
        handle.remove()
    return norms


def test_grad_clip_bounds_the_norm_of_every_step(digits):
    clip = 0.05
    assert max(grad_norms_at_each_step(digits, None)) > clip  # else the test proves nothing
    assert max(grad_norms_at_each_step(digits, clip)) <= clip * (1 + 1e-4)


def test_arch_search_trains_arch_weights_with_their_own_optimiser(digits):
    model = ToySearchModel()
    metrics = train(
        model, digits, TrainConfig(epochs=1, arch_l1=0.1, device="cpu"), arch_search=True
    )
    assert not torch.equal(model.alpha.detach(), torch.tensor([0.5, 0.5]))
    assert math.isfinite(metrics.train_loss)


def test_without_arch_search_arch_weights_stay_frozen(digits):
    model = ToySearchModel()
    weight = model.a.weight.detach().clone()
    train(model, digits, TrainConfig(epochs=1, device="cpu"))
    assert torch.equal(model.alpha.detach(), torch.tensor([0.5, 0.5]))
    assert not torch.equal(model.a.weight, weight)


def test_l1_penalty_shrinks_arch_weights(digits):
    shrunk, free = ToySearchModel(), ToySearchModel()
    train(shrunk, digits, TrainConfig(epochs=1, arch_l1=10.0, device="cpu"), arch_search=True)
    train(free, digits, TrainConfig(epochs=1, arch_l1=0.0, device="cpu"), arch_search=True)
    assert shrunk.alpha.abs().sum() < free.alpha.abs().sum()


def test_arch_search_needs_a_search_model(digits):
    with pytest.raises(TypeError, match="lacks arch_parameters, weight_parameters, arch_l1"):
        train(small_cnn(), digits, TrainConfig(epochs=1, device="cpu"), arch_search=True)


def test_evaluate_restores_mode_and_counts_correctly(digits):
    model = small_cnn()
    model.train()
    top1, loss = evaluate(model, digits.val, batch_size=7)
    assert model.training
    model.eval()
    with torch.no_grad():
        logits = model(digits.val.tensors[0])
    labels = digits.val.tensors[1]
    assert top1 == pytest.approx((logits.argmax(1) == labels).float().mean().item())
    assert loss == pytest.approx(nn.functional.cross_entropy(logits, labels).item(), rel=1e-5)


def test_batches_cover_the_epoch_and_drop_a_lone_last_sample():
    gen = torch.Generator().manual_seed(0)
    sizes = [len(b) for b in shuffled_batches(65, 32, gen, torch.device("cpu"))]
    assert sizes == [32, 32]  # the 65th sample would make a batch of one
    batches = list(shuffled_batches(70, 32, gen, torch.device("cpu")))
    assert sorted(torch.cat(batches).tolist()) == list(range(70))


def test_auto_device_is_cpu_without_cuda():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device(None).type == expected
    assert resolve_device("cpu").type == "cpu"
