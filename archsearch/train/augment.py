"""Data augmentation of a whole batch on its device: random crop, horizontal flip, cutout.

The data set already lives on the training device (see trainer.py), so augmenting per sample
in Python, or on the CPU in a DataLoader, would cost more than a small network's step. Each
function draws one random number per sample from the default generator of the batch's device
(seeded by the trainer) and acts on every sample at once, keeping the batch order (and so the
labels) as it was.

Inputs are normalised already, so a crop pads with 0, the data set's mean colour, where
torchvision pads raw pixels with black before normalising (DARTS); cutout zeroes its square after
normalising, as DARTS' Cutout does.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from archsearch.config import TrainConfig


def random_crop(x: torch.Tensor, padding: int) -> torch.Tensor:
    """Pad ``padding`` zeros on each side of every (B, C, H, W) sample and crop H x W back at
    an offset drawn per sample in [0, 2 * padding]: a random shift of up to ``padding`` pixels."""
    if padding == 0:
        return x
    b, c, h, w = x.shape
    padded = F.pad(x, (padding, padding, padding, padding))  # (B, C, H + 2p, W + 2p)
    wp = w + 2 * padding
    dy = torch.randint(0, 2 * padding + 1, (b, 1, 1), device=x.device)
    dx = torch.randint(0, 2 * padding + 1, (b, 1, 1), device=x.device)
    rows = dy + torch.arange(h, device=x.device).view(1, h, 1)  # (B, H, 1)
    cols = dx + torch.arange(w, device=x.device).view(1, 1, w)  # (B, 1, W)
    flat = (rows * wp + cols).view(b, 1, h * w).expand(b, c, h * w)  # (B, C, H * W)
    return padded.flatten(2).gather(2, flat).view(b, c, h, w)


def random_flip(x: torch.Tensor) -> torch.Tensor:
    """Mirror each (B, C, H, W) sample left-right with probability 1/2."""
    flip = torch.rand(x.shape[0], 1, 1, 1, device=x.device) < 0.5
    return torch.where(flip, x.flip(3), x)


def cutout(x: torch.Tensor, length: int) -> torch.Tensor:
    """Zero a ``length`` x ``length`` square (clipped at the border) centred at a pixel drawn
    per sample, as DARTS' Cutout does."""
    if length == 0:
        return x
    b, _, h, w = x.shape
    cy = torch.randint(0, h, (b, 1), device=x.device)
    cx = torch.randint(0, w, (b, 1), device=x.device)
    ys = torch.arange(h, device=x.device).view(1, h)
    xs = torch.arange(w, device=x.device).view(1, w)
    half = length // 2
    in_rows = (ys >= cy - half) & (ys < cy + half)  # (B, H)
    in_cols = (xs >= cx - half) & (xs < cx + half)  # (B, W)
    keep = ~(in_rows[:, :, None] & in_cols[:, None, :])  # (B, H, W)
    return x * keep[:, None].to(x.dtype)


def augments(conf: TrainConfig) -> bool:
    """Whether ``conf`` asks for any augmentation (the trainer skips ``augment`` otherwise)."""
    return conf.crop_padding > 0 or conf.hflip or conf.cutout > 0


def augment(x: torch.Tensor, conf: TrainConfig) -> torch.Tensor:
    """The recipe's augmentations of one training batch, in torchvision's order: crop, flip,
    then cutout."""
    x = random_crop(x, conf.crop_padding)
    if conf.hflip:
        x = random_flip(x)
    return cutout(x, conf.cutout)
