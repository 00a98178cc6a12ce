"""Warm starts: copy a parent's tensors into a child wherever name and shape agree."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import torch
from torch import nn

log = logging.getLogger(__name__)


def inherit_weights(child: nn.Module, parent_state: Mapping[str, torch.Tensor]) -> int:
    """Copy every tensor of ``parent_state`` (parameters and buffers, e.g. BN running stats)
    whose name and shape match one of ``child``'s into it; return how many were copied.
    Tensors may live on another device than the child."""
    own = child.state_dict()
    matched = {
        name: tensor
        for name, tensor in parent_state.items()
        if name in own and own[name].shape == tensor.shape
    }
    child.load_state_dict(matched, strict=False)
    log.debug(
        "inherited %d of %d parent tensors into a child with %d",
        len(matched),
        len(parent_state),
        len(own),
    )
    return len(matched)
