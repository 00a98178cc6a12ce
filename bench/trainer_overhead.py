"""Trainer overhead: ``archsearch.train.train`` against a bare hand-written PyTorch loop.

    .venv/bin/python bench/trainer_overhead.py               # seed network c3r1n2, digits
    .venv/bin/python bench/trainer_overhead.py --repeats 7 --epochs 3 --model cnn

Every variant trains the same initial weights on the same data (digits), batch size, epochs,
SGD + cosine schedule + gradient clipping, with one validation pass per epoch and one pass over
the test split at the end, so they do the same arithmetic; the bare tensor loop even ends with
bit-identical weights (checked below).
Variants run in turns, in a rotating order, ``--repeats`` times; the medians are reported.

  bare            the loop anyone would write: on-device tensors, a shuffled index per epoch
  bare+isfinite   the same plus the trainer's per-step NaN/inf check (one host sync a step)
  bare+DataLoader the textbook loop: DataLoader(shuffle=True) over the TensorDataset
  trainer         archsearch.train.train (recipe off: the default config)
  trainer+recipe  the same with the training recipe on: crop (1-pixel padding) + flip +
                  cutout 4 (CIFAR's 4 and 16 of 32 pixels, scaled to digits' 8), drop-path 0.2,
                  auxiliary head 0.4 (precision and channels_last act on CUDA only)

The trainer keeps its best epoch's weights, so the weights check compares the bare loop with
an extra, untimed trainer run that keeps the last epoch's (``keep_best=False``).
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

# Run from a checkout without `pip install -e .`: the package sits next to bench/.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archsearch.config import DataConfig, TrainConfig
from archsearch.data import DataSplits, load_data
from archsearch.train import lr_at, train

COMMAND = "python bench/trainer_overhead.py"


def build_model(kind: str, seed: int) -> tuple[nn.Module, str]:
    torch.manual_seed(seed)
    if kind == "seed":
        from archsearch.nn import Model
        from archsearch.space.builders import seed_model

        desc = seed_model(
            cells=3, reductions=1, nodes=2, init_channels=8, num_classes=10, input_shape=(1, 8, 8)
        )
        return Model.from_desc(desc), f"seed network {desc.label()} (init_channels 8)"
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1, bias=False),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.Conv2d(32, 64, 3, padding=1, stride=2, bias=False),
        nn.BatchNorm2d(64),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(64, 10),
    )
    return model, "small CNN (2 conv + BN)"


def evaluate_bare(model: nn.Module, split: TensorDataset, batch_size: int) -> float:
    model.eval()
    x, y = split.tensors
    correct = 0
    with torch.no_grad():
        for i in range(0, len(y), batch_size):
            correct += (model(x[i : i + batch_size]).argmax(1) == y[i : i + batch_size]).sum()
    return int(correct) / len(y)


def bare_loop(
    model: nn.Module,
    data: DataSplits,
    conf: TrainConfig,
    seed: int,
    check_finite: bool = False,
    dataloader: bool = False,
) -> None:
    x, y = data.train.tensors
    opt = torch.optim.SGD(
        model.parameters(),
        lr=conf.lr,
        momentum=conf.momentum,
        nesterov=conf.nesterov,
        weight_decay=conf.weight_decay,
    )
    gen = torch.Generator().manual_seed(seed)
    loader = DataLoader(data.train, batch_size=conf.batch_size, shuffle=True, generator=gen)
    torch.manual_seed(seed)
    for epoch in range(conf.epochs):
        for group in opt.param_groups:
            group["lr"] = lr_at(epoch, conf)
        model.train()
        if dataloader:
            batches = iter(loader)
        else:
            perm = torch.randperm(len(y), generator=gen)
            batches = ((x[idx], y[idx]) for idx in perm.split(conf.batch_size))
        for xb, yb in batches:
            loss = F.cross_entropy(model(xb), yb)
            if check_finite and not torch.isfinite(loss):
                raise FloatingPointError("non-finite loss")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), conf.grad_clip)
            opt.step()
        evaluate_bare(model, data.val, conf.eval_batch_size)
    if data.test is not None:  # the trainer reports the test split once, at the end
        evaluate_bare(model, data.test, conf.eval_batch_size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--model", choices=["seed", "cnn"], default="seed")
    # One thread by default: on a shared machine, OpenMP threads spinning against other
    # processes made single runs vary 20x (46..986 samples/s), drowning the loop overhead.
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    data = load_data(DataConfig(name="digits"))
    conf = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, device="cpu")
    recipe = conf.model_copy(
        update={"crop_padding": 1, "hflip": True, "cutout": 4, "drop_path": 0.2, "aux_weight": 0.4}
    )
    base, description = build_model(args.model, seed=0)
    seed = 0
    n_samples = conf.epochs * len(data.train)
    final: dict[str, nn.Module] = {}

    def run(name: str, fit: Callable[[nn.Module], None]) -> float:
        model = copy.deepcopy(base)
        start = time.perf_counter()
        fit(model)
        elapsed = time.perf_counter() - start
        final[name] = model
        return n_samples / elapsed

    variants: dict[str, Callable[[nn.Module], None]] = {
        "bare": lambda m: bare_loop(m, data, conf, seed),
        "bare+isfinite": lambda m: bare_loop(m, data, conf, seed, check_finite=True),
        "bare+DataLoader": lambda m: bare_loop(m, data, conf, seed, dataloader=True),
        "trainer": lambda m: train(m, data, conf, seed=seed),
        "trainer+recipe": lambda m: train(m, data, recipe, seed=seed),
    }
    names = list(variants)
    run("warm-up", variants["bare"])  # first-call allocations and kernel selection
    rates: dict[str, list[float]] = {name: [] for name in names}
    for r in range(args.repeats):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            rates[name].append(run(name, variants[name]))

    run("trainer, last epoch", lambda m: train(m, data, conf, seed=seed, keep_best=False))
    same = all(
        torch.equal(a, b)
        for a, b in zip(
            final["bare"].state_dict().values(),
            final["trainer, last epoch"].state_dict().values(),
            strict=True,
        )
    )
    bare = statistics.median(rates["bare"])
    print(
        f"model: {description}; data: digits ({len(data.train)} train, {len(data.val)} val, "
        f"{len(data.test) if data.test is not None else 0} test); "
        f"batch {conf.batch_size}, {conf.epochs} epochs, {args.repeats} repeats, "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    )
    print(f"trainer and bare loop end with identical weights: {same}")
    print("| variant | samples/s (median) | min..max | ratio to bare |")
    print("|---|---:|---:|---:|")
    for name in names:
        med = statistics.median(rates[name])
        print(
            f"| {name} | {med:,.0f} | {min(rates[name]):,.0f}..{max(rates[name]):,.0f} | "
            f"{med / bare:.3f} |"
        )
    paired = [t / b for t, b in zip(rates["trainer"], rates["bare"], strict=True)]
    ratio = statistics.median(paired)
    verdict = "ok" if ratio >= 0.95 else "BELOW TARGET"
    print(f"trainer/bare (median of per-repeat ratios): {ratio:.3f}  (target >= 0.95: {verdict})")
    per_step = [t / r for t, r in zip(rates["trainer"], rates["trainer+recipe"], strict=True)]
    print(
        "recipe cost per step, trainer+recipe time / trainer time (median of per-repeat "
        f"ratios): {statistics.median(per_step):.3f}"
    )
    print(
        f"command: {COMMAND} --repeats {args.repeats} --epochs {args.epochs} "
        f"--batch-size {args.batch_size} --model {args.model} --threads {args.threads}"
    )


if __name__ == "__main__":
    main()
