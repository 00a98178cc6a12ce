"""Image-folder loading: archsearch's ``image_folder`` against a bare Pillow loop, same run.

    .venv/bin/python bench/data_load.py                       # 10^4 PNGs of 32x32, 10 classes
    .venv/bin/python bench/data_load.py --images 2000 --repeats 3

A folder of ``--images`` small RGB PNGs (smooth random gradients plus noise, so they compress
like small photos, not like flat colour) is written once; then, in turns, rotating the order,
``--repeats`` times (medians reported):

  bare Pillow    the loop anyone would write: for each file open, convert("RGB"), resize,
                 np.asarray; one thread; then np.stack (no folder scan, no labels)
  first load     image_folder's read_arrays with an empty cache folder: scan the class
                 folders, decode in a thread pool, write the .npz cache
  cached load    read_arrays again: scan + stat every file, hash, read the .npz back
  cached splits  load_data on the cached folder: the above plus the test/val hold-outs,
                 normalisation and tensors, i.e. what a run pays on resume

Every variant decodes to the same uint8 arrays (checked below).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

# Run from a checkout without `pip install -e .`: the package sits next to bench/.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archsearch.config import DataConfig
from archsearch.data import image_folder, load_data

COMMAND = "python bench/data_load.py"


def write_folder(root: Path, images: int, classes: int, size: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0, 1, size, dtype=np.float32)
    for i in range(images):
        folder = root / f"class_{i % classes:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        a, b, c = rng.uniform(40, 215, 3)
        base = a * ramp[:, None] + b * ramp[None, :] + c * (1 - ramp[:, None])  # (H, W)
        rgb = base[..., None] * rng.uniform(0.5, 1.0, 3) + rng.normal(0, 8, (size, size, 3))
        Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).save(folder / f"{i:06d}.png")


def bare_pillow(root: Path, image_size: int) -> np.ndarray:
    paths = sorted(root.glob("*/*.png"))
    out = []
    for path in paths:
        with Image.open(path) as image:
            image = image.convert("RGB").resize((image_size, image_size), Image.Resampling.BILINEAR)
            out.append(np.asarray(image))
    return np.stack(out).transpose(0, 3, 1, 2)  # (N, H, W, 3) -> (N, 3, H, W)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--images", type=int, default=10_000)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--source-size", type=int, default=32, help="side of the PNGs written")
    p.add_argument("--image-size", type=int, default=32, help="data.image_size to decode to")
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()

    with tempfile.TemporaryDirectory(prefix="archsearch-bench-data-") as tmp:
        root = Path(tmp) / "images"
        start = time.perf_counter()
        write_folder(root, args.images, args.classes, args.source_size, seed=0)
        write_s = time.perf_counter() - start
        size_mb = sum(f.stat().st_size for f in root.glob("*/*.png")) / 1e6
        caches = Path(tmp) / "caches"

        def conf(cache: Path) -> DataConfig:
            return DataConfig(
                name="image_folder",
                root=str(root),
                image_size=args.image_size,
                cache_dir=str(cache),
            )

        warm = caches / "warm"
        reference = bare_pillow(root, args.image_size)
        _, arrays = image_folder.read_arrays(conf(warm))  # fills the cache the cached rows read
        assert np.array_equal(arrays["x_train"], reference), "image_folder decodes differently"
        runs = iter(range(10**9))
        variants: dict[str, Callable[[], object]] = {
            "bare Pillow": lambda: bare_pillow(root, args.image_size),
            "first load": lambda: image_folder.read_arrays(conf(caches / f"cold{next(runs)}")),
            "cached load": lambda: image_folder.read_arrays(conf(warm)),
            "cached splits": lambda: load_data(conf(warm)),
        }
        times: dict[str, list[float]] = {name: [] for name in variants}
        names = list(variants)
        for r in range(args.repeats):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                start = time.perf_counter()
                variants[name]()
                times[name].append(time.perf_counter() - start)

    bare = statistics.median(times["bare Pillow"])
    print(
        f"{args.images} PNGs of {args.source_size}x{args.source_size} RGB ({size_mb:.1f} MB, "
        f"written in {write_s:.1f} s), {args.classes} classes, decoded to {args.image_size}px; "
        f"{os.cpu_count()} CPUs; {args.repeats} repeats; identical arrays: yes"
    )
    print("| variant | seconds (median) | min..max | images/s | ratio to bare Pillow |")
    print("|---|---:|---:|---:|---:|")
    for name in names:
        t = times[name]
        med = statistics.median(t)
        print(
            f"| {name} | {med:.3f} | {min(t):.3f}..{max(t):.3f} | {args.images / med:,.0f} | "
            f"{bare / med:.2f}x |"
        )
    print(
        f"command: {COMMAND} --images {args.images} --source-size {args.source_size} "
        f"--image-size {args.image_size} --repeats {args.repeats}"
    )


if __name__ == "__main__":
    main()
