"""SimCLR network: a torchvision ResNet backbone and a projection head.

The backbone takes float images in [0, 1], shape (B, 3, H, W), normalises them with the ImageNet
mean and standard deviation itself, and returns features h of shape (B, D). Keeping the
normalisation inside the module means training, feature extraction and the random references all
feed it the same [0, 1] tensors from :func:`images_to_tensor`.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
import torchvision
from torch import nn

from tinyclr.config import ConfigError
from tinyclr.errors import StageError
from tinyclr.files import atomic_path

# Architecture name -> (torchvision constructor, feature width D after global pooling).
ARCHS: dict[str, tuple[Callable[..., torchvision.models.ResNet], int]] = {
    "resnet18": (torchvision.models.resnet18, 512),
    "resnet50": (torchvision.models.resnet50, 2048),
}
STEMS = ("imagenet", "small")

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

ENCODER_KEYS = ("arch", "stem", "backbone", "config")


class Backbone(nn.Module):
    """ImageNet normalisation followed by a ResNet whose classifier is replaced by the identity."""

    def __init__(self, resnet: torchvision.models.ResNet, dim: int) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))
        self.resnet = resnet
        self.dim = dim

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Map images (B, 3, H, W) in [0, 1] to features (B, D)."""
        return self.resnet((images - self.mean) / self.std)


def build_backbone(arch: str, stem: str) -> tuple[nn.Module, int]:
    """Build a randomly initialised backbone and return it with its feature width D.

    ``stem: imagenet`` keeps torchvision's 7×7 stride-2 convolution and max-pool. ``stem: small``
    replaces them with a 3×3 stride-1 convolution and no max-pool, the usual choice for 32–64 px
    images and the setting Chen et al. (2020) use for CIFAR-10. A 64 px image then reaches the
    last stage as an 8×8 map instead of 2×2.
    """
    if arch not in ARCHS:
        raise ConfigError(f"arch = {arch!r} is invalid: choose one of {', '.join(ARCHS)}")
    if stem not in STEMS:
        raise ConfigError(f"stem = {stem!r} is invalid: choose one of {', '.join(STEMS)}")
    constructor, dim = ARCHS[arch]
    resnet = constructor(weights=None)
    resnet.fc = nn.Identity()
    if stem == "small":
        resnet.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
        resnet.maxpool = nn.Identity()
    return Backbone(resnet, dim), dim


class ProjectionHead(nn.Module):
    """``layers`` linear layers from ``in_dim`` to ``out_dim``, ReLU (after optional BatchNorm)
    between them; hidden layers have ``hidden_dim`` units and the last layer has no activation."""

    def __init__(
        self, in_dim: int, hidden_dim: int, out_dim: int, layers: int, batchnorm: bool
    ) -> None:
        super().__init__()
        if layers < 1:
            raise ConfigError(f"head_layers = {layers} is out of range: must be >= 1")
        widths = [in_dim] + [hidden_dim] * (layers - 1) + [out_dim]
        modules: list[nn.Module] = []
        for index in range(layers):
            last = index == layers - 1
            # A bias before BatchNorm is redundant, as BatchNorm subtracts the mean.
            modules.append(nn.Linear(widths[index], widths[index + 1], bias=last or not batchnorm))
            if not last:
                if batchnorm:
                    modules.append(nn.BatchNorm1d(widths[index + 1]))
                modules.append(nn.ReLU(inplace=True))
        self.net = nn.Sequential(*modules)
        self.layers = layers

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """Map features (B, in_dim) to projections (B, out_dim)."""
        return self.net(features)


class SimCLRModel(nn.Module):
    """Backbone and projection head; the contrastive loss is computed on the projections."""

    def __init__(self, backbone: nn.Module, head: ProjectionHead) -> None:
        super().__init__()
        self.backbone = backbone
        self.head = head

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return features h (B, D) and projections z (B, proj_dim) of images (B, 3, H, W)."""
        features = self.backbone(images)
        return features, self.head(features)


def images_to_tensor(images: np.ndarray | torch.Tensor, device: torch.device | str) -> torch.Tensor:
    """Convert uint8 images (B, H, W, 3) to a float tensor (B, 3, H, W) in [0, 1] on ``device``."""
    if isinstance(images, np.ndarray):
        images = torch.from_numpy(np.ascontiguousarray(images))
    if images.dtype != torch.uint8 or images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(
            f"expected uint8 images of shape (B, H, W, 3), got {images.dtype} {tuple(images.shape)}"
        )
    images = images.to(device, non_blocking=True)
    return images.permute(0, 3, 1, 2).float().div_(255.0).contiguous()


def save_encoder(
    path: str | Path, backbone: nn.Module, arch: str, stem: str, config: dict[str, Any]
) -> None:
    """Save backbone weights with the arch, stem and training config, atomically."""
    state = {name: tensor.detach().cpu() for name, tensor in backbone.state_dict().items()}
    record = {"arch": arch, "stem": stem, "backbone": state, "config": config}
    with atomic_path(path) as temporary:
        torch.save(record, temporary)


def load_encoder(
    path: str | Path, map_location: str | torch.device = "cpu"
) -> tuple[nn.Module, dict[str, Any]]:
    """Load a backbone saved by :func:`save_encoder`, in eval mode, with its training config."""
    path = Path(path)
    if not path.is_file():
        raise StageError(f"encoder file not found: {path} (run the train stage for this variant)")
    try:
        record = torch.load(path, map_location=map_location, weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, KeyError, ValueError) as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise StageError(f"{path} is not a tinyclr encoder file: {message}") from error
    if not isinstance(record, dict) or any(key not in record for key in ENCODER_KEYS):
        raise StageError(
            f"{path} is not a tinyclr encoder file: expected keys {', '.join(ENCODER_KEYS)}"
        )
    try:
        backbone, _ = build_backbone(record["arch"], record["stem"])
        backbone.load_state_dict(record["backbone"])
    except (ConfigError, RuntimeError) as error:
        raise StageError(f"{path} does not match its arch: {error}".splitlines()[0]) from error
    backbone.to(map_location)
    backbone.eval()
    return backbone, record["config"]
