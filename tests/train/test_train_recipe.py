"""The trainer's side of the recipe: best-epoch weights, the test split, precision on the CPU,
the drop-path schedule and the auxiliary loss."""

import dataclasses

import pytest
import torch

from archsearch.config import DataConfig, TrainConfig
from archsearch.data import load_data
from archsearch.nn import Model
from archsearch.space.builders import seed_model
from archsearch.train import evaluate, train
from archsearch.train.precision import FP32, resolve_precision
from tests.train.test_train_trainer import small_cnn


@pytest.fixture(scope="module")
def digits():
    return load_data(DataConfig(limit=300, val_limit=100))


def seed_net(reductions: int = 1) -> Model:
    torch.manual_seed(0)
    return Model.from_desc(seed_model(3, reductions, 1, init_channels=4, input_shape=(1, 8, 8)))


def same_weights(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return list(sa) == list(sb) and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_the_model_ends_with_its_best_epoch_which_evaluates_to_the_reported_error(digits):
    """A run whose last epoch is worse than an earlier one (a large constant lr) ends with the
    earlier epoch's weights, and they score exactly what the metrics say."""
    conf = TrainConfig(epochs=3, batch_size=32, lr=1.0, schedule="constant", device="cpu")
    for seed in range(8):
        model = small_cnn()
        metrics = train(model, digits, conf, seed=seed)
        if metrics.best_epoch < conf.epochs - 1:
            break
    else:
        pytest.fail("no seed gave a best epoch before the last; the test needs one")
    best = metrics.curve[metrics.best_epoch]
    assert metrics.best_val_top1 == best["val_top1"] > metrics.val_top1
    top1, loss = evaluate(model, digits.val, conf.eval_batch_size)
    assert (top1, loss) == pytest.approx((best["val_top1"], best["val_loss"]), abs=1e-6)
    last = small_cnn()
    train(last, digits, conf, seed=seed, keep_best=False)
    assert not same_weights(model, last)


def test_test_split_is_evaluated_once_with_the_kept_weights(digits):
    conf = TrainConfig(epochs=2, batch_size=32, device="cpu")
    without_test = dataclasses.replace(digits, test=None)
    assert train(small_cnn(), without_test, conf).test_top1 is None
    with_test = dataclasses.replace(digits, test=digits.val)
    model = small_cnn()
    metrics = train(model, with_test, conf)
    assert (metrics.test_top1, metrics.test_loss) == evaluate(model, digits.val, 256)
    assert "test_top1" not in metrics.curve[-1]  # never seen while training


def test_mixed_precision_and_channels_last_are_a_no_op_on_the_cpu(digits):
    recipe = TrainConfig(
        epochs=1, batch_size=32, device="cpu", precision="fp16", channels_last=True
    )
    cpu = torch.device("cpu")
    assert resolve_precision(recipe, cpu) is FP32
    assert resolve_precision(recipe.model_copy(update={"precision": "bf16"}), cpu) is FP32
    a, b = small_cnn(), small_cnn()
    ma = train(a, digits, recipe, seed=3)
    mb = train(b, digits, TrainConfig(epochs=1, batch_size=32, device="cpu"), seed=3)
    assert same_weights(a, b) and ma.val_loss == mb.val_loss
    assert a[0].weight.is_contiguous()  # NCHW, as it was


def test_drop_path_rises_linearly_and_is_off_after_training(digits):
    conf = TrainConfig(epochs=4, batch_size=64, device="cpu", drop_path=0.2)
    model = seed_net()
    seen = []
    train(model, digits, conf, on_epoch=lambda e, m: seen.append(model.cells[0].nodes[0].drop_prob))
    assert seen == pytest.approx([0.0, 0.05, 0.1, 0.15])  # DARTS: max * epoch / epochs
    assert model.cells[0].nodes[0].drop_prob == 0.0


def test_aux_loss_trains_the_network_and_leaves_no_trace_in_it(digits):
    conf = TrainConfig(epochs=1, batch_size=64, device="cpu")
    plain, aux = seed_net(), seed_net()
    train(plain, digits, conf)
    train(aux, digits, conf.model_copy(update={"aux_weight": 0.4}))
    assert not same_weights(plain, aux)  # its gradient reached the cells it reads
    assert list(aux.state_dict()) == list(plain.state_dict())  # the head is not saved
    assert all(not cell._forward_hooks for cell in aux.cells)  # nor left hooked in
    fresh = Model.from_desc(aux.desc)
    fresh.load_state_dict(aux.state_dict())
    assert evaluate(fresh, digits.val, 256) == evaluate(aux, digits.val, 256)


def test_augmentation_changes_training_and_off_keeps_it_bit_identical(digits):
    conf = TrainConfig(epochs=1, batch_size=32, device="cpu")
    a, b, c = small_cnn(), small_cnn(), small_cnn()
    train(a, digits, conf, seed=1)
    train(b, digits, conf.model_copy(update={"crop_padding": 0, "cutout": 0}), seed=1)
    train(c, digits, conf.model_copy(update={"crop_padding": 2, "hflip": True}), seed=1)
    assert same_weights(a, b) and not same_weights(a, c)
