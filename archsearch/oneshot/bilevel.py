"""The bilevel loop of the gradient methods (DARTS, GumbelDARTS, Proxyless): alternate an Adam
step of the architecture weights on architecture data with an SGD step of the network weights.

First order treats the weights as fixed in the architecture step. Second order (DARTS'
unrolled step) differentiates through one virtual SGD step ``w' = w - lr * dL_train/dw``::

    dL_val(w', alpha)/dalpha - lr * d2L_train(w, alpha)/dalpha dw . dL_val(w', alpha)/dw'

with the Hessian-vector product taken by finite differences, as in DARTS. The virtual step
ignores momentum (DARTS includes it), which only matters for the first steps of an epoch.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from archsearch.config import DartsConfig, ProxylessConfig, TrainConfig
from archsearch.oneshot.method import Batch, OneShotMethod
from archsearch.oneshot.space import Arch, top_k_arch
from archsearch.oneshot.supernet import Supernet
from archsearch.train.trainer import ARCH_BETAS

# DARTS' finite-difference step: eps = FD_SCALE / ||dL_val/dw'||.
FD_SCALE = 0.01


class Bilevel(OneShotMethod):
    def __init__(
        self,
        supernet: Supernet,
        train_conf: TrainConfig,
        conf: DartsConfig | ProxylessConfig,
        penalty: float = 0.0,
        seed: int = 0,
    ) -> None:
        super().__init__(supernet, train_conf, conf, penalty, seed)
        self.order = getattr(conf, "order", 1)
        self.arch_opt = torch.optim.Adam(
            supernet.arch_parameters(),
            lr=conf.arch_lr,
            betas=ARCH_BETAS,
            weight_decay=conf.arch_weight_decay,
        )

    def prepare_arch_step(self) -> None:
        """How the supernet runs in an architecture step: as in a weight step by default."""
        self.prepare_weight_step()

    def current_arch(self) -> Arch:
        return top_k_arch(self.supernet.desc, self.supernet.probabilities(), self.conf.top_k)

    def _loss(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        self.prepare_arch_step()
        return F.cross_entropy(self.supernet(x), y)

    def arch_step(self, batch: Batch, lr: float) -> None:
        alphas = self.supernet.arch_parameters()
        if self.order == 2:
            grads = self._unrolled_grads(batch, lr)
        else:
            loss = self.penalised(self._loss(batch.x_arch, batch.y_arch))
            grads = _grads(loss, alphas)
        for alpha, grad in zip(alphas, grads, strict=True):
            alpha.grad = grad
        self.arch_opt.step()

    def _unrolled_grads(self, batch: Batch, lr: float) -> list[torch.Tensor]:
        weights = self.supernet.weight_parameters()
        alphas = self.supernet.arch_parameters()
        train_grads = _grads(self._loss(batch.x_weights, batch.y_weights), weights)
        saved = [w.detach().clone() for w in weights]
        with torch.no_grad():  # the virtual step w' = w - lr * (g + weight decay * w)
            for w, g in zip(weights, train_grads, strict=True):
                w.sub_(lr * (g + self.train_conf.weight_decay * w))
        val_loss = self.penalised(self._loss(batch.x_arch, batch.y_arch))
        grads = _grads(val_loss, alphas + weights)
        d_alpha, v = grads[: len(alphas)], grads[len(alphas) :]
        with torch.no_grad():
            for w, s in zip(weights, saved, strict=True):
                w.copy_(s)
        norm = torch.sqrt(sum((g * g).sum() for g in v))
        if norm == 0:  # the virtual step changed nothing the loss sees
            return d_alpha
        hessian = self._hessian_vector(v, FD_SCALE / norm, batch)
        return [d - lr * h for d, h in zip(d_alpha, hessian, strict=True)]

    def _hessian_vector(
        self, v: list[torch.Tensor], eps: torch.Tensor, batch: Batch
    ) -> list[torch.Tensor]:
        """d2L_train/dalpha dw . v ~ (dL_train(w + eps v)/dalpha - dL_train(w - eps v)/dalpha)
        / (2 eps); the weights are left as they were."""
        weights = self.supernet.weight_parameters()
        alphas = self.supernet.arch_parameters()
        sides = []
        for sign in (1.0, -2.0):  # to w + eps v, then to w - eps v
            with torch.no_grad():
                for w, d in zip(weights, v, strict=True):
                    w.add_(sign * eps * d)
            sides.append(_grads(self._loss(batch.x_weights, batch.y_weights), alphas))
        with torch.no_grad():
            for w, d in zip(weights, v, strict=True):
                w.add_(eps * d)
        return [(p - n) / (2 * eps) for p, n in zip(*sides, strict=True)]


def _grads(loss: torch.Tensor, params: list[torch.Tensor]) -> list[torch.Tensor]:
    """d loss / d params; zeros for parameters the loss does not reach (ops that did not run)."""
    grads = torch.autograd.grad(loss, params, allow_unused=True)
    return [torch.zeros_like(p) if g is None else g for p, g in zip(params, grads, strict=True)]
