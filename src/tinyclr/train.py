"""Train stage: one SimCLR model for one variant of params.yaml.

The variant's config is the ``train`` section with ``variants.<name>`` laid over it. The stage
writes the backbone to ``<model-dir>/encoder.pt``, the per-step and per-epoch curves to
``<results-dir>/live`` and a summary to ``<results-dir>/train.json``. A checkpoint in
``<checkpoint-dir>`` after every epoch (and on SIGTERM) lets a rerun continue an interrupted run.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import math
import signal
import time
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Literal

import numpy as np
import torch
from tqdm import tqdm

from tinyclr.augment import AugmentConfig, SimCLRAugment
from tinyclr.checkpoint import (
    CHECKPOINT_NAME,
    data_fingerprint,
    load_matching_checkpoint,
    rng_state,
    save_checkpoint,
    set_rng_state,
)
from tinyclr.config import ConfigError, build, check_name, check_value, read_params, to_dict
from tinyclr.errors import StageError
from tinyclr.files import atomic_dir, write_json
from tinyclr.loss import ContrastiveResult, nt_xent
from tinyclr.model import ARCHS, ProjectionHead, SimCLRModel, build_backbone, save_encoder
from tinyclr.schedule import build_scheduler

log = logging.getLogger(__name__)

METRICS = ("loss", "top1", "top5", "lr", "images_per_s")


@dataclass(frozen=True)
class TrainConfig:
    """Resolved training config of one variant: the ``train`` section plus the variant's keys."""

    arch: str = field(metadata={"choices": tuple(ARCHS)})
    head_layers: int = field(metadata={"min": 1})
    batch_size: int = field(metadata={"min": 2})
    temperature: float = field(metadata={"gt": 0.0})
    epochs: int = field(default=50, metadata={"min": 1})
    optimizer: Literal["adam", "adamw"] = "adam"
    lr: float = field(default=3.0e-4, metadata={"gt": 0.0})
    weight_decay: float = field(default=1.0e-4, metadata={"min": 0.0})
    schedule: Literal["cosine", "constant"] = "cosine"
    warmup_epochs: float = field(default=1.0, metadata={"min": 0.0})
    proj_dim: int = field(default=128, metadata={"min": 1})
    seed: int = field(default=42, metadata={"min": 0})
    device: Literal["auto", "cpu", "cuda"] = "auto"
    precision: Literal["auto", "fp32", "bf16"] = "auto"
    compile: bool = False
    stem: Literal["imagenet", "small"] = "imagenet"
    head_batchnorm: bool = False
    augment: AugmentConfig = field(default_factory=AugmentConfig)


REQUIRED_VARIANT_KEYS = tuple(
    f.name for f in dataclasses.fields(TrainConfig) if f.default is dataclasses.MISSING
    and f.default_factory is dataclasses.MISSING
)


def load_train_config(params: dict[str, Any] | str | Path, variant: str) -> TrainConfig:
    """Merge ``train`` and ``variants.<variant>`` and check every key against :class:`TrainConfig`.

    Errors name the key where the bad value was written: ``variants.<variant>.<key>`` for a
    variant's own keys, ``train.<key>`` for shared ones.
    """
    if not isinstance(params, dict):
        params = read_params(params)
    check_name(variant, "variant")
    variants = params.get("variants") or {}
    if not isinstance(variants, dict) or variant not in variants:
        names = ", ".join(variants) if isinstance(variants, dict) and variants else "none"
        raise ConfigError(f"variant {variant!r} not found in params variants: defined are {names}")
    shared = params.get("train") or {}
    overrides = variants[variant] or {}
    for key, value in (("train", shared), (f"variants.{variant}", overrides)):
        if not isinstance(value, dict):
            raise ConfigError(f"{key} must be a mapping of keys to values, got {value!r}")

    # Check the variant's own keys first, so a bad value is reported where it was written.
    fields = {f.name: f for f in dataclasses.fields(TrainConfig)}
    hints = typing.get_type_hints(TrainConfig)
    for key, value in overrides.items():
        if key not in fields:
            raise ConfigError(
                f"unknown key variants.{variant}.{key}: allowed keys are {', '.join(fields)}"
            )
        check_value(value, hints[key], f"variants.{variant}.{key}", fields[key].metadata)

    merged = {**shared, **overrides}
    # A variant may override single augmentation keys and keep the shared ones.
    if isinstance(shared.get("augment"), dict) and isinstance(overrides.get("augment"), dict):
        merged["augment"] = {**shared["augment"], **overrides["augment"]}
    for key in REQUIRED_VARIANT_KEYS:
        if key not in merged:
            raise ConfigError(
                f"missing key variants.{variant}.{key}: every variant sets "
                f"{', '.join(REQUIRED_VARIANT_KEYS)}"
            )
    return build(TrainConfig, merged, "train")


def load_images(data_dir: Path) -> np.ndarray:
    """Load ``train_images.npy`` as uint8 (N, H, W, 3), raising StageError when it is unusable."""
    path = data_dir / "train_images.npy"
    if not path.is_file():
        raise StageError(f"training images not found: {path} (run the prepare stage first)")
    try:
        images = np.load(path)
    except (ValueError, OSError) as error:
        raise StageError(f"{path} is not a readable .npy file: {error}") from error
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[-1] != 3:
        raise StageError(
            f"{path} must hold uint8 images of shape (N, H, W, 3), got {images.dtype} "
            f"{images.shape} (rerun the prepare stage)"
        )
    return images


def cpu_has_native_bf16() -> bool:
    """Return whether the CPU has bf16 matrix instructions (AMX-BF16 or AVX512-BF16).

    Reads the Linux /proc/cpuinfo flags and falls back to torch's private CPU checks (present in
    torch 2.14) elsewhere.
    """
    try:
        flags = set(Path("/proc/cpuinfo").read_text().split())
    except OSError:
        checks = ("_is_amx_tile_supported", "_is_avx512_bf16_supported")
        return any(getattr(torch.cpu, name, lambda: False)() for name in checks)
    return bool(flags & {"amx_bf16", "avx512_bf16"})


def select_precision(requested: str, device: torch.device) -> str:
    """Resolve ``precision: auto`` to ``bf16`` or ``fp32`` for ``device``.

    ``auto`` takes bf16 autocast on CUDA devices that support it and fp32 on CPUs, because CPU
    runs must be reproducible. ``bf16`` on a CPU is an opt-in speed-up: on 2 cores of a Xeon
    with AMX-BF16, a ResNet18 step on 512 views of 64×64 px ran at about 350 views/s in bf16
    with channels_last against 195 in fp32. CPUs without native bf16 emulate it, slower than fp32.

    NOTE: with torch 2.14 on 2 threads, oneDNN's bf16 weight gradient of a stride-2 convolution
    on a 1×1 map varied from run to run. ResNet's last stage gets such maps at 16 px input with
    the imagenet stem, so bf16 CPU runs are not guaranteed to repeat exactly. 24 px and larger
    runs were reproducible in 20 tries.
    """
    if requested == "bf16" and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise StageError(
            "precision = bf16 but this CUDA device does not support bf16: set train.precision "
            "to auto or fp32"
        )
    if requested == "bf16" and device.type == "cpu" and not cpu_has_native_bf16():
        log.warning("precision = bf16 on a CPU without native bf16 instructions: expect slow steps")
    if requested != "auto":
        return requested
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    return "fp32"


def use_channels_last(device: torch.device, precision: str) -> bool:
    """Return whether images and weights should be channels_last (NHWC).

    On the Xeon above, bf16 steps ran about 15 % faster in NHWC than in NCHW, while fp32 steps
    ran about 8 % slower, so fp32 CPU runs keep NCHW.
    """
    return device.type == "cuda" or precision == "bf16"


def select_device(requested: str) -> torch.device:
    """Resolve ``device: auto`` to CUDA when present, else CPU."""
    if requested == "cuda" and not torch.cuda.is_available():
        raise StageError("device = cuda but no CUDA device is available: set train.device to auto")
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(requested)


@contextlib.contextmanager
def sigterm_flag() -> Iterator[dict[str, bool]]:
    """Record SIGTERM in a flag instead of dying, so the loop can checkpoint after its step."""
    flag = {"received": False}

    def handle(signum: int, frame: Any) -> None:
        flag["received"] = True

    previous = signal.signal(signal.SIGTERM, handle)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGTERM, previous)


def summarise_epoch(rows: list[dict[str, float]], batch_size: int) -> dict[str, float]:
    """Return the epoch means of loss, top1 and top5, the last lr and the epoch's images/s."""
    seconds = sum(batch_size / row["images_per_s"] for row in rows)
    return {
        "loss": float(np.mean([row["loss"] for row in rows])),
        "top1": float(np.mean([row["top1"] for row in rows])),
        "top5": float(np.mean([row["top5"] for row in rows])),
        "lr": rows[-1]["lr"],
        "images_per_s": batch_size * len(rows) / seconds,
    }


def write_curves(
    live_dir: Path, history: list[dict[str, float]], steps_per_epoch: int, batch_size: int
) -> None:
    """Write the per-step and per-epoch DVCLive folders ``steps`` and ``epochs`` atomically.

    The curves are written once the run is complete, from the history that checkpoints carry,
    so a resumed run yields the same files as an uninterrupted one.
    """
    # Imported here, so that the training loop also runs where only torch is installed (the
    # GPU checks in bench/device_check.sh).
    from dvclive import Live

    epochs = [
        summarise_epoch(history[start : start + steps_per_epoch], batch_size)
        for start in range(0, len(history), steps_per_epoch)
    ]
    with atomic_dir(live_dir) as temporary:
        for name, rows in (("steps", history), ("epochs", epochs)):
            with Live(
                str(temporary / name), dvcyaml=False, save_dvc_exp=False, report=None
            ) as live:
                for row in rows:
                    for metric in METRICS:
                        live.log_metric(metric, row[metric])
                    live.next_step()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--variant", required=True, help="name of an entry of params variants")
    parser.add_argument("--data", required=True, type=Path, help="prepared data folder")
    parser.add_argument("--model-dir", required=True, type=Path, help="folder for encoder.pt")
    parser.add_argument(
        "--results-dir", required=True, type=Path, help="folder for train.json and live/"
    )
    parser.add_argument(
        "--checkpoint-dir",
        required=True,
        type=Path,
        help="folder for the resume checkpoint, kept outside the cached stage outputs",
    )


def run(args: argparse.Namespace) -> None:
    config = load_train_config(args.params, args.variant)
    config_dict = to_dict(config)
    log.info("variant %s config: %s", args.variant, json.dumps(config_dict, sort_keys=True))

    images = load_images(args.data)
    if len(images) < config.batch_size:
        raise StageError(
            f"the training set has {len(images)} images, fewer than one batch of "
            f"{config.batch_size}: lower variants.{args.variant}.batch_size to at most "
            f"{len(images)} or prepare more images"
        )
    device = select_device(config.device)
    fingerprint = data_fingerprint(images)

    summary = train(
        config,
        images,
        device,
        checkpoint_path=args.checkpoint_dir / CHECKPOINT_NAME,
        fingerprint=fingerprint,
    )

    model_path = args.model_dir / "encoder.pt"
    save_encoder(model_path, summary.pop("backbone"), config.arch, config.stem, config_dict)
    history = summary.pop("history")
    steps_per_epoch = summary.pop("steps_per_epoch")
    write_curves(args.results_dir / "live", history, steps_per_epoch, config.batch_size)
    write_json(
        args.results_dir / "train.json", {"variant": args.variant, "config": config_dict, **summary}
    )
    # The outputs are complete, so the resume point is no longer needed.
    (args.checkpoint_dir / CHECKPOINT_NAME).unlink(missing_ok=True)
    log.info("wrote %s and %s", model_path, args.results_dir)


def build_model(config: TrainConfig) -> SimCLRModel:
    """Build the variant's backbone and projection head, with hidden layers as wide as the
    backbone features (as in SimCLR)."""
    backbone, width = build_backbone(config.arch, config.stem)
    head = ProjectionHead(width, width, config.proj_dim, config.head_layers, config.head_batchnorm)
    return SimCLRModel(backbone, head)


def model_step(
    model: torch.nn.Module,
    views: torch.Tensor,
    optimizer: torch.optim.Optimizer,
    scaler: torch.amp.GradScaler,
    temperature: float,
    precision: str,
    channels_last: bool,
) -> ContrastiveResult:
    """Make one SimCLR update from views (2B, 3, H, W), first views then second views.

    The forward pass runs in bf16 autocast when ``precision`` is ``bf16``. The loss is computed
    outside autocast, so its logits stay in float32. A non-finite loss skips the update, so the
    caller can stop with the weights of the previous step.
    """
    if channels_last:
        views = views.contiguous(memory_format=torch.channels_last)
    with torch.autocast(views.device.type, dtype=torch.bfloat16, enabled=precision == "bf16"):
        _, projections = model(views)
    result = nt_xent(*projections.float().chunk(2), temperature)
    if not torch.isfinite(result.loss):
        return result
    optimizer.zero_grad(set_to_none=True)
    scaler.scale(result.loss).backward()
    scaler.step(optimizer)
    scaler.update()
    return result


def train_step(
    model: torch.nn.Module,
    augment: SimCLRAugment,
    batch: torch.Tensor,
    optimizer: torch.optim.Optimizer,
    scaler: torch.amp.GradScaler,
    temperature: float,
    precision: str,
    channels_last: bool,
) -> ContrastiveResult:
    """Augment a uint8 batch (B, H, W, 3) twice and make one update from the 2B views."""
    views = torch.cat([augment(batch), augment(batch)])
    return model_step(model, views, optimizer, scaler, temperature, precision, channels_last)


def train(
    config: TrainConfig,
    images: np.ndarray,
    device: torch.device,
    checkpoint_path: Path,
    fingerprint: dict[str, Any],
) -> dict[str, Any]:
    """Run (or continue) SimCLR training and return the backbone, history and final metrics.

    The last short batch of each epoch is dropped, so every step takes ``batch_size`` images and
    2 × batch_size − 1 candidates per view.
    """
    config_dict = to_dict(config)
    batch_size = config.batch_size
    steps_per_epoch = len(images) // batch_size
    total_steps = config.epochs * steps_per_epoch
    precision = select_precision(config.precision, device)
    channels_last = use_channels_last(device, precision)
    log.info("precision %s, channels_last %s on %s", precision, channels_last, device.type)

    # Set-up: the model is initialised from the seed, then a matching checkpoint replaces it.
    torch.manual_seed(config.seed)
    model = build_model(config).to(device)
    # NOTE: the CUDA path (bf16 autocast, channels_last, dataset in device memory) has not run on
    # a GPU yet. tests/test_cuda.py checks it, but only where CUDA is present.
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    optimizer_class = torch.optim.AdamW if config.optimizer == "adamw" else torch.optim.Adam
    optimizer = optimizer_class(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    scheduler = build_scheduler(
        optimizer, config.schedule, config.epochs, steps_per_epoch, config.warmup_epochs
    )
    # bf16 autocast needs no loss scaling. The scaler is kept, disabled, so that checkpoints have
    # one layout whatever the precision.
    scaler = torch.amp.GradScaler(device.type, enabled=False)
    augment = SimCLRAugment(config.augment, (images.shape[1], images.shape[2])).to(device)
    forward = torch.compile(model) if config.compile else model

    # The uint8 dataset is small enough to sit in device memory (Tiny ImageNet: 1.2 GB).
    dataset = torch.from_numpy(images).to(device)

    # elapsed sums the step times (for images/s). The wall time adds set-up and checkpoints, and
    # both carry over a resume.
    started_run = time.perf_counter()
    step, history, elapsed, wall_before = 0, [], 0.0, 0.0
    state = load_matching_checkpoint(checkpoint_path, config_dict, fingerprint)
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        scaler.load_state_dict(state["scaler"])
        set_rng_state(state["rng"])
        step, history, elapsed = state["step"], state["history"], state["elapsed_s"]
        wall_before = state["wall_s"]
        log.info("resuming from %s at step %d of %d", checkpoint_path, step, total_steps)

    def checkpoint() -> None:
        save_checkpoint(
            checkpoint_path,
            {
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "scaler": scaler.state_dict(),
                "rng": rng_state(),
                "step": step,
                "history": history,
                "elapsed_s": elapsed,
                "wall_s": wall_before + time.perf_counter() - started_run,
                "config": config_dict,
                "data": fingerprint,
            },
        )

    model.train()
    bar = tqdm(total=total_steps, initial=step, unit="step", dynamic_ncols=True, leave=False)
    with sigterm_flag() as sigterm, bar:
        while step < total_steps:
            epoch, position = divmod(step, steps_per_epoch)
            # The order of an epoch depends only on the seed and the epoch, so a resumed run
            # continues the same permutation.
            generator = torch.Generator().manual_seed(config.seed * 100_003 + epoch)
            order = torch.randperm(len(images), generator=generator).to(device)

            for index in range(position, steps_per_epoch):
                started = time.perf_counter()
                batch = dataset[order[index * batch_size : (index + 1) * batch_size]]
                lr = scheduler.get_last_lr()[0]

                result = train_step(
                    forward,
                    augment,
                    batch,
                    optimizer,
                    scaler,
                    config.temperature,
                    precision,
                    channels_last,
                )
                loss = result.loss.item()
                if not math.isfinite(loss):
                    raise StageError(
                        f"loss is {loss} at step {step + 1} (epoch {epoch + 1}): training "
                        f"stopped; the last good checkpoint {checkpoint_path} is kept "
                        "(try a lower lr or a higher temperature)"
                    )
                scheduler.step()
                step += 1

                # Logging: images/s counts images, each of which yields two views.
                seconds = time.perf_counter() - started
                elapsed += seconds
                history.append(
                    {
                        "loss": loss,
                        "top1": result.top1.item(),
                        "top5": result.top5.item(),
                        "lr": lr,
                        "images_per_s": batch_size / seconds,
                    }
                )
                bar.update()
                bar.set_postfix(
                    epoch=epoch + 1, loss=f"{loss:.3f}", img_s=f"{batch_size / seconds:.0f}"
                )

                if sigterm["received"]:
                    checkpoint()
                    raise StageError(
                        f"stopped by SIGTERM at step {step} of {total_steps}: checkpoint saved "
                        f"to {checkpoint_path}; rerun the stage to resume"
                    )

            # Checkpointing: once per epoch, after its last step.
            means = summarise_epoch(history[-steps_per_epoch:], batch_size)
            log.info(
                "epoch %d/%d: loss %.4f, top1 %.3f, top5 %.3f, lr %.3g, %.0f images/s",
                epoch + 1,
                config.epochs,
                *(means[name] for name in METRICS),
            )
            checkpoint()

    final = summarise_epoch(history[-steps_per_epoch:], batch_size)
    return {
        "backbone": model.backbone,
        "history": history,
        "steps_per_epoch": steps_per_epoch,
        "epochs": config.epochs,
        "steps": total_steps,
        "final_loss": final["loss"],
        "final_top1": final["top1"],
        "final_top5": final["top5"],
        "wall_time_s": wall_before + time.perf_counter() - started_run,
        "images_per_s": total_steps * batch_size / elapsed,
        "device": device.type,
        "precision": precision,
    }
