"""ProxylessNAS (Cai et al. 2019): binary gates, one path per edge per step.

Each step samples one op per edge from softmax(alpha) and runs only it, so a step costs about
as much as one sub-network. Gates are one-hot in value and softmax(alpha) in gradient (the
straight-through estimator), which moves alpha towards ops whose output lowers the loss;
the expected-MAdd penalty in the architecture loss is differentiable in alpha directly.
"""

from __future__ import annotations

from archsearch.oneshot.bilevel import Bilevel


class Proxyless(Bilevel):
    def prepare_weight_step(self) -> None:
        self.supernet.use_gates(
            {
                key: self.rng.choices(range(len(p)), weights=p)[0]
                for key, p in self.supernet.probabilities().items()
            }
        )
