"""RandomOneShot / SPOS (Guo et al. 2020): train the supernet one uniformly drawn sub-network
per step, then search sub-networks by evolution, each scored with the supernet's weights (batch
norm re-estimated for it) on the architecture data. A MAdd range, priced exactly from the
profiler's per-edge table, filters candidates before they are scored; the MAdd penalty, if
any, is subtracted from the accuracy.
"""

from __future__ import annotations

from torch.utils.data import TensorDataset

from archsearch.config import RandomOneShotConfig, TrainConfig
from archsearch.errors import ConfigError
from archsearch.oneshot.evolution import EvolutionSettings, evolve
from archsearch.oneshot.method import Batch, OneShotMethod, Split
from archsearch.oneshot.space import Arch, random_arch
from archsearch.oneshot.supernet import Supernet


class RandomOneShot(OneShotMethod):
    conf: RandomOneShotConfig

    def __init__(
        self,
        supernet: Supernet,
        train_conf: TrainConfig,
        conf: RandomOneShotConfig,
        penalty: float = 0.0,
        seed: int = 0,
    ) -> None:
        super().__init__(supernet, train_conf, conf, penalty, seed)
        low, high = self.madd.bounds(conf.top_k)
        if (conf.madd_max is not None and conf.madd_max < low) or (
            conf.madd_min is not None and conf.madd_min > high
        ):
            raise ConfigError(  # before any training time is spent
                f"strategy.madd_min={conf.madd_min}, madd_max={conf.madd_max} excludes every "
                f"sub-network: this supernet's sub-networks have {low:g} to {high:g} MAdd"
            )
        # Scored after every epoch: a fixed sub-network shows whether the shared weights learn.
        self.reference = random_arch(self.rng, supernet.desc, conf.top_k)

    def prepare_weight_step(self) -> None:
        self.supernet.use_path(random_arch(self.rng, self.supernet.desc, self.conf.top_k))

    def arch_step(self, batch: Batch, lr: float) -> None:
        """Nothing: SPOS has no architecture parameters while the supernet trains."""

    def current_arch(self) -> Arch:
        return self.reference

    def in_range(self, arch: Arch) -> bool:
        madd = self.madd.arch_madd(arch)
        low, high = self.conf.madd_min, self.conf.madd_max
        return (low is None or madd >= low) and (high is None or madd <= high)

    def final_arch(self, split: Split) -> Arch:
        arch_data = TensorDataset(split.x_arch, split.y_arch)

        def fitness(arch: Arch) -> float:
            top1, _ = self.score(arch, split, arch_data)
            return top1 - self.penalty * self.madd.arch_madd(arch) / self.max_madd

        c = self.conf
        settings = EvolutionSettings(
            c.population, c.generations, c.parents, c.mutation_prob, c.top_k
        )
        return evolve(self.rng, self.supernet.desc, fitness, self.in_range, settings)
