"""Shared helpers of the nn tests: a short deterministic training loop, one intra-op thread."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import torch
from torch import nn


def train_briefly(model: nn.Module, input_shape: tuple[int, int, int], steps: int = 20) -> None:
    """A plain SGD loop over a fixed synthetic batch set, so weights and BN stats are no longer
    at their initial values."""
    gen = torch.Generator().manual_seed(0)
    xs = torch.randn(4, 8, *input_shape, generator=gen)  # 4 batches of (8, C, H, W)
    ys = torch.randint(0, model.head.out_features, (4, 8), generator=gen)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    model.train()
    for step in range(steps):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xs[step % 4]), ys[step % 4])
        loss.backward()
        opt.step()


@pytest.fixture
def trainer() -> Callable[..., None]:
    return train_briefly


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    """These models are tiny: with several intra-op threads on a busy 2-core machine, thread
    hand-offs cost ~10x the convolutions themselves."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
