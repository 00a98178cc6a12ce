"""What every one-shot method shares: the supernet training loop and the final scoring.

A method trains the supernet's weights with SGD (cosine schedule, as ``train``) on one part of
the training set and makes its architecture decisions (alphas, controller, evolution fitness)
on the held-out rest (``arch_fraction``), as DARTS splits its training data; ``data.val``
only measures. Subclasses say how the supernet runs during a weight step, what an
architecture step does, and which sub-network they export.
"""

from __future__ import annotations

import itertools
import logging
import random
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import TensorDataset

from archsearch.config import OneShotConfig, TrainConfig
from archsearch.data import DataSplits
from archsearch.errors import NonFiniteLossError
from archsearch.oneshot.space import Arch
from archsearch.oneshot.supernet import Supernet
from archsearch.train.trainer import lr_at, resolve_device, shuffled_batches

log = logging.getLogger(__name__)

EpochCallback = Callable[[int, dict[str, float]], None]


@dataclass
class Split:
    """The training set on the device, cut into weight data and architecture data."""

    x_weights: torch.Tensor
    y_weights: torch.Tensor
    x_arch: torch.Tensor
    y_arch: torch.Tensor
    val: TensorDataset


@dataclass
class Batch:
    """One step's batches: architecture data and the weight data the weights train on."""

    x_arch: torch.Tensor
    y_arch: torch.Tensor
    x_weights: torch.Tensor
    y_weights: torch.Tensor


@dataclass
class SearchOutcome:
    arch: Arch  # the exported sub-network
    metrics: dict[str, float]  # its top-1/loss in the supernet on val, mean epoch time...
    curve: list[dict[str, float]] = field(default_factory=list)  # one dict per supernet epoch


class OneShotMethod(ABC):
    def __init__(
        self,
        supernet: Supernet,
        train_conf: TrainConfig,
        conf: OneShotConfig,
        penalty: float = 0.0,
        seed: int = 0,
    ) -> None:
        self.supernet = supernet
        self.train_conf = train_conf
        self.conf = conf
        self.penalty = penalty
        self.seed = seed
        self.rng = random.Random(seed)
        self.madd = supernet.madd_table()
        self.max_madd = self.madd.bounds(conf.top_k)[1]  # the penalty's unit
        self.device = resolve_device(train_conf.device)
        supernet.to(self.device)
        self.weight_opt = torch.optim.SGD(
            supernet.weight_parameters(),
            lr=train_conf.lr,
            momentum=train_conf.momentum,
            nesterov=train_conf.nesterov,
            weight_decay=train_conf.weight_decay,
        )

    # --- what a method says ------------------------------------------------------------------
    @abstractmethod
    def prepare_weight_step(self) -> None:
        """Set how the supernet runs for the next weight step (mixture, path, gates)."""

    @abstractmethod
    def arch_step(self, batch: Batch, lr: float) -> None:
        """One architecture update, before the weight step on the same step's batches."""

    @abstractmethod
    def current_arch(self) -> Arch:
        """The sub-network the method would export now (scored after every epoch)."""

    def end_epoch(self, epoch: int) -> dict[str, float]:
        """Per-epoch bookkeeping (a temperature); extra metrics for the epoch's record."""
        return {}

    def final_arch(self, split: Split) -> Arch:
        """The exported sub-network once the supernet is trained."""
        return self.current_arch()

    # --- shared ------------------------------------------------------------------------------
    def penalised(self, loss: torch.Tensor) -> torch.Tensor:
        """``loss + penalty * E[MAdd] / max MAdd``: the MAdd term only moves alpha."""
        if not self.penalty:
            return loss
        expected = self.supernet.expected_madd(self.madd, self.conf.top_k)
        return loss + self.penalty * expected / self.max_madd

    def score(self, arch: Arch, split: Split, data: TensorDataset) -> tuple[float, float]:
        """(top-1, loss) of ``arch`` on ``data`` with the supernet's weights."""
        batch = self.train_conf.eval_batch_size
        return self.supernet.score_arch(arch, split.x_weights, data, batch)

    def split(self, data: DataSplits) -> Split:
        x, y = (t.to(self.device) for t in data.train.tensors)
        n_arch = max(2, round(len(y) * self.conf.arch_fraction))
        if len(y) - n_arch < 2:
            raise ValueError(f"{len(y)} training samples cannot be split for a one-shot search")
        perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(self.seed))
        perm = perm.to(self.device)
        w, a = perm[n_arch:], perm[:n_arch]
        val = TensorDataset(*(t.to(self.device) for t in data.val.tensors))
        return Split(x[w], y[w], x[a], y[a], val)

    def weight_step(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        self.prepare_weight_step()
        loss = F.cross_entropy(self.supernet(x), y)
        if not torch.isfinite(loss):
            raise NonFiniteLossError(f"non-finite supernet loss {loss.item()}")
        self.weight_opt.zero_grad(set_to_none=True)
        loss.backward()
        if self.train_conf.grad_clip is not None:
            nn.utils.clip_grad_norm_(self.supernet.weight_parameters(), self.train_conf.grad_clip)
        self.weight_opt.step()
        return loss.detach()

    def fit(self, data: DataSplits, on_epoch: EpochCallback | None = None) -> SearchOutcome:
        """Train the supernet for ``train_conf.epochs`` and pick the exported sub-network."""
        split = self.split(data)
        conf = self.train_conf
        generator = torch.Generator().manual_seed(self.seed)
        batch = min(conf.batch_size, len(split.y_weights), len(split.y_arch))
        curve: list[dict[str, float]] = []
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            for epoch in range(conf.epochs):
                start = time.perf_counter()
                lr = lr_at(epoch, conf)
                for group in self.weight_opt.param_groups:
                    group["lr"] = lr
                self.supernet.train()
                loss_sum, steps = torch.zeros((), device=self.device), 0
                arch_batches = itertools.cycle(
                    list(shuffled_batches(len(split.y_arch), batch, generator, self.device))
                )
                for idx in shuffled_batches(len(split.y_weights), batch, generator, self.device):
                    a = next(arch_batches)
                    if epoch >= self.conf.warmup_epochs:
                        self.arch_step(
                            Batch(
                                split.x_arch[a],
                                split.y_arch[a],
                                split.x_weights[idx],
                                split.y_weights[idx],
                            ),
                            lr,
                        )
                    loss_sum += self.weight_step(split.x_weights[idx], split.y_weights[idx])
                    steps += 1
                train_s = time.perf_counter() - start
                metrics = {"epoch": epoch, "lr": lr, **self.end_epoch(epoch)}
                metrics["train_loss"] = loss_sum.item() / max(steps, 1)
                metrics["val_top1"], metrics["val_loss"] = self.score(
                    self.current_arch(), split, split.val
                )
                metrics["supernet_epoch_s"] = train_s
                metrics["epoch_time_s"] = time.perf_counter() - start
                curve.append(metrics)
                log.debug("supernet epoch %d: %s", epoch, metrics)
                if on_epoch is not None:
                    on_epoch(epoch, dict(metrics))
            arch = self.final_arch(split)
        top1, loss = self.score(arch, split, split.val)
        metrics = {
            "val_top1": top1,
            "best_val_top1": top1,
            "val_loss": loss,
            "epochs": conf.epochs,
            "supernet_epoch_s": sum(m["supernet_epoch_s"] for m in curve) / len(curve),
            "penalty_weight": self.penalty,
            "predicted_madd": self.madd.arch_madd(arch),
        }
        return SearchOutcome(arch, metrics, curve)
