"""Benchmark SimCLR training throughput: batched augmentation against a per-image loader.

Measures training images/s (each image gives two views) of one optimizer step after another, for
ResNet18 (by default), batch 256, 64×64 px, through two input pipelines and without one. All
three feed the same model, loss and Adam step (``model_step`` of the train stage) at the same
precision and memory format, once per precision in ``--precision``:

- ``batched``: the train stage's own step. The uint8 images are indexed in memory and augmented
  as whole batches on the training device by ``tinyclr.augment``.
- ``per-image``: the design of the sthalles/SimCLR base code. A torch DataLoader with 2 workers
  applies torchvision transforms to one PIL image at a time. It reads PIL images made from the
  same uint8 arrays, so it pays no JPEG decoding, which favours it slightly.
- ``model only``: the step on views made in advance, with no input work at all. Its rate over
  the per-image rate is the ceiling of any input pipeline's speed-up on that device.

On CUDA the script also reports model FLOP utilisation (MFU): the forward and backward FLOPs of
one step, counted by ``torch.utils.flop_counter``, per second over the GPU's dense bf16 peak.
The images are random uint8 arrays, whose content does not change the cost of these steps.

bf16 on a CPU without native bf16 instructions is emulated and slow. Such a CPU gets fp32 from
the train stage's ``precision: auto``, so pass ``--precision fp32`` there.

Prints a table and writes ``bench/results/bench_train.json`` (or ``--out``). Run:
``.venv/bin/python bench/bench_train.py --steps 10``. On a GPU machine,
``bench/device_check.sh`` runs it for the GPU alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torch.utils.flop_counter import FlopCounterMode
from torchvision import transforms

from tinyclr.augment import AugmentConfig, SimCLRAugment, blur_kernel_size
from tinyclr.loss import nt_xent
from tinyclr.train import TrainConfig, build_model, model_step, train_step, use_channels_last

RESULTS = Path(__file__).resolve().parent / "results" / "bench_train.json"
WARMUP_STEPS = 2

# Dense bf16 peak in TFLOP/s from NVIDIA's data sheets (SXM parts unless named), for MFU. The
# first key contained in the device name wins, so the PCIe entry comes before the plain H100.
PEAK_BF16_TFLOPS = {"H100 PCIe": 756.0, "H100": 989.0, "H200": 989.0, "A100": 312.0, "L4": 121.0}


class PerImageViews(Dataset):
    """Two torchvision-augmented views of one PIL image per item, as in the base code."""

    def __init__(self, images: np.ndarray, config: AugmentConfig) -> None:
        self.images = images
        size = images.shape[1]
        jitter = transforms.ColorJitter(*config.jitter_strength)
        kernel = blur_kernel_size(size, config.blur_kernel_fraction)
        self.transform = transforms.Compose(
            [
                transforms.RandomResizedCrop(size, scale=tuple(config.crop_scale)),
                transforms.RandomHorizontalFlip(config.flip_p),
                transforms.RandomApply([jitter], p=config.jitter_p),
                transforms.RandomGrayscale(config.grayscale_p),
                transforms.RandomApply(
                    [transforms.GaussianBlur(kernel, tuple(config.blur_sigma))], p=config.blur_p
                ),
                transforms.ToTensor(),
            ]
        )

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        picture = Image.fromarray(self.images[index])
        return self.transform(picture), self.transform(picture)


def make_training(arch: str, batch_size: int, device: torch.device, channels_last: bool):
    config = TrainConfig(arch=arch, head_layers=2, batch_size=batch_size, temperature=0.07)
    torch.manual_seed(0)
    model = build_model(config).to(device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    scaler = torch.amp.GradScaler(device.type, enabled=False)
    return config, model, optimizer, scaler


def log_row(row: dict) -> None:
    """Print one measured row to stderr at once, since a full run takes minutes."""
    print(
        f"{row['device']} {row['precision']} {row['pipeline']}: {row['images_per_s']:.1f} images/s",
        file=sys.stderr,
        flush=True,
    )


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def timed_steps(device: torch.device, steps: int, step: Callable[[int], None]) -> float:
    """Call ``step(index)`` for the warm-up steps and ``steps`` more, and return the seconds that
    the calls after the warm-up took, with the GPU synchronised around each."""
    seconds = 0.0
    for index in range(steps + WARMUP_STEPS):
        synchronize(device)
        started = time.perf_counter()
        step(index)
        synchronize(device)
        if index >= WARMUP_STEPS:
            seconds += time.perf_counter() - started
    return seconds


def bench_batched(
    images: np.ndarray,
    arch: str,
    batch_size: int,
    steps: int,
    device: torch.device,
    precision: str,
) -> tuple[float, float]:
    """Return images/s of the train stage's step over ``steps`` steps after the warm-up steps,
    and the share of the step time that augmenting both views takes."""
    channels_last = use_channels_last(device, precision)
    config, model, optimizer, scaler = make_training(arch, batch_size, device, channels_last)
    augment = SimCLRAugment(config.augment, images.shape[1:3]).to(device)
    dataset = torch.from_numpy(images).to(device)
    order = torch.randperm(len(images)).to(device)

    def batch(index: int) -> torch.Tensor:
        return dataset[order[index * batch_size : (index + 1) * batch_size]]

    def step(index: int) -> None:
        train_step(
            model,
            augment,
            batch(index),
            optimizer,
            scaler,
            config.temperature,
            precision,
            channels_last,
        )

    def augment_only(index: int) -> None:
        images_of_step = batch(index)
        torch.cat([augment(images_of_step), augment(images_of_step)])

    seconds = timed_steps(device, steps, step)
    # The augmentation alone, timed apart from the steps on the same batches.
    augment_seconds = timed_steps(device, steps, augment_only)
    return steps * batch_size / seconds, augment_seconds / seconds


def bench_per_image(
    images: np.ndarray,
    arch: str,
    batch_size: int,
    steps: int,
    device: torch.device,
    precision: str,
    workers: int,
) -> tuple[float, float]:
    """Return images/s of a per-image DataLoader feeding the same model, loss and optimizer,
    and the share of the step time spent waiting for the loader."""
    channels_last = use_channels_last(device, precision)
    config, model, optimizer, scaler = make_training(arch, batch_size, device, channels_last)
    loader = DataLoader(
        PerImageViews(images, config.augment),
        batch_size=batch_size,
        shuffle=True,
        num_workers=workers,
        drop_last=True,
        pin_memory=device.type == "cuda",
    )
    batches = iter(loader)
    waits = []

    def step(index: int) -> None:
        started = time.perf_counter()
        first, second = next(batches)
        if index >= WARMUP_STEPS:
            waits.append(time.perf_counter() - started)
        views = torch.cat([first, second]).to(device, non_blocking=True)
        model_step(model, views, optimizer, scaler, config.temperature, precision, channels_last)

    seconds = timed_steps(device, steps, step)
    return steps * batch_size / seconds, sum(waits) / seconds


def bench_model_only(
    arch: str, batch_size: int, size: int, steps: int, device: torch.device, precision: str
) -> float:
    """Return images/s of the model, loss and optimizer step alone on views made in advance.

    No input pipeline can beat this rate on the same device, so its ratio to the per-image rate
    bounds the speed-up that any augmentation design can reach.
    """
    channels_last = use_channels_last(device, precision)
    config, model, optimizer, scaler = make_training(arch, batch_size, device, channels_last)
    views = torch.rand(2 * batch_size, 3, size, size, device=device)

    def step(index: int) -> None:
        model_step(model, views, optimizer, scaler, config.temperature, precision, channels_last)

    return steps * batch_size / timed_steps(device, steps, step)


def step_flops(arch: str, batch_size: int, size: int, device: torch.device) -> int:
    """Count the forward and backward FLOPs of one step (2 × batch_size views)."""
    _, model, _, _ = make_training(arch, batch_size, device, channels_last=False)
    views = torch.rand(2 * batch_size, 3, size, size, device=device)
    with FlopCounterMode(display=False) as counter:
        _, projections = model(views)
        loss = nt_xent(*projections.chunk(2), 0.07).loss
        loss.backward()
    return counter.get_total_flops()


def peak_tflops(device: torch.device, override: float | None) -> float | None:
    if override is not None:
        return override
    name = torch.cuda.get_device_name(device)
    return next((peak for key, peak in PEAK_BF16_TFLOPS.items() if key in name), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default="resnet18", help="backbone name")
    parser.add_argument("--batch-size", type=int, default=256, help="images per step")
    parser.add_argument("--size", type=int, default=64, help="image side in pixels")
    parser.add_argument(
        "--steps", type=int, default=10, help=f"timed steps after {WARMUP_STEPS} warm-up steps"
    )
    parser.add_argument(
        "--precision",
        default="fp32,bf16",
        help="comma-separated precisions to measure, each for both pipelines (fp32, bf16)",
    )
    parser.add_argument("--workers", type=int, default=2, help="DataLoader workers (per-image)")
    parser.add_argument(
        "--devices",
        default="cpu,cuda",
        help="comma-separated devices to measure (cpu, cuda); cuda is skipped where absent",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="JSON file for the results")
    parser.add_argument(
        "--peak-tflops", type=float, default=None, help="GPU dense bf16 peak for MFU, in TFLOP/s"
    )
    args = parser.parse_args()

    load_before = os.getloadavg()
    rng = np.random.default_rng(0)
    count = args.batch_size * (args.steps + WARMUP_STEPS)
    images = rng.integers(0, 256, (count, args.size, args.size, 3), dtype=np.uint8)
    requested = args.devices.split(",")
    if not requested or any(name not in ("cpu", "cuda") for name in requested):
        parser.error(f"--devices {args.devices} is invalid: use cpu, cuda or cpu,cuda")
    devices = [torch.device(name) for name in requested]
    if torch.device("cuda") in devices and not torch.cuda.is_available():
        devices.remove(torch.device("cuda"))
        if not devices:
            parser.error("--devices cuda needs a CUDA device, and none is available")
        print("no CUDA device: measuring the CPU only", file=sys.stderr)

    precisions = args.precision.split(",")
    if any(precision not in ("fp32", "bf16") for precision in precisions):
        parser.error(f"--precision {args.precision} is invalid: use fp32, bf16 or fp32,bf16")

    rows = []
    for device in devices:
        for precision in precisions:
            for pipeline in ("batched", "per-image", "model only"):
                if pipeline == "model only":
                    rate = bench_model_only(
                        args.arch, args.batch_size, args.size, args.steps, device, precision
                    )
                    input_share = 0.0
                elif pipeline == "batched":
                    rate, input_share = bench_batched(
                        images, args.arch, args.batch_size, args.steps, device, precision
                    )
                else:
                    rate, input_share = bench_per_image(
                        images,
                        args.arch,
                        args.batch_size,
                        args.steps,
                        device,
                        precision,
                        args.workers,
                    )
                row = {
                    "device": device.type,
                    "precision": precision,
                    "pipeline": pipeline,
                    "images_per_s": rate,
                    "input_share": input_share,
                }
                # The FLOP count does not depend on the precision but the peak does, so MFU is
                # reported against the bf16 peak and only for bf16 rows.
                if device.type == "cuda" and precision == "bf16":
                    flops = step_flops(args.arch, args.batch_size, args.size, device)
                    achieved = flops * rate / args.batch_size / 1e12
                    peak = peak_tflops(device, args.peak_tflops)
                    row["tflops"] = achieved
                    row["mfu"] = achieved / peak if peak else None
                rows.append(row)
                log_row(row)
            batched, per_image, model_only = (row["images_per_s"] for row in rows[-3:])
            rows[-3]["speedup"] = batched / per_image
            rows[-1]["speedup"] = model_only / per_image

    machine = {
        "platform": platform.platform(),
        "load_average_after": os.getloadavg(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
        "torch": torch.__version__,
    }
    print(
        f"{args.arch}, batch {args.batch_size}, {args.size}×{args.size} px, {args.steps} steps, "
        f"load average {load_before[0]:.2f} before and {machine['load_average_after'][0]:.2f} after"
    )
    # input: augmenting (batched) or waiting for the loader (per-image), as a share of the step.
    # speedup: over the per-image loader. On the "model only" row it is the ceiling that no input
    # pipeline can pass on this device.
    print(
        f"{'device':<7} {'precision':<9} {'pipeline':<11} {'images/s':>9} {'input':>6} "
        f"{'speedup':>8} {'MFU':>6}"
    )
    for row in rows:
        speedup = f"{row['speedup']:.2f}×" if "speedup" in row else ""
        mfu = f"{row['mfu']:.1%}" if row.get("mfu") is not None else ""
        print(
            f"{row['device']:<7} {row['precision']:<9} {row['pipeline']:<11} "
            f"{row['images_per_s']:>9.1f} {row['input_share']:>6.0%} {speedup:>8} {mfu:>6}"
        )

    args.out.parent.mkdir(parents=True, exist_ok=True)
    machine["load_average_before"] = load_before
    record = {"args": {**vars(args), "out": str(args.out)}, "machine": machine, "rows": rows}
    args.out.write_text(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
