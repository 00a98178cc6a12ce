"""The training recipe of one run, resolved once: what acts on each step and each epoch.

``Recipe.for_run`` turns the ``train.*`` recipe keys into what a training loop needs for a
given model and device: whether batches are augmented, the auxiliary head (hooked onto the
model), the drop-path setter, and the precision. ``finish`` leaves the model as a network
without any of it: drop-path off, no auxiliary hook.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from archsearch.config import TrainConfig
from archsearch.nn.aux_head import AuxHead, attach_aux_head
from archsearch.train.augment import augments
from archsearch.train.precision import Precision, resolve_precision

log = logging.getLogger(__name__)


@dataclass
class Recipe:
    augment: bool  # augment every training batch (augment.py)
    aux: AuxHead | None  # hooked onto the model; its loss is added with conf.aux_weight
    precision: Precision
    set_drop_path: Callable[[float], None] | None  # the model's, when drop-path is on
    drop_path: float  # the largest drop-path probability, reached as epochs run out

    @classmethod
    def for_run(cls, model: nn.Module, conf: TrainConfig, device: torch.device) -> Recipe:
        """Resolve the recipe for ``model`` on ``device``: moves the model there (in the
        recipe's memory format) and attaches the auxiliary head if there is one."""
        precision = resolve_precision(conf, device)
        model.to(device=device, memory_format=precision.memory_format)
        aux = None
        if conf.aux_weight > 0:
            aux = attach_aux_head(model)
            if aux is None:
                log.info("aux_weight=%g: no auxiliary head (no reduction cell)", conf.aux_weight)
            else:
                aux.to(memory_format=precision.memory_format)
        setter = None
        if conf.drop_path > 0:
            setter = getattr(model, "set_drop_path", None)
            if not callable(setter):
                log.warning("drop_path=%g ignored: %s has none", conf.drop_path, type(model))
                setter = None
        return cls(augments(conf), aux, precision, setter, conf.drop_path)

    def parameters(self) -> list[nn.Parameter]:
        """What the recipe adds to the trained weights (the auxiliary head's)."""
        return [] if self.aux is None else list(self.aux.parameters())

    def start_epoch(self, epoch: int, epochs: int) -> None:
        if self.set_drop_path is not None:
            self.set_drop_path(self.drop_path * epoch / epochs)  # DARTS' linear schedule

    def finish(self) -> None:
        if self.set_drop_path is not None:
            self.set_drop_path(0.0)
        if self.aux is not None:
            self.aux.detach()
