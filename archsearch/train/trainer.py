"""Train any ``nn.Module`` on ``DataSplits``: SGD with a per-epoch cosine schedule, optional
Petridish/DARTS architecture search on the same batches, one evaluation per epoch, and the
weights of the best epoch kept.

The recipe of DARTS' and archai's final evaluation is part of it, each piece off unless its
``train.*`` key asks: on-device batch augmentation (augment.py), drop-path on cell edges with a
linear schedule, an auxiliary head's loss, and mixed precision / channels_last on CUDA
(precision.py).

The data set lives on the training device and is indexed with a seeded permutation: for the
small images of a NAS search a DataLoader's per-sample collation is pure overhead (~7% of a
small CNN's step on digits, see BENCHMARKS.md) and its worker processes cost more still. Only
one host sync happens per step, the finiteness check of the loss, which has to come before
the optimiser touches the weights.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import TensorDataset

from archsearch.config import TrainConfig
from archsearch.data import DataSplits
from archsearch.errors import NonFiniteLossError
from archsearch.train.augment import augment
from archsearch.train.precision import FP32, Precision
from archsearch.train.recipe import Recipe

logger = logging.getLogger(__name__)

EpochCallback = Callable[[int, dict[str, float]], None]
ARCH_METHODS = ("arch_parameters", "weight_parameters", "arch_l1")
# DARTS' (and archai's) Adam betas for architecture weights: beta1 = 0.5 is a short momentum
# memory, so the mixture weights react to network weights that change under them every step.
ARCH_BETAS = (0.5, 0.999)


@dataclass
class TrainMetrics:
    val_top1: float  # fraction correct on val after the last epoch
    best_val_top1: float  # best fraction correct on val over all epochs: the kept weights'
    best_epoch: int  # the epoch (0-based) whose weights the model holds after training
    val_loss: float  # mean cross-entropy on val after the last epoch
    train_loss: float  # mean cross-entropy over the last epoch's training batches
    train_time_s: float  # wall clock of the whole run, evaluations included
    epochs: int
    samples_per_s: float  # training samples per second of training steps (evaluation excluded)
    curve: list[dict[str, float]] = field(default_factory=list)  # one dict per epoch
    test_top1: float | None = None  # on data.test, once, with the kept weights (if a test set)
    test_loss: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def resolve_device(device: str | torch.device | None) -> torch.device:
    """``auto`` (or None) is CUDA when one is visible, else the CPU."""
    if device is None or str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def lr_at(epoch: int, conf: TrainConfig) -> float:
    """Learning rate of epoch ``epoch`` (0-based). Cosine over ``conf.epochs`` as DARTS and
    archai step it: epoch 0 trains at ``lr`` and the schedule reaches ``lr_min`` at
    ``epoch == epochs``, just after the last epoch, so no epoch is spent at the floor."""
    if conf.schedule == "constant":
        return conf.lr
    return conf.lr_min + (conf.lr - conf.lr_min) * (1 + math.cos(math.pi * epoch / conf.epochs)) / 2


def _cuda_indices(device: torch.device) -> list[int]:
    """The CUDA device whose RNG state ``fork_rng`` saves and restores (none on the CPU)."""
    if device.type != "cuda":
        return []
    return [device.index if device.index is not None else torch.cuda.current_device()]


def _parameters(
    model: nn.Module, arch_search: bool
) -> tuple[list[nn.Parameter], list[nn.Parameter]]:
    """(weights for SGD, architecture weights for Adam). A model that separates the two keeps
    its architecture weights frozen outside a search; any other model trains every parameter."""
    if arch_search:
        missing = [m for m in ARCH_METHODS if not callable(getattr(model, m, None))]
        if missing:
            raise TypeError(
                f"arch_search=True needs a model with {', '.join(ARCH_METHODS)}; "
                f"{type(model).__name__} lacks {', '.join(missing)}"
            )
        arch = [p for p in model.arch_parameters() if p.requires_grad]
    else:
        arch = []
    has_split = callable(getattr(model, "weight_parameters", None))
    weights = model.weight_parameters() if has_split else model.parameters()
    return [p for p in weights if p.requires_grad], arch


def shuffled_batches(
    n: int, batch_size: int, generator: torch.Generator, device: torch.device
) -> Iterator[torch.Tensor]:
    """Index tensors of one shuffled epoch. A trailing batch of a single sample is dropped:
    batch norm cannot normalise one sample in training mode."""
    perm = torch.randperm(n, generator=generator).to(device, non_blocking=True)
    stop = n - 1 if n % batch_size == 1 and n > 1 else n
    for start in range(0, stop, batch_size):
        yield perm[start : start + batch_size]


def _evaluate(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    batch_size: int,
    precision: Precision = FP32,
) -> tuple[float, float]:
    if len(y) == 0:
        raise ValueError("cannot evaluate on an empty data set")
    was_training = model.training
    model.eval()
    correct = torch.zeros((), dtype=torch.long, device=y.device)
    loss_sum = torch.zeros((), device=y.device)
    with torch.inference_mode(), precision.autocast():
        for start in range(0, len(y), batch_size):
            xb, yb = x[start : start + batch_size], y[start : start + batch_size]
            logits = model(xb.contiguous(memory_format=precision.memory_format))
            loss_sum += F.cross_entropy(logits, yb, reduction="sum")
            correct += (logits.argmax(dim=1) == yb).sum()
    model.train(was_training)
    return correct.item() / len(y), loss_sum.item() / len(y)


def evaluate(
    model: nn.Module,
    dataset: TensorDataset,
    batch_size: int,
    device: str | torch.device | None = None,
) -> tuple[float, float]:
    """(top-1 fraction, mean cross-entropy) of ``model`` on ``dataset``; the model's training
    mode is left as it was. ``device`` defaults to where the model's parameters are."""
    if device is None:
        first = next(model.parameters(), None)
        dev = first.device if first is not None else torch.device("cpu")
    else:
        dev = resolve_device(device)
    x, y = (t.to(dev) for t in dataset.tensors)
    return _evaluate(model, x, y, batch_size)


@dataclass
class _Optimisers:
    weights: list[nn.Parameter]
    sgd: torch.optim.SGD
    arch: torch.optim.Adam | None  # only in an architecture search
    scaler: torch.amp.GradScaler | None  # fp16 only

    def step(self, loss: torch.Tensor, grad_clip: float | None) -> None:
        """Backward, clip the weights' gradient norm, step both optimisers."""
        optimisers = [self.sgd] if self.arch is None else [self.sgd, self.arch]
        for opt in optimisers:
            opt.zero_grad(set_to_none=True)
        if self.scaler is None:
            loss.backward()
            if grad_clip is not None:
                nn.utils.clip_grad_norm_(self.weights, grad_clip)
            for opt in optimisers:
                opt.step()
            return
        self.scaler.scale(loss).backward()
        if grad_clip is not None:
            self.scaler.unscale_(self.sgd)  # clip the true gradient, not the scaled one
            nn.utils.clip_grad_norm_(self.weights, grad_clip)
        for opt in optimisers:
            self.scaler.step(opt)  # skipped, and the scale lowered, on an inf/NaN gradient
        self.scaler.update()


def _train_epoch(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    batches: Iterator[torch.Tensor],
    opt: _Optimisers,
    conf: TrainConfig,
    epoch: int,
    recipe: Recipe,
) -> tuple[float, int]:
    """(mean cross-entropy, samples) of one epoch; weights and architecture weights step on
    the same batches, as in Petridish's search (no separate validation batch as in DARTS)."""
    model.train()
    loss_sum = torch.zeros((), device=y.device)
    samples = 0
    # One autocast context, re-entered every step (torch.autocast and nullcontext both allow
    # sequential reuse): nothing is built per step of a loop whose steps take milliseconds.
    autocast = recipe.precision.autocast()
    channels_last = recipe.precision.memory_format is torch.channels_last
    for step, idx in enumerate(batches):
        xb = augment(x[idx], conf) if recipe.augment else x[idx]
        if channels_last:
            xb = xb.contiguous(memory_format=torch.channels_last)
        with autocast:
            logits = model(xb)
            data_loss = F.cross_entropy(logits, y[idx])
            loss = data_loss if opt.arch is None else data_loss + conf.arch_l1 * model.arch_l1()
            if recipe.aux is not None:
                loss = loss + conf.aux_weight * F.cross_entropy(recipe.aux.logits(), y[idx])
        if not torch.isfinite(loss):
            raise NonFiniteLossError(
                f"non-finite training loss {loss.item()} at epoch {epoch}, step {step} "
                f"(0-based; lr={opt.sgd.param_groups[0]['lr']:g}); training stopped before "
                "applying it"
            )
        opt.step(loss, conf.grad_clip)
        loss_sum += data_loss.detach() * len(idx)
        samples += len(idx)
    return loss_sum.item() / samples, samples  # the epoch's one extra host sync


def _snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    """A copy of the weights on their own device: a device-to-device copy needs no host sync,
    and these networks are a few MB, so keeping one extra copy on the GPU costs nothing."""
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def train(
    model: nn.Module,
    data: DataSplits,
    conf: TrainConfig,
    *,
    seed: int = 0,
    arch_search: bool = False,
    on_epoch: EpochCallback | None = None,
    device: str | torch.device | None = None,
    keep_best: bool = True,
) -> TrainMetrics:
    """Train ``model`` in place (moved to the device) and evaluate it on ``data.val`` after
    every epoch. ``arch_search`` also trains the model's architecture weights with Adam on the
    same batches, the loss carrying ``conf.arch_l1 * model.arch_l1()``. ``on_epoch(epoch,
    metrics)`` is called after each epoch (0-based) with train_loss, val_top1, val_loss, lr and
    epoch_time_s. The same seed gives bit-identical results on the CPU; the caller's global
    RNG state is left as it was. Raises ``NonFiniteLossError`` before any step on a NaN/inf loss.

    With ``keep_best`` the model ends with the weights of its best validation epoch (the first
    one, on ties), so the error reported for it (``best_val_top1``) is the error of the weights
    saved after it. An architecture search always ends with its last epoch: what it produces is
    the architecture its search weights reached. ``data.test``, when there is one, is evaluated
    once at the end, with the weights the model ends with.
    """
    dev = resolve_device(device if device is not None else conf.device)
    recipe = Recipe.for_run(model, conf, dev)
    precision = recipe.precision
    weights, arch = _parameters(model, arch_search)
    weights += recipe.parameters()
    x_train, y_train = (t.to(dev) for t in data.train.tensors)
    x_val, y_val = (t.to(dev) for t in data.val.tensors)
    opt = _Optimisers(
        weights=weights,
        sgd=torch.optim.SGD(
            weights,
            lr=conf.lr,
            momentum=conf.momentum,
            nesterov=conf.nesterov,
            weight_decay=conf.weight_decay,
        ),
        arch=torch.optim.Adam(arch, lr=conf.arch_lr, betas=ARCH_BETAS) if arch else None,
        scaler=precision.scaler,
    )
    generator = torch.Generator().manual_seed(seed)
    batch_size = min(conf.batch_size, len(y_train))
    keep_best = keep_best and not arch_search
    logger.info(
        "training %s on %s: %d samples, %d epochs, %d weight / %d arch tensors",
        type(model).__name__,
        dev,
        len(y_train),
        conf.epochs,
        len(weights),
        len(arch),
    )

    curve: list[dict[str, float]] = []
    best_epoch, best_state = 0, None
    step_time = 0.0
    samples = 0
    run_start = time.perf_counter()
    # Seed what the model itself draws (dropout, sampled ops) without leaking into the caller.
    with torch.random.fork_rng(devices=_cuda_indices(dev)):
        torch.manual_seed(seed)
        for epoch in range(conf.epochs):
            epoch_start = time.perf_counter()
            lr = lr_at(epoch, conf)
            for group in opt.sgd.param_groups:
                group["lr"] = lr
            recipe.start_epoch(epoch, conf.epochs)
            batches = shuffled_batches(len(y_train), batch_size, generator, dev)
            train_loss, epoch_samples = _train_epoch(
                model, x_train, y_train, batches, opt, conf, epoch, recipe
            )
            step_time += time.perf_counter() - epoch_start
            samples += epoch_samples
            val_top1, val_loss = _evaluate(model, x_val, y_val, conf.eval_batch_size, precision)
            if not curve or val_top1 > curve[best_epoch]["val_top1"]:
                best_epoch = epoch
                best_state = _snapshot(model) if keep_best and epoch < conf.epochs - 1 else None
            metrics = {
                "epoch": epoch,
                "train_loss": train_loss,
                "val_top1": val_top1,
                "val_loss": val_loss,
                "lr": lr,
                "epoch_time_s": time.perf_counter() - epoch_start,
            }
            curve.append(metrics)
            logger.debug("epoch %d: %s", epoch, metrics)
            if on_epoch is not None:
                on_epoch(epoch, dict(metrics))
    recipe.finish()
    if best_state is not None:
        model.load_state_dict(best_state)

    result = TrainMetrics(
        val_top1=curve[-1]["val_top1"],
        best_val_top1=curve[best_epoch]["val_top1"],
        best_epoch=best_epoch if keep_best else conf.epochs - 1,
        val_loss=curve[-1]["val_loss"],
        train_loss=curve[-1]["train_loss"],
        train_time_s=time.perf_counter() - run_start,
        epochs=conf.epochs,
        samples_per_s=samples / step_time if step_time > 0 else 0.0,
        curve=curve,
    )
    if data.test is not None:
        x_test, y_test = (t.to(dev) for t in data.test.tensors)
        result.test_top1, result.test_loss = _evaluate(
            model, x_test, y_test, conf.eval_batch_size, precision
        )
    logger.info(
        "trained in %.1f s: val_top1 %.4f (best %.4f at epoch %d), %.0f samples/s",
        result.train_time_s,
        result.val_top1,
        result.best_val_top1,
        result.best_epoch,
        result.samples_per_s,
    )
    return result
