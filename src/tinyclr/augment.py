"""SimCLR augmentation applied to whole batches on the training device with kornia.

Each call draws fresh parameters for every image of the batch (kornia's ``same_on_batch=False``),
so two calls on one batch give two independent views per image. The random draws come from
torch's global generator, which the training loop seeds and saves in its checkpoints.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import kornia.augmentation as K
import torch
from torch import nn

from tinyclr.config import ConfigError
from tinyclr.model import images_to_tensor


@dataclass(frozen=True)
class AugmentConfig:
    """Strengths and probabilities of the SimCLR augmentations (Chen et al., 2020, appendix A)."""

    crop_scale: list[float] = field(default_factory=lambda: [0.08, 1.0])
    flip_p: float = field(default=0.5, metadata={"min": 0.0, "max": 1.0})
    # Brightness, contrast, saturation, hue: SimCLR's 0.8 s, 0.8 s, 0.8 s, 0.2 s with s = 1.
    jitter_strength: list[float] = field(default_factory=lambda: [0.8, 0.8, 0.8, 0.2])
    jitter_p: float = field(default=0.8, metadata={"min": 0.0, "max": 1.0})
    grayscale_p: float = field(default=0.2, metadata={"min": 0.0, "max": 1.0})
    # The SimCLR paper blurs with p 0.5 on ImageNet. The sthalles/SimCLR base code blurs every view.
    blur_p: float = field(default=0.5, metadata={"min": 0.0, "max": 1.0})
    blur_kernel_fraction: float = field(default=0.1, metadata={"gt": 0.0, "max": 1.0})
    blur_sigma: list[float] = field(default_factory=lambda: [0.1, 2.0])

    def __post_init__(self) -> None:
        _check_interval("augment.crop_scale", self.crop_scale, low=0.0, high=1.0)
        _check_interval("augment.blur_sigma", self.blur_sigma, low=0.0, high=None)
        if len(self.jitter_strength) != 4 or any(v < 0 for v in self.jitter_strength):
            raise ConfigError(
                f"augment.jitter_strength = {self.jitter_strength} is invalid: expected four "
                "non-negative numbers (brightness, contrast, saturation, hue)"
            )
        if self.jitter_strength[3] > 0.5:
            raise ConfigError(
                f"augment.jitter_strength hue = {self.jitter_strength[3]} is out of range: "
                "must be <= 0.5"
            )


def _check_interval(key: str, values: list[float], low: float, high: float | None) -> None:
    too_high = high is not None and values[-1] > high
    if len(values) != 2 or not low < values[0] <= values[1] or too_high:
        upper = f" and <= {high}" if high is not None else ""
        raise ConfigError(
            f"{key} = {values} is invalid: expected [min, max] with {low} < min <= max{upper}"
        )


def blur_kernel_size(image_size: int, fraction: float) -> int:
    """Return the odd kernel size nearest to ``fraction`` of the image size, at least 3.

    kornia needs an odd kernel. SimCLR uses 10 % of the image side (23 px at 224 px), which gives
    7 px at 64 px and 3 px at 32 px.
    """
    return max(3, 2 * round((fraction * image_size - 1) / 2) + 1)


class SimCLRAugment(nn.Module):
    """Random resized crop, flip, colour jitter, grayscale and Gaussian blur, per image.

    Takes uint8 images (B, H, W, 3) on any device and returns one float view (B, 3, H, W) in
    [0, 1] per call, at the input size.
    """

    def __init__(self, config: AugmentConfig, image_size: tuple[int, int]) -> None:
        super().__init__()
        kernel = blur_kernel_size(min(image_size), config.blur_kernel_fraction)
        brightness, contrast, saturation, hue = config.jitter_strength
        self.pipeline = nn.Sequential(
            K.RandomResizedCrop(image_size, scale=tuple(config.crop_scale), ratio=(3 / 4, 4 / 3)),
            K.RandomHorizontalFlip(p=config.flip_p),
            K.ColorJitter(brightness, contrast, saturation, hue, p=config.jitter_p),
            K.RandomGrayscale(p=config.grayscale_p),
            K.RandomGaussianBlur((kernel, kernel), tuple(config.blur_sigma), p=config.blur_p),
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Return one augmented view of each image in a uint8 batch (B, H, W, 3)."""
        view = self.pipeline(images_to_tensor(images, images.device))
        return view.clamp_(0.0, 1.0)
