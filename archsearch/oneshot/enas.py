"""ENAS (Pham et al. 2018): an LSTM controller samples sub-networks of the shared supernet.

Each weight step trains the path the controller samples; each architecture step samples
another, scores it on a batch of architecture data with the shared weights, and moves the
controller by REINFORCE: ``-(reward - baseline) * log p(arch) - entropy_weight * H``, with
``reward = top-1 - penalty * MAdd / max MAdd`` and a moving-average baseline. The export is the
controller's most probable sub-network.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.distributions import Categorical

from archsearch.config import EnasConfig, TrainConfig
from archsearch.oneshot.method import Batch, OneShotMethod
from archsearch.oneshot.space import NONE, Arch, primitives_of
from archsearch.oneshot.supernet import Supernet
from archsearch.space.desc import CELL_INPUTS, ModelDesc


class Controller(nn.Module):
    """Emits, cell by cell and node by node, ``k`` distinct inputs and one op for each. Every
    decision is fed back as the next step's input token (0 starts, then ops, then inputs)."""

    def __init__(self, supernet: ModelDesc, k: int, hidden: int) -> None:
        super().__init__()
        self.nodes = [len(cell.nodes) for cell in supernet.cells]
        self.prims = [p for p in primitives_of(supernet) if p != NONE]
        self.k = k
        max_inputs = CELL_INPUTS + max(self.nodes)
        self.lstm = nn.LSTMCell(hidden, hidden)
        self.embed = nn.Embedding(1 + len(self.prims) + max_inputs, hidden)
        self.op_head = nn.Linear(hidden, len(self.prims))
        self.input_head = nn.Linear(hidden, max_inputs)

    def sample(self, greedy: bool = False) -> tuple[Arch, torch.Tensor, torch.Tensor]:
        """(sub-network, its log-probability, the summed entropy of its decisions)."""
        arch, log_prob, entropy, _ = self._rollout(greedy)
        return arch, log_prob, entropy

    def op_probabilities(self) -> list[float]:
        """Mean probability of each op (``prims`` order) over the op decisions of the most
        probable sub-network: how much the controller favours each op."""
        with torch.no_grad():
            *_, probs = self._rollout(greedy=True)
        return torch.stack(probs).mean(0).tolist()

    def _rollout(self, greedy: bool) -> tuple[Arch, torch.Tensor, torch.Tensor, list[torch.Tensor]]:
        """(arch, log-probability, entropy, each op decision's probabilities)."""
        device = self.op_head.weight.device
        state = None
        token = 0
        log_probs, entropies, op_probs = [], [], []

        def step(logits: torch.Tensor) -> int:
            dist = Categorical(logits=logits)
            choice = logits.argmax() if greedy else dist.sample()
            log_probs.append(dist.log_prob(choice))
            entropies.append(dist.entropy())
            return int(choice)

        def hidden(token: int) -> torch.Tensor:
            nonlocal state
            state = self.lstm(self.embed(torch.tensor([token], device=device)), state)
            return state[0][0]  # (hidden,)

        cells = []
        for n_nodes in self.nodes:
            nodes = []
            for ni in range(n_nodes):
                candidates = CELL_INPUTS + ni
                pairs: list[tuple[int, str]] = []
                for _ in range(min(self.k, candidates)):
                    logits = self.input_head(hidden(token))[:candidates]
                    taken = torch.zeros(candidates, dtype=torch.bool, device=device)
                    taken[[j for j, _ in pairs]] = True  # inputs of a node are distinct
                    j = step(logits.masked_fill(taken, float("-inf")))
                    token = 1 + len(self.prims) + j
                    op_logits = self.op_head(hidden(token))
                    op_probs.append(op_logits.softmax(0))
                    p = step(op_logits)
                    token = 1 + p
                    pairs.append((j, self.prims[p]))
                nodes.append(tuple(sorted(pairs)))
            cells.append(tuple(nodes))
        return tuple(cells), torch.stack(log_probs).sum(), torch.stack(entropies).sum(), op_probs


class Enas(OneShotMethod):
    conf: EnasConfig

    def __init__(
        self,
        supernet: Supernet,
        train_conf: TrainConfig,
        conf: EnasConfig,
        penalty: float = 0.0,
        seed: int = 0,
    ) -> None:
        super().__init__(supernet, train_conf, conf, penalty, seed)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.controller = Controller(supernet.desc, conf.top_k, conf.controller_hidden)
        self.controller.to(self.device)
        self.controller_opt = torch.optim.Adam(self.controller.parameters(), conf.controller_lr)
        self.baseline: float | None = None

    def prepare_weight_step(self) -> None:
        with torch.no_grad():
            arch, _, _ = self.controller.sample()
        self.supernet.use_path(arch)

    def arch_step(self, batch: Batch, lr: float) -> None:
        arch, log_prob, entropy = self.controller.sample()
        self.supernet.use_path(arch)
        with torch.no_grad():
            hits = self.supernet(batch.x_arch).argmax(1) == batch.y_arch
        reward = hits.float().mean().item()
        reward -= self.penalty * self.madd.arch_madd(arch) / self.max_madd
        baseline = reward if self.baseline is None else self.baseline
        loss = -(reward - baseline) * log_prob - self.conf.entropy_weight * entropy
        self.controller_opt.zero_grad(set_to_none=True)
        loss.backward()
        self.controller_opt.step()
        decay = self.conf.baseline_decay
        self.baseline = decay * baseline + (1 - decay) * reward

    def current_arch(self) -> Arch:
        with torch.no_grad():
            arch, _, _ = self.controller.sample(greedy=True)
        return arch
