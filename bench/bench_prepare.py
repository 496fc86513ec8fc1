"""Throughput of the prepare stage: images decoded from the zip and written as arrays per second.

Runs the real stage (open and check the zip, decode every train and val image, write the .npy
files) several times on one zip and reports the best and median rate. Goal: at least 5,000
images/s on 2 CPU cores, so that the full 110,000-image archive prepares in under 25 s.

    python bench/bench_prepare.py [--zip PATH] [--repeats 3]

The default zip is the real Tiny ImageNet sample beside the repository (17,000 train and val
images); results go to bench/results/bench_prepare.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import torch

from tinyclr.data.prepare import PrepareConfig, prepare

REPO = Path(__file__).resolve().parents[1]
DEFAULT_ZIP = REPO.parent / "shared" / "data" / "tiny-imagenet-200-sample.zip"
FULL_ARCHIVE_IMAGES = 110_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zip", type=Path, default=DEFAULT_ZIP, help="Tiny ImageNet zip")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs")
    parser.add_argument(
        "--out", type=Path, default=REPO / "bench" / "results" / "bench_prepare.json"
    )
    args = parser.parse_args()
    if not args.zip.is_file():
        raise SystemExit(f"zip not found: {args.zip}; pass --zip PATH")
    logging.basicConfig(level=logging.ERROR)
    os.environ.setdefault("TQDM_DISABLE", "1")

    seconds = []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.repeats):
            start = time.perf_counter()
            manifest = prepare(args.zip, Path(folder) / "prepared", PrepareConfig())
            seconds.append(time.perf_counter() - start)
    images = manifest["train_images"] + manifest["val_images"]
    best, median = images / min(seconds), images / statistics.median(seconds)

    result = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "torch_threads": torch.get_num_threads(),
        "zip": args.zip.name,
        "images": images,
        "seconds": seconds,
        "images_per_s_best": round(best, 1),
        "images_per_s_median": round(median, 1),
        "full_archive_estimate_s": round(FULL_ARCHIVE_IMAGES / median, 1),
    }
    print(f"{'zip':<36} {'images':>7} {'median s':>9} {'img/s median':>13} {'img/s best':>11}")
    print(
        f"{args.zip.name:<36} {images:>7} {statistics.median(seconds):>9.2f} "
        f"{median:>13.0f} {best:>11.0f}"
    )
    print(f"estimate for the full {FULL_ARCHIVE_IMAGES:,}-image archive: "
          f"{result['full_archive_estimate_s']} s (goal: under 25 s)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
