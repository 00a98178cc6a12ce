"""DARTS (Liu et al. 2019) and GumbelDARTS: the bilevel loop over a softmax mixture of every op,
exported as the top-k edges of each node.

GumbelDARTS mixes the ops by a Gumbel-softmax sample of alpha instead (SNAS, Xie et al. 2019),
with a temperature that starts at ``tau_initial`` and is multiplied by ``tau_decay`` after every
epoch: early epochs explore nearly uniform mixtures, late ones train close to one-hot paths.
"""

from __future__ import annotations

import torch.nn.functional as F

from archsearch.config import GumbelDartsConfig, TrainConfig
from archsearch.oneshot.bilevel import Bilevel
from archsearch.oneshot.supernet import Supernet


class Darts(Bilevel):
    def prepare_weight_step(self) -> None:
        self.supernet.mix()


class GumbelDarts(Bilevel):
    def __init__(
        self,
        supernet: Supernet,
        train_conf: TrainConfig,
        conf: GumbelDartsConfig,
        penalty: float = 0.0,
        seed: int = 0,
    ) -> None:
        super().__init__(supernet, train_conf, conf, penalty, seed)
        self.tau = conf.tau_initial

    def prepare_weight_step(self) -> None:
        tau = self.tau  # a fresh sample on every forward pass
        self.supernet.mix(lambda alpha: F.gumbel_softmax(alpha, tau=tau))

    def end_epoch(self, epoch: int) -> dict[str, float]:
        used, self.tau = self.tau, self.tau * self.conf.tau_decay
        return {"tau": used}
