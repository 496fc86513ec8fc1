"""SimCLR augmentation applied to whole batches on the training device.

Each call draws fresh parameters for every image of the batch, so two calls on one batch give two
independent views per image. The random draws come from torch's global CPU generator, which the
training loop seeds and saves in its checkpoints, so a view depends on the seed and not on the
device.

The operations follow torchvision's definitions (``RandomResizedCrop``, ``ColorJitter`` with a
random order per image, ``RandomGrayscale``, ``GaussianBlur``), as in the SimCLR base code, but
run on whole batches as a few vectorised tensor operations. This replaced kornia 0.9, which
took about 110 ms for 256 views of 64×64 px against about 40 ms here (2 cores of a Xeon with
AVX-512, quiet machine), most of it in its colour jitter. tests/test_augment.py checks every
operation against torchvision image by image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from tinyclr.config import ConfigError
from tinyclr.model import images_to_tensor


@dataclass(frozen=True)
class AugmentConfig:
    """Strengths and probabilities of the SimCLR augmentations (Chen et al., 2020, appendix A)."""

    crop_scale: list[float] = field(
        default_factory=lambda: [0.08, 1.0], metadata={"form": "[min, max], 0 < min <= max <= 1"}
    )
    flip_p: float = field(default=0.5, metadata={"min": 0.0, "max": 1.0})
    # Brightness, contrast, saturation, hue: SimCLR's 0.8 s, 0.8 s, 0.8 s, 0.2 s with s = 1.
    jitter_strength: list[float] = field(
        default_factory=lambda: [0.8, 0.8, 0.8, 0.2],
        metadata={"form": "[brightness, contrast, saturation, hue], each >= 0, hue <= 0.5"},
    )
    jitter_p: float = field(default=0.8, metadata={"min": 0.0, "max": 1.0})
    grayscale_p: float = field(default=0.2, metadata={"min": 0.0, "max": 1.0})
    # The SimCLR paper blurs with p 0.5 on ImageNet. The sthalles/SimCLR base code blurs every view.
    blur_p: float = field(default=0.5, metadata={"min": 0.0, "max": 1.0})
    blur_kernel_fraction: float = field(default=0.1, metadata={"gt": 0.0, "max": 1.0})
    blur_sigma: list[float] = field(
        default_factory=lambda: [0.1, 2.0], metadata={"form": "[min, max], 0 < min <= max"}
    )

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

    The blur needs an odd kernel. SimCLR uses 10 % of the image side (23 px at 224 px), which gives
    7 px at 64 px and 3 px at 32 px.
    """
    return max(3, 2 * round((fraction * image_size - 1) / 2) + 1)




class AugmentParams(NamedTuple):
    """Per-image parameters of one view of a batch of B images, drawn on the CPU."""

    boxes: torch.Tensor  # (B, 4) int64: top, left, height, width of the crop in pixels
    flip: torch.Tensor  # (B,) bool
    jitter: torch.Tensor  # (B,) bool: colour jitter applied
    factors: torch.Tensor  # (B, 4) float: brightness, contrast, saturation factors, hue shift
    order: torch.Tensor  # (B, 4) int64: per image, the jitter operations' indices in the order run
    grayscale: torch.Tensor  # (B,) bool
    blur: torch.Tensor  # (B,) bool
    sigma: torch.Tensor  # (B,) float: blur standard deviation in pixels


def sample_crop_boxes(
    batch: int,
    size: tuple[int, int],
    scale: tuple[float, float],
    ratio: tuple[float, float],
    attempts: int = 10,
) -> torch.Tensor:
    """Draw one random resized crop box (top, left, height, width) per image, shape (B, 4).

    Follows torchvision's ``RandomResizedCrop.get_params`` for every image at once. Each image
    gets up to ``attempts`` draws of an area fraction in ``scale`` and a log-uniform aspect ratio
    in ``ratio``, and the first box that fits the image wins. When none fits, the central crop
    with the ratio clamped to ``ratio`` is the fallback.
    """
    height, width = size
    area = height * width
    target = area * torch.empty(batch, attempts).uniform_(scale[0], scale[1])
    aspect = torch.exp(torch.empty(batch, attempts).uniform_(math.log(ratio[0]), math.log(ratio[1])))
    widths = torch.sqrt(target * aspect).round()
    heights = torch.sqrt(target / aspect).round()
    fits = (widths > 0) & (widths <= width) & (heights > 0) & (heights <= height)
    # argmax returns the first maximal index, so this is the first attempt that fits.
    first = fits.to(torch.int8).argmax(dim=1, keepdim=True)
    found = fits.any(dim=1)
    crop_w = widths.gather(1, first).squeeze(1)
    crop_h = heights.gather(1, first).squeeze(1)

    if width / height < ratio[0]:
        fallback_w, fallback_h = width, round(width / ratio[0])
    elif width / height > ratio[1]:
        fallback_w, fallback_h = round(height * ratio[1]), height
    else:
        fallback_w, fallback_h = width, height
    crop_w = torch.where(found, crop_w, float(fallback_w))
    crop_h = torch.where(found, crop_h, float(fallback_h))

    offsets = torch.rand(batch, 2)
    top = torch.where(found, (offsets[:, 0] * (height - crop_h + 1)).floor(), (height - crop_h) // 2)
    left = torch.where(found, (offsets[:, 1] * (width - crop_w + 1)).floor(), (width - crop_w) // 2)
    return torch.stack([top, left, crop_h, crop_w], dim=1).long()


def _sample_positions(start: torch.Tensor, length: torch.Tensor, steps: int, size: int):
    """Normalised grid coordinates (B, steps) of a bilinear resize of [start, start + length)."""
    # Half-pixel centres as in F.interpolate(align_corners=False), clamped to the crop as a
    # resize of the cropped image clamps to its own border.
    centres = torch.arange(steps, device=start.device) + 0.5
    pixels = start[:, None] + centres * (length[:, None] / steps) - 0.5
    pixels = torch.minimum(pixels.clamp_min(start[:, None]), (start + length - 1)[:, None])
    return (2 * pixels + 1) / size - 1


def resized_crop(
    images: torch.Tensor, boxes: torch.Tensor, flip: torch.Tensor, size: tuple[int, int]
) -> torch.Tensor:
    """Crop every image (B, C, H, W) to its box, resize it bilinearly to ``size`` and flip it
    horizontally where ``flip`` is set, in one ``grid_sample`` call.

    The result equals torchvision's ``resized_crop`` without antialiasing followed by ``hflip``.
    A crop is never larger than the image, so the resize never shrinks and needs no antialiasing.
    """
    batch, _, height, width = images.shape
    top, left, crop_h, crop_w = boxes.to(images.device, torch.float32).unbind(1)
    xs = _sample_positions(left, crop_w, size[1], width)  # (B, W_out)
    ys = _sample_positions(top, crop_h, size[0], height)  # (B, H_out)
    xs = torch.where(flip.to(images.device)[:, None], xs.flip(1), xs)
    grid = torch.stack(
        [xs[:, None, :].expand(-1, size[0], -1), ys[:, :, None].expand(-1, -1, size[1])], dim=-1
    )  # (B, H_out, W_out, 2) as (x, y)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="border", align_corners=False)


def rgb_to_grayscale(images: torch.Tensor) -> torch.Tensor:
    """Luma of RGB images (B, 3, H, W) as (B, 1, H, W), with torchvision's ITU-R 601 weights."""
    red, green, blue = images.unbind(1)
    return (0.2989 * red + 0.587 * green + 0.114 * blue).unsqueeze(1)


def _per_image(values: torch.Tensor) -> torch.Tensor:
    return values.view(-1, 1, 1, 1)


def adjust_brightness(images: torch.Tensor, factors: torch.Tensor) -> torch.Tensor:
    return (images * _per_image(factors)).clamp_(0.0, 1.0)


def adjust_contrast(images: torch.Tensor, factors: torch.Tensor) -> torch.Tensor:
    mean = rgb_to_grayscale(images).mean(dim=(1, 2, 3), keepdim=True)
    factors = _per_image(factors)
    return (factors * images + (1.0 - factors) * mean).clamp_(0.0, 1.0)


def adjust_saturation(images: torch.Tensor, factors: torch.Tensor) -> torch.Tensor:
    factors = _per_image(factors)
    return (factors * images + (1.0 - factors) * rgb_to_grayscale(images)).clamp_(0.0, 1.0)


def adjust_hue(images: torch.Tensor, shifts: torch.Tensor) -> torch.Tensor:
    """Rotate the HSV hue of RGB images (B, 3, H, W) in [0, 1] by ``shifts`` (B,) turns.

    Value V and chroma C are kept, so the conversion back uses the closed form
    c_n = V − C · clamp(min(k_n, 4 − k_n), 0, 1) with k_n = (n + 6 H) mod 6 and n = 5, 3, 1 for
    red, green and blue. This equals torchvision's HSV round trip up to float rounding, in fewer
    tensor passes.
    """
    red, green, blue = images.unbind(1)
    value = images.amax(dim=1)
    chroma = value - images.amin(dim=1)

    # 6 H before the division by C, per sector of the hexagon. Grey pixels (C = 0) have no hue,
    # and their output is V whatever the hue, so a divisor of 1 only avoids 0 / 0.
    red_max = value == red
    green_max = value == green
    sector = torch.where(green_max, blue - red + 2 * chroma, red - green + 4 * chroma)
    sector = torch.where(red_max, green - blue, sector)
    hue6 = sector.div_(torch.where(chroma == 0, 1.0, chroma))
    hue6 = hue6.add_(6.0 * shifts.view(-1, 1, 1)).unsqueeze(1)

    offsets = torch.tensor([5.0, 3.0, 1.0], device=images.device).view(1, 3, 1, 1)
    k = torch.remainder(hue6 + offsets, 6.0)
    weight = torch.minimum(k, 4.0 - k).clamp_(0.0, 1.0)
    return value.unsqueeze(1) - chroma.unsqueeze(1) * weight


JITTER_OPS = (adjust_brightness, adjust_contrast, adjust_saturation, adjust_hue)


def gaussian_kernels(kernel: int, sigma: torch.Tensor) -> torch.Tensor:
    """Normalised 1-D Gaussian kernels (B, kernel), one per sigma (B,), as torchvision builds."""
    half = (kernel - 1) / 2
    positions = torch.linspace(-half, half, kernel, device=sigma.device)
    weights = torch.exp(-0.5 * (positions / sigma.unsqueeze(1)) ** 2)
    return weights / weights.sum(dim=1, keepdim=True)


def gaussian_blur(images: torch.Tensor, kernel: int, sigma: torch.Tensor) -> torch.Tensor:
    """Blur each image (B, C, H, W) with its own sigma (B,), reflect-padded, as two 1-D passes.

    The 2-D Gaussian is separable, so a horizontal and a vertical depthwise convolution (one
    group per image channel) equal torchvision's 2-D kernel.
    """
    batch, channels, height, width = images.shape
    weights = gaussian_kernels(kernel, sigma).repeat_interleave(channels, dim=0)  # (B·C, k)
    pad = kernel // 2
    planes = F.pad(images.reshape(1, batch * channels, height, width), [pad] * 4, mode="reflect")
    planes = F.conv2d(planes, weights.view(-1, 1, 1, kernel), groups=batch * channels)
    planes = F.conv2d(planes, weights.view(-1, 1, kernel, 1), groups=batch * channels)
    return planes.view(batch, channels, height, width)


class SimCLRAugment(nn.Module):
    """Random resized crop, flip, colour jitter, grayscale and Gaussian blur, per image.

    Takes uint8 images (B, H, W, 3) on any device and returns one float view (B, 3, H, W) in
    [0, 1] per call, at ``image_size``. ``crop_ratio`` is the aspect-ratio range of the crop.
    """

    def __init__(
        self,
        config: AugmentConfig,
        image_size: tuple[int, int],
        crop_ratio: tuple[float, float] = (3 / 4, 4 / 3),
    ) -> None:
        super().__init__()
        self.config = config
        self.image_size = (int(image_size[0]), int(image_size[1]))
        self.crop_ratio = crop_ratio
        self.kernel = blur_kernel_size(min(self.image_size), config.blur_kernel_fraction)

    def sample(self, batch: int, size: tuple[int, int]) -> AugmentParams:
        """Draw the parameters of one view of ``batch`` images of ``size`` (H, W)."""
        config = self.config
        boxes = sample_crop_boxes(batch, size, tuple(config.crop_scale), self.crop_ratio)
        flip = torch.rand(batch) < config.flip_p

        # torchvision's ColorJitter ranges: factors in [max(0, 1 − s), 1 + s], hue in [−s, s].
        jitter = torch.rand(batch) < config.jitter_p
        brightness, contrast, saturation, hue = config.jitter_strength
        low = torch.tensor([max(0.0, 1 - brightness), max(0.0, 1 - contrast),
                            max(0.0, 1 - saturation), -hue])  # fmt: skip
        high = torch.tensor([1 + brightness, 1 + contrast, 1 + saturation, hue])
        factors = low + (high - low) * torch.rand(batch, 4)
        order = torch.rand(batch, 4).argsort(dim=1)

        grayscale = torch.rand(batch) < config.grayscale_p
        blur = torch.rand(batch) < config.blur_p
        sigma_low, sigma_high = config.blur_sigma
        sigma = sigma_low + (sigma_high - sigma_low) * torch.rand(batch)
        return AugmentParams(boxes, flip, jitter, factors, order, grayscale, blur, sigma)

    def apply(self, images: torch.Tensor, params: AugmentParams) -> torch.Tensor:
        """Apply ``params`` to float images (B, 3, H, W) in [0, 1] and return the views."""
        views = resized_crop(images, params.boxes, params.flip, self.image_size)
        device = views.device

        # Colour jitter in a random order per image: at each of the four positions, every
        # operation runs once on the images that have it there.
        for position in range(4):
            for index, operation in enumerate(JITTER_OPS):
                if self.config.jitter_strength[index] == 0:
                    continue
                chosen = (params.jitter & (params.order[:, position] == index)).nonzero()[:, 0]
                if len(chosen):
                    factors = params.factors[chosen, index].to(device)
                    chosen = chosen.to(device)
                    views[chosen] = operation(views[chosen], factors)

        chosen = params.grayscale.nonzero()[:, 0].to(device)
        if len(chosen):
            views[chosen] = rgb_to_grayscale(views[chosen]).expand(-1, 3, -1, -1)

        chosen = params.blur.nonzero()[:, 0]
        if len(chosen):
            sigma = params.sigma[chosen].to(device)
            chosen = chosen.to(device)
            views[chosen] = gaussian_blur(views[chosen], self.kernel, sigma)
        return views.clamp_(0.0, 1.0)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Return one augmented view of each image in a uint8 batch (B, H, W, 3)."""
        floats = images_to_tensor(images, images.device)
        return self.apply(floats, self.sample(len(floats), tuple(floats.shape[2:])))
