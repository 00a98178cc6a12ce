import pytest
import torch

from archsearch.config import TrainConfig
from archsearch.train.augment import augment, augments, cutout, random_crop, random_flip


def numbered(b: int = 64, c: int = 3, h: int = 8, w: int = 8) -> torch.Tensor:
    """Every sample's pixels are distinct positive numbers, offset by 1000 x the sample index,
    so where a value ends up says which sample and which pixel it came from."""
    return (torch.arange(b * c * h * w, dtype=torch.float32) + 1).view(b, c, h, w)


def sample_of(x: torch.Tensor) -> torch.Tensor:
    """Index of the sample each non-zero value came from, per output sample (set of them)."""
    per = x[0].numel()
    return [set(((v - 1) // per).long().tolist()) for v in (s[s > 0] for s in x)]


@pytest.mark.parametrize("padding", [1, 4])
def test_crop_shifts_each_sample_within_the_padding_and_keeps_order(padding):
    torch.manual_seed(0)
    x = numbered()
    out = random_crop(x, padding)
    assert out.shape == x.shape
    assert sample_of(out) == [{i} for i in range(len(x))]  # no sample mixed with another
    shifts = set()
    for src, dst in zip(x, out, strict=True):
        # A shift (dy, dx) maps dst[:, y, x] = src[:, y + dy - p, x + dx - p] where inside.
        found = [
            (dy, dx)
            for dy in range(2 * padding + 1)
            for dx in range(2 * padding + 1)
            if torch.equal(
                dst,
                torch.nn.functional.pad(src, (padding,) * 4)[:, dy : dy + 8, dx : dx + 8],
            )
        ]
        assert len(found) == 1
        shifts.add(found[0])
    assert len(shifts) > 4  # drawn per sample, not one shift for the batch


def test_flip_mirrors_about_half_of_the_samples_each_whole():
    torch.manual_seed(0)
    x = numbered(b=400, c=1)
    out = random_flip(x)
    flipped = [torch.equal(o, s.flip(2)) for o, s in zip(out, x, strict=True)]
    kept = [torch.equal(o, s) for o, s in zip(out, x, strict=True)]
    assert all(f != k for f, k in zip(flipped, kept, strict=True))  # each one or the other
    assert 150 < sum(flipped) < 250


def test_cutout_zeroes_a_clipped_square_per_sample():
    torch.manual_seed(0)
    x = torch.ones(300, 3, 32, 32)
    out = cutout(x, 16)
    zeros = out == 0
    assert torch.equal(zeros[:, 0], zeros[:, 2])  # the same square on every channel
    areas = zeros[:, 0].sum(dim=(1, 2))
    assert areas.max() == 16 * 16 and areas.min() >= 8 * 8  # a centre near a corner is clipped
    for mask in zeros[:, 0]:
        rows, cols = mask.any(1).nonzero(), mask.any(0).nonzero()
        # One axis-aligned rectangle: its bounding box is all zero.
        r0, r1, c0, c1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
        assert mask[r0:r1, c0:c1].all() and mask.sum() == (r1 - r0) * (c1 - c0)
    assert len({tuple(m.nonzero()[0].tolist()) for m in zeros[:, 0]}) > 50  # per sample


def test_augment_off_is_the_identity_and_on_keeps_shape():
    x = numbered()
    off = TrainConfig()
    assert not augments(off) and torch.equal(augment(x, off), x)
    on = TrainConfig(crop_padding=2, hflip=True, cutout=4)
    assert augments(on) and augment(x, on).shape == x.shape
