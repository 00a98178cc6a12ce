"""Multiply-adds and parameter count of a model, with PyTorch's own FLOP counter."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode


@dataclass
class Profile:
    madd: int  # multiply-adds of one forward pass on one sample (FLOPs / 2)
    params: int  # trainable network weights, architecture weights excluded

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def count_params(model: nn.Module) -> int:
    """Every parameter except the architecture weights of a search model: those are not part
    of the network that would be deployed."""
    arch_parameters = getattr(model, "arch_parameters", None)
    arch = {id(p) for p in arch_parameters()} if callable(arch_parameters) else set()
    return sum(p.numel() for p in model.parameters() if id(p) not in arch)


def _count(model: nn.Module, input_shape: tuple[int, ...]) -> FlopCounterMode:
    """One forward pass of a zero sample under the FLOP counter, in eval mode (batch norm uses,
    and does not update, its running statistics); every module's training flag is restored."""
    modes = {m: m.training for m in model.modules()}
    first = next(model.parameters(), None)
    like = first if first is not None else torch.zeros(())
    counter = FlopCounterMode(display=False)
    model.eval()
    try:
        with torch.no_grad(), counter:
            model(torch.zeros(1, *input_shape, device=like.device, dtype=like.dtype))
    finally:
        for module, training in modes.items():
            module.training = training
    return counter


def profile(model: nn.Module, input_shape: tuple[int, ...]) -> Profile:
    """MAdd of one sample of shape ``input_shape`` (C, H, W). The counter covers convolutions,
    linear layers and matmuls, counting 2 FLOPs per multiply-add."""
    counter = _count(model, input_shape)
    return Profile(madd=counter.get_total_flops() // 2, params=count_params(model))


def module_madd(model: nn.Module, input_shape: tuple[int, ...]) -> dict[str, int]:
    """MAdd of one sample per submodule, keyed by its ``named_modules`` name (``""`` is the
    whole model); modules that multiply nothing (pooling, identity) are absent."""
    counts = _count(model, input_shape).get_flop_counts()
    root = type(model).__name__
    out = {}
    for name, ops in counts.items():
        if name == root or name.startswith(root + "."):  # the counter prefixes the class name
            out[name[len(root) + 1 :]] = sum(ops.values()) // 2
    return out
