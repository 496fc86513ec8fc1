"""Checks of the CUDA code paths: augmentation on the GPU, bf16 autocast, channels_last, the
dataset in device memory, checkpoints of a CUDA run and ``torch.compile``.

Skipped without CUDA. They need torch, torchvision, numpy, PyYAML and tqdm only (no DVC), so
``bench/device_check.sh`` can run them on a GPU machine with ``PYTHONPATH=src``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tinyclr.augment import AugmentConfig, SimCLRAugment
from tinyclr.model import images_to_tensor
from tinyclr.train import TrainConfig, select_precision, train, use_channels_last

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]

CUDA = torch.device("cuda")


def random_images(count: int, size: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (count, size, size, 3), dtype=np.uint8)


def tiny_config(**overrides) -> TrainConfig:
    settings = {
        "arch": "resnet18",
        "head_layers": 2,
        "batch_size": 32,
        "temperature": 0.5,
        "epochs": 3,
        "lr": 1.0e-3,
        "warmup_epochs": 0.5,
        "proj_dim": 16,
        "seed": 7,
        "device": "cuda",
    }
    return TrainConfig(**{**settings, **overrides})


def epoch_means(history: list[dict[str, float]], steps_per_epoch: int) -> list[float]:
    losses = [row["loss"] for row in history]
    return [
        float(np.mean(losses[start : start + steps_per_epoch]))
        for start in range(0, len(losses), steps_per_epoch)
    ]


def test_augment_on_cuda_matches_cpu():
    images = random_images(64, 32)
    augment = SimCLRAugment(AugmentConfig(), (32, 32))
    torch.manual_seed(0)
    params = augment.sample(len(images), (32, 32))
    on_cpu = augment.apply(images_to_tensor(images, "cpu"), params)
    on_cuda = augment.apply(images_to_tensor(images, CUDA), params).cpu()
    # The same parameters, so only float rounding differs between the devices.
    assert on_cuda.shape == on_cpu.shape
    assert torch.allclose(on_cuda, on_cpu, atol=1e-4)


def test_auto_precision_on_cuda_is_bf16():
    expected = "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    assert select_precision("auto", CUDA) == expected
    assert use_channels_last(CUDA, expected)


def test_train_on_cuda_loss_falls(tmp_path):
    images = random_images(256, 32)
    result = train(tiny_config(), images, CUDA, tmp_path / "last.pt", {"images": 256})
    means = epoch_means(result["history"], result["steps_per_epoch"])
    assert result["device"] == "cuda"
    assert result["precision"] == select_precision("auto", CUDA)
    assert all(np.isfinite(row["loss"]) for row in result["history"])
    assert means[-1] < means[0]
    assert next(result["backbone"].parameters()).device.type == "cuda"


def test_train_on_cuda_resumes_from_checkpoint(tmp_path):
    images = random_images(128, 32)
    checkpoint = tmp_path / "last.pt"
    first = train(tiny_config(epochs=2), images, CUDA, checkpoint, {"images": 128})
    assert checkpoint.is_file()
    # The checkpoint already contains every step, so the second call only loads it.
    again = train(tiny_config(epochs=2), images, CUDA, checkpoint, {"images": 128})
    assert again["history"] == first["history"]
    assert again["steps"] == first["steps"]


def test_train_on_cuda_with_compile(tmp_path):
    images = random_images(128, 32)
    config = tiny_config(epochs=1, compile=True)
    result = train(config, images, CUDA, tmp_path / "last.pt", {"images": 128})
    assert all(np.isfinite(row["loss"]) for row in result["history"])
    assert result["steps"] == 128 // config.batch_size
