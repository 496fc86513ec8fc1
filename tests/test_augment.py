import math

import pytest
import torch
import torchvision.transforms.functional as TF
from torchvision.transforms import RandomResizedCrop

from tinyclr.augment import (
    AugmentConfig,
    SimCLRAugment,
    adjust_hue,
    blur_kernel_size,
    gaussian_blur,
    resized_crop,
    sample_crop_boxes,
)
from tinyclr.config import ConfigError, build

# torchvision's functional ops in ColorJitter's index order: brightness, contrast, saturation, hue.
TORCHVISION_JITTER = (TF.adjust_brightness, TF.adjust_contrast, TF.adjust_saturation,
                      TF.adjust_hue)  # fmt: skip


def reference_view(augment, image, params, index):
    """Apply one image's parameters with torchvision's per-image functional ops."""
    top, left, height, width = params.boxes[index].tolist()
    view = TF.resized_crop(image, top, left, height, width, list(augment.image_size),
                           antialias=False)  # fmt: skip
    if params.flip[index]:
        view = TF.hflip(view)
    if params.jitter[index]:
        for op_index in params.order[index].tolist():
            view = TORCHVISION_JITTER[op_index](view, float(params.factors[index, op_index]))
    if params.grayscale[index]:
        view = TF.rgb_to_grayscale(view, num_output_channels=3)
    if params.blur[index]:
        sigma = float(params.sigma[index])
        view = TF.gaussian_blur(view, [augment.kernel] * 2, [sigma, sigma])
    return view


def test_views_differ_within_pair():
    torch.manual_seed(0)
    images = torch.randint(0, 256, (8, 32, 32, 3), dtype=torch.uint8)
    augment = SimCLRAugment(AugmentConfig(), (32, 32))
    first, second = augment(images), augment(images)
    assert first.shape == (8, 3, 32, 32)
    assert not torch.equal(first, second)
    assert float(first.min()) >= 0.0
    assert float(first.max()) <= 1.0


def test_parameters_drawn_per_image():
    # One image repeated across the batch: identical outputs would mean shared parameters.
    torch.manual_seed(1)
    image = torch.randint(0, 256, (1, 32, 32, 3), dtype=torch.uint8)
    views = SimCLRAugment(AugmentConfig(), (32, 32))(image.repeat(6, 1, 1, 1))
    distinct = {tuple(view.flatten()[:64].tolist()) for view in views}
    assert len(distinct) == 6


def test_augment_seeded_repeatable():
    images = torch.randint(0, 256, (4, 16, 16, 3), dtype=torch.uint8)
    augment = SimCLRAugment(AugmentConfig(), (16, 16))
    torch.manual_seed(3)
    first = augment(images)
    torch.manual_seed(3)
    assert torch.equal(first, augment(images))


def test_augment_keeps_rectangular_size():
    images = torch.randint(0, 256, (2, 24, 40, 3), dtype=torch.uint8)
    assert SimCLRAugment(AugmentConfig(), (24, 40))(images).shape == (2, 3, 24, 40)


def test_augment_disabled_is_identity():
    config = AugmentConfig(
        crop_scale=[1.0, 1.0], flip_p=0.0, jitter_p=0.0, grayscale_p=0.0, blur_p=0.0
    )
    augment = SimCLRAugment(config, (16, 16), crop_ratio=(1.0, 1.0))
    images = torch.randint(0, 256, (3, 16, 16, 3), dtype=torch.uint8)
    expected = images.permute(0, 3, 1, 2).float() / 255
    assert torch.allclose(augment(images), expected, atol=1e-5)


@pytest.mark.parametrize("size", [(32, 32), (24, 40)])
def test_batched_matches_torchvision(size):
    torch.manual_seed(5)
    images = torch.rand(64, 3, *size)
    augment = SimCLRAugment(AugmentConfig(), size)
    params = augment.sample(len(images), size)
    views = augment.apply(images.clone(), params)
    for index in range(len(images)):
        expected = reference_view(augment, images[index], params, index)
        assert torch.allclose(views[index], expected, atol=1e-5), index


def test_sample_covers_every_operation():
    # The torchvision comparison is only strong if each operation and order occurs in it.
    torch.manual_seed(5)
    params = SimCLRAugment(AugmentConfig(), (32, 32)).sample(64, (32, 32))
    for name in ("flip", "jitter", "grayscale", "blur"):
        flags = getattr(params, name)
        assert 0 < int(flags.sum()) < 64, name
    assert len({tuple(order) for order in params.order.tolist()}) > 10


def test_crop_boxes_within_ranges():
    torch.manual_seed(2)
    boxes = sample_crop_boxes(4000, (64, 64), (0.08, 1.0), (3 / 4, 4 / 3))
    top, left, height, width = boxes.unbind(1)
    assert int(top.min()) >= 0
    assert int(left.min()) >= 0
    assert int((top + height).max()) <= 64
    assert int((left + width).max()) <= 64
    area = (height * width).float() / 64**2
    # Rounding the sides to whole pixels moves the area and ratio slightly past the ranges.
    assert float(area.min()) > 0.07
    assert float(area.max()) <= 1.0
    aspect = (width / height).float().log()
    assert float(aspect.min()) > math.log(3 / 4) - 0.1
    assert float(aspect.max()) < math.log(4 / 3) + 0.1



def test_crop_area_distribution_as_torchvision():
    # Rejected attempts skew the areas low, so compare with torchvision's own sampler.
    torch.manual_seed(2)
    boxes = sample_crop_boxes(4000, (64, 64), (0.08, 1.0), (3 / 4, 4 / 3))
    area = (boxes[:, 2] * boxes[:, 3]).float() / 64**2
    picture = torch.zeros(3, 64, 64)
    reference = torch.tensor([
        height * width / 64**2
        for _, _, height, width in (
            RandomResizedCrop.get_params(picture, [0.08, 1.0], [3 / 4, 4 / 3])
            for _ in range(4000)
        )
    ])  # fmt: skip
    assert float(area.mean()) == pytest.approx(float(reference.mean()), abs=0.02)
    assert float(area.median()) == pytest.approx(float(reference.median()), abs=0.03)


def test_crop_fallback_is_centred():
    # A full-area square fits no 20×40 image, which forces torchvision's fallback: the central crop.
    boxes = sample_crop_boxes(3, (20, 40), (1.0, 1.0), (1.0, 1.0))
    assert boxes.tolist() == [[0, 10, 20, 20]] * 3


def test_crop_flip_mirrors_columns():
    images = torch.rand(2, 3, 8, 8)
    boxes = torch.tensor([[0, 0, 8, 8]] * 2)
    views = resized_crop(images, boxes, torch.tensor([False, True]), (8, 8))
    assert torch.allclose(views[0], images[0], atol=1e-6)
    assert torch.allclose(views[1], images[1].flip(-1), atol=1e-6)


def test_hue_matches_torchvision_on_extremes():
    # Pure, grey, black and white pixels sit on the sector edges of the HSV conversion.
    colours = torch.tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [0, 1, 1], [1, 0, 1],
                            [0.5, 0.5, 0.5], [0, 0, 0], [1, 1, 1], [0.2, 0.2, 0.9]])  # fmt: skip
    image = colours.T.reshape(1, 3, 2, 5)
    for shift in (-0.5, -0.2, 0.0, 0.13, 0.5):
        shifted = adjust_hue(image, torch.tensor([shift]))
        assert torch.allclose(shifted[0], TF.adjust_hue(image[0], shift), atol=1e-5), shift


def test_blur_sigma_per_image():
    torch.manual_seed(4)
    images = torch.rand(3, 3, 16, 16)
    sigma = torch.tensor([0.1, 1.0, 2.0])
    blurred = gaussian_blur(images, 7, sigma)
    for index, value in enumerate(sigma.tolist()):
        expected = TF.gaussian_blur(images[index], [7, 7], [value, value])
        assert torch.allclose(blurred[index], expected, atol=1e-5), value


@pytest.mark.parametrize(("size", "kernel"), [(16, 3), (32, 3), (64, 7), (224, 23)])
def test_blur_kernel_size_odd(size, kernel):
    assert blur_kernel_size(size, 0.1) == kernel


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"crop_scale": [0.5, 0.2]}, "augment.crop_scale"),
        ({"crop_scale": [0.0, 1.0]}, "augment.crop_scale"),
        ({"blur_sigma": [0.1]}, "augment.blur_sigma"),
        ({"jitter_strength": [0.8, 0.8, 0.8]}, "four"),
        ({"jitter_strength": [0.8, 0.8, 0.8, 0.7]}, "hue"),
        ({"flip_p": 1.5}, "augment.flip_p"),
    ],
)
def test_augment_config_rejects(raw, message):
    with pytest.raises(ConfigError, match=message):
        build(AugmentConfig, raw, "augment")
